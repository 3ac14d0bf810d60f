"""Unsubscribing through the signed link every marketing message carries: one click
withdraws the consent for the message's channel and purpose at once (RFC 8058), and the page
behind the link lets the person choose which channels to keep instead of leaving entirely.
Each withdrawal is a ConsentEvent with source "unsubscribe" and lands on the timeline."""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import get_script_prefix, get_urlconf, reverse

from rapport.campaigns import timeline_kinds as kinds
from rapport.campaigns.eligibility import consent_granted
from rapport.campaigns.models import Message, MessageChannel
from rapport.contacts.models import ConsentStatus, Contact
from rapport.contacts.services.consents import consent_record
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction

SALT = "rapport.campaigns.unsubscribe"
SOURCE = "unsubscribe"


class BadLink(Exception):
    """A link that was not made by us (or names a message that no longer exists)."""


def token_for(message_id: int) -> str:
    # No timestamp: the same message always carries the same link.
    return signing.Signer(salt=SALT).sign_object({"m": message_id})


_PLACEHOLDER = "TOKEN"


@functools.lru_cache(maxsize=8)
def _path(script_prefix: str, urlconf: str | None) -> str:
    # Reversed once, with a stand-in token: every outgoing message needs its link, and a
    # reverse cost as much as the rest of the message's headers (profile of a 2,000-message
    # send). Keyed by what reverse() depends on, so a test's other URLconf gets its own.
    return reverse("campaigns:unsubscribe", args=[_PLACEHOLDER])


def url_for(message_id: int, token: str = "") -> str:
    """The message's unsubscribe link (`token`: token_for(message_id), when already made)."""
    path = _path(get_script_prefix(), get_urlconf()).replace(
        _PLACEHOLDER, token or token_for(message_id)
    )
    return f"{settings.RAPPORT_SITE_URL}{path}"


def mailto_for(message_id: int, token: str = "") -> str:
    token = token or token_for(message_id)
    return f"mailto:{settings.DEFAULT_FROM_EMAIL}?subject=unsubscribe%20{token}"


def message_from(token: str) -> Message:
    """The message a link was sent with; BadLink otherwise. Links do not expire: a person
    must be able to leave whenever they read the message."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError) as exc:
        raise BadLink(token) from exc
    number = data.get("m") if isinstance(data, dict) else None
    message = (
        Message.objects.select_related("contact", "campaign").filter(pk=number).first()
        if isinstance(number, int)
        else None
    )
    if message is None:
        raise BadLink(token)
    return message


@dataclass(frozen=True)
class ChannelChoice:
    channel: str
    label: str
    granted: bool


def channel_choices(contact: Contact, purpose: str) -> list[ChannelChoice]:
    """Each channel messages go out on, and whether the person receives them now."""
    return [
        ChannelChoice(value, str(label), consent_granted(contact.pk, value, purpose))
        for value, label in MessageChannel.choices
    ]


@transaction.atomic
def unsubscribe(*, message: Message, channels: list[str]) -> list[str]:
    """Withdraw the consent of the message's purpose on `channels` (those currently granted;
    the others are left alone), and record it once on the timeline. Returns the channels
    withdrawn now. Idempotent: a second click withdraws nothing more."""
    contact = message.contact
    withdrawn = []
    for channel in channels:
        if channel not in MessageChannel.values:
            continue
        if not consent_granted(contact.pk, channel, message.purpose):
            continue
        consent_record(
            actor=None,
            contact=contact,
            channel=channel,
            purpose=message.purpose,
            status=ConsentStatus.WITHDRAWN,
            source=SOURCE,
            evidence=f"message #{message.pk}",
        )
        withdrawn.append(channel)
    if withdrawn:
        timeline.record(
            contact=contact,
            channel=Channel.CAMPAIGN,
            direction=Direction.INBOUND,
            kind=kinds.UNSUBSCRIBED,
            params={
                "message": message.pk,
                "campaign": message.campaign_id,
                "campaign_name": message.campaign.name if message.campaign else "",
                "channels": withdrawn,
                "purpose": message.purpose,
            },
            source=message,
        )
    return withdrawn
