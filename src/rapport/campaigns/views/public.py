"""The public pages behind the links of messages (no login): unsubscribing, and the open
pixel and click redirects of tracked e-mail (campaigns/tracking.py).

The unsubscribe page /u/<token>/ speaks the person's language.

A POST whose body is `List-Unsubscribe=One-Click` (RFC 8058, sent by the mail provider when
the reader presses its "Unsubscribe" button) withdraws the consent of the message's channel
and purpose at once and answers 200. A GET shows the channels the person receives such
messages on, the message's own channel unticked first, so they can keep the others; posting
the form withdraws the unticked ones. A forged link gets a 400 page, never a 500. No CSRF
token: the signed link is the authority, and the one-click POST comes from mail providers."""

import json

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rapport.campaigns import bounces, config, hooks, inbound, tracking
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


@never_cache
@require_http_methods(["GET", "HEAD"])
def track_open(request: HttpRequest, token: str) -> HttpResponse:
    """The open pixel: always the same transparent GIF, never cached (each load is asked for),
    whatever the token; a valid one records the open (a HEAD does not: a link checker)."""
    if request.method == "GET":
        try:
            target = tracking.target_of(token, click=False)
        except tracking.BadToken:
            pass
        else:
            tracking.open_record(message=target.message)
    response = HttpResponse(tracking.PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, max-age=0"
    return response


@never_cache
@require_http_methods(["GET", "HEAD"])
def track_click(request: HttpRequest, token: str) -> HttpResponse:
    """A tracked link: records the click and redirects (302) to the URL the message itself
    holds at that position; a token we did not make is a 404 page, never a redirect."""
    try:
        target = tracking.target_of(token, click=True)
    except tracking.BadToken:
        return render(request, "campaigns/link_not_found.html", status=404)
    if request.method == "GET":
        tracking.click_record(target=target)
    return HttpResponseRedirect(target.url)


DSN_MAX_BYTES = 10 * 1024 * 1024


@csrf_exempt
@require_http_methods(["POST"])
def dsn_hook(request: HttpRequest, secret: str) -> HttpResponse:
    """A delivery status notification (RFC 3464) posted as the raw message by a mail
    gateway: its bounces are recorded (campaigns/bounces.py). A wrong secret is a 404; a body
    that is not a DSN we can act on a 422 saying why, with nothing written."""
    if not hooks.secret_ok(hooks.DSN, secret):
        return JsonResponse({"detail": "Not found."}, status=404)
    if len(request.body) > DSN_MAX_BYTES:
        return JsonResponse({"detail": "The message is larger than 10 MB."}, status=413)
    try:
        bounced = bounces.bounce_record(raw=request.body)
    except bounces.BadDsn as exc:
        return JsonResponse({"detail": str(exc)}, status=422)
    return JsonResponse(
        {
            "bounced": [
                {
                    "message": item.message,
                    "hard": item.hard,
                    "suppressed": item.suppressed,
                    "already": item.already,
                }
                for item in bounced
            ]
        }
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def hook(request: HttpRequest, provider: str, secret: str) -> HttpResponse:
    """A provider's delivery receipt or a person's reply (campaigns/hooks.py). A wrong secret
    is a 404 (the URL does not exist for a guesser), a bad signature a 403, a body that is
    not the provider's shape a 400. GET is WhatsApp's subscription check only."""
    if not hooks.secret_ok(provider, secret):
        return JsonResponse({"detail": "Not found."}, status=404)
    if request.method == "GET":
        return _whatsapp_verification(request) if provider == "whatsapp" else _not_allowed()
    if provider in {"viber", "whatsapp"}:
        return _signed_json_hook(request, provider)
    if provider == "twilio":
        form = {key: request.POST.get(key, "") for key in request.POST}
        if not hooks.signature_ok(provider, request.headers, form):
            return JsonResponse({"detail": "Bad signature."}, status=403)
        if form.get("MessageStatus") and not form.get("Body"):
            hooks.receipt(
                provider_id=form.get("MessageSid", ""),
                status=form["MessageStatus"],
                error=form.get("ErrorCode", ""),
            )
        elif form.get("MessageSid") and form.get("From"):
            hooks.reply(
                provider="twilio",
                external_id=form["MessageSid"],
                channel=MessageChannel.SMS,
                sender=form["From"],
                text=form.get("Body", ""),
            )
        else:
            return JsonResponse({"detail": "Expected a status callback or a message."}, status=400)
        return HttpResponse(
            '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
            content_type="text/xml",
        )
    if not hooks.signature_ok(provider, request.headers, {}):
        return JsonResponse({"detail": "Bad signature."}, status=403)
    try:
        update = json.loads(request.body)
        message = update.get("message") or {}
        chat, text = str(message["chat"]["id"]), str(message.get("text", ""))
        external_id = f"{chat}:{int(message['message_id'])}"
    except (ValueError, TypeError, KeyError, AttributeError):
        return JsonResponse({"detail": "Expected a Telegram update with a message."}, status=400)
    hooks.reply(
        provider="telegram",
        external_id=external_id,
        channel=MessageChannel.MESSENGER,
        sender=chat,
        text=text,
    )
    return JsonResponse({"ok": True})


def _not_allowed() -> HttpResponse:
    return JsonResponse({"detail": "Method not allowed."}, status=405)


def _whatsapp_verification(request: HttpRequest) -> HttpResponse:
    """Meta's check when the webhook is subscribed: echo `hub.challenge` when the verify
    token is ours."""
    whatsapp = config.whatsapp()
    given = request.GET.get("hub.verify_token", "")
    if (
        whatsapp is None
        or request.GET.get("hub.mode") != "subscribe"
        or not constant_time_compare(given, whatsapp.verify_token)
    ):
        return JsonResponse({"detail": "Bad verify token."}, status=403)
    return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")


def _signed_json_hook(request: HttpRequest, provider: str) -> HttpResponse:
    """Viber's callbacks and WhatsApp's notifications: signed over the raw body, read whole
    before anything is recorded."""
    if not hooks.signature_ok(provider, request.headers, {}, request.body):
        return JsonResponse({"detail": "Bad signature."}, status=403)
    read = inbound.viber_actions if provider == "viber" else inbound.whatsapp_actions
    try:
        body = json.loads(request.body)
        started = inbound.viber_conversation(body) if provider == "viber" else None
        actions = read(body)
    except (ValueError, TypeError):  # BadShape is a ValueError, as is broken JSON
        return JsonResponse({"detail": f"Expected a {provider} callback."}, status=400)
    if started is not None:
        # Viber shows the answer to conversation_started as the welcome message; an empty
        # answer sends none
        welcome = started()
        return JsonResponse(welcome) if welcome else HttpResponse(status=200)
    with transaction.atomic():
        for action in actions:
            action()
    return JsonResponse({"ok": True})
