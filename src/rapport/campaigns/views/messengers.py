"""The "Messengers" section of the 360° contact page: the contact's messenger accounts (and
which of them the person stopped), and the Viber link a customer opens to link theirs, made
on demand with a button to copy it (campaigns/viber_link.py).

`contacts` sits below `campaigns`, so the page takes this section through `register_panel`
(from `CampaignsConfig.ready()`)."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from rapport.campaigns import config
from rapport.campaigns.models import MessengerAccount
from rapport.campaigns.viber_link import viber_link_make
from rapport.contacts.models import Contact
from rapport.contacts.selectors import contacts_for
from rapport.core import visibility
from rapport.core.http import Request, get_visible_or_404, require

TEMPLATE = "campaigns/contact_messengers.html"


def _linkable() -> bool:
    viber = config.viber()
    return viber is not None and bool(viber.uri)


def messengers_panel(request: Request, contact: Contact) -> dict[str, Any]:
    accounts = MessengerAccount.objects.filter(contact=contact).order_by("-created_at", "-id")
    return {
        "messenger_accounts": list(accounts),
        "viber_linkable": _linkable() and visibility.can(request.user, "change", contact),
    }


@login_required
@require_POST
def viber_link(request: Request, pk: int) -> HttpResponse:
    """A new Viber link for the contact, drawn with its copy button (an HTMX partial)."""
    contact = get_visible_or_404(contacts_for(request.user), pk)
    require(request.user, "change", contact)
    context: dict[str, Any] = {"contact": contact}
    try:
        context["link"] = viber_link_make(contact=contact)
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
    return render(request, f"{TEMPLATE}#viber_link", context)
