"""REST endpoints for a contact's messenger accounts (mounted under /contacts by
rapport.api.main): the accounts and whether each still takes messages, and the Viber deep
link a customer opens to link theirs (campaigns/viber_link.py)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from rapport.campaigns.models import MessengerAccount
from rapport.campaigns.viber_link import viber_link_make
from rapport.contacts.models import Contact
from rapport.contacts.selectors import contacts_for
from rapport.core import visibility
from rapport.core.api.schemas import ErrorOut, Id

router = Router(tags=["contacts"])
WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class MessengerAccountOut(Schema):
    messenger: str = Field(description="telegram, viber or whatsapp.")
    external_id: str = Field(description="The chat id, Viber user id or WhatsApp id.")
    active: bool = Field(description="False once the person asked this account to stop.")
    opted_out_at: dt.datetime | None
    created_at: dt.datetime


class MessengerAccountsOut(Schema):
    contact: int
    accounts: list[MessengerAccountOut] = Field(description="Newest first.")


class ViberLinkOut(Schema):
    contact: int
    url: str = Field(description="viber://pa?chatURI=…&context=… for the customer to open.")
    expires_at: dt.datetime


def _contact(request: HttpRequest, contact_id: int) -> Contact:
    user: Any = request.auth  # type: ignore[attr-defined]
    return get_object_or_404(contacts_for(user), pk=contact_id)


@router.get(
    "/{int:contact_id}/messengers",
    response={200: MessengerAccountsOut, 404: ErrorOut},
    url_name="contact_messengers",
)
def messenger_list(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    """The contact's messenger accounts: where messenger messages go (the newest active one
    on a configured messenger) and which the person stopped."""
    contact = _contact(request, contact_id)
    accounts = MessengerAccount.objects.filter(contact=contact).order_by("-created_at", "-id")
    return {
        "contact": contact.pk,
        "accounts": [
            {
                "messenger": a.provider,
                "external_id": a.external_id,
                "active": a.opted_out_at is None,
                "opted_out_at": a.opted_out_at,
                "created_at": a.created_at,
            }
            for a in accounts
        ],
    }


@router.post(
    "/{int:contact_id}/viber-link",
    response={200: ViberLinkOut, **WRITE_ERRORS},
    url_name="contact_viber_link",
)
def viber_link(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    """A new deep link for the customer to link their Viber account (valid for
    RAPPORT_VIBER_LINK_DAYS); 422 while Viber or its bot URI is not configured."""
    contact = _contact(request, contact_id)
    if not visibility.can(request.auth, "change", contact):  # type: ignore[attr-defined]
        raise PermissionError(_("You cannot change this contact."))
    link = viber_link_make(contact=contact)
    return {"contact": contact.pk, "url": link.url, "expires_at": link.expires_at}
