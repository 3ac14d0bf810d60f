"""The public unsubscribe page /u/<token>/ (no login), in the person's language.

A POST whose body is `List-Unsubscribe=One-Click` (RFC 8058, sent by the mail provider when
the reader presses its "Unsubscribe" button) withdraws the consent of the message's channel
and purpose at once and answers 200. A GET shows the channels the person receives such
messages on, the message's own channel unticked first, so they can keep the others; posting
the form withdraws the unticked ones. A forged link gets a 400 page, never a 500. No CSRF
token: the signed link is the authority, and the one-click POST comes from mail providers."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rapport.campaigns.models import MessageChannel
from rapport.campaigns.services import language_of
from rapport.campaigns.unsubscribe import BadLink, channel_choices, message_from, unsubscribe

TEMPLATE = "campaigns/unsubscribe.html"


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        message = message_from(token)
    except BadLink:
        return render(request, TEMPLATE, {"problem": True}, status=400)
    with translation.override(language_of(message.contact)):
        if request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click":
            unsubscribe(message=message, channels=[message.channel])
            return render(request, TEMPLATE, {"done": [message.channel], "message": message})
        if request.method == "POST":
            keep = set(request.POST.getlist("keep"))
            leave = [c for c in MessageChannel.values if c not in keep]
            withdrawn = unsubscribe(message=message, channels=leave)
            return render(request, TEMPLATE, {"done": withdrawn, "message": message})
        choices = channel_choices(message.contact, message.purpose)
        return render(
            request,
            TEMPLATE,
            {
                "message": message,
                "choices": [c for c in choices if c.granted],
                "token": token,
            },
        )
