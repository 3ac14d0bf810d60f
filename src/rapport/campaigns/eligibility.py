"""Whether one message may go out now: the person's current consent for its channel and
purpose (a withdrawal wins at once, even mid-campaign), an address for the channel that is
not suppressed, and, for marketing, the global frequency cap across every channel, campaign
and scenario. Read at the moment of handing the message to the provider, never earlier."""

import datetime as dt

from rapport.campaigns.config import FrequencyCap
from rapport.campaigns.models import (
    Message,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    MessengerAccount,
    SkipReason,
    Suppression,
)
from rapport.contacts.models import ConsentEvent, ConsentStatus, Contact

# Messages that count against the cap once handed to a provider: those that went out and
# those that may have (a worker died mid-send), never those refused or not yet handed.
COUNTED = (MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.REVIEW)


def address_of(contact: Contact, channel: str) -> str:
    """Where a message on `channel` goes for `contact` (read now: the contact may have changed
    their address since the message was queued); "" when there is none."""
    if channel == MessageChannel.EMAIL:
        return contact.email
    if channel == MessageChannel.SMS:
        return contact.phone
    account = (
        MessengerAccount.objects.filter(contact_id=contact.pk)
        .order_by("-created_at", "-id")
        .values_list("external_id", flat=True)
        .first()
    )
    return account or ""


def consent_granted(contact_id: int, channel: str, purpose: str) -> bool:
    """The newest event for the channel and purpose is a grant (a withdrawal outranks a grant
    at the same instant, as in contacts.selectors.consent_state)."""
    latest = (
        ConsentEvent.objects.filter(contact_id=contact_id, channel=channel, purpose=purpose)
        .order_by("-at", "-status", "-id")
        .values_list("status", flat=True)
        .first()
    )
    return latest == ConsentStatus.GRANTED


def handed_lately(contact_id: int, since: dt.datetime, *, exclude: int) -> int:
    """Marketing messages handed to a provider for the contact since `since`."""
    return (
        Message.objects.filter(
            contact_id=contact_id,
            purpose=MessagePurpose.MARKETING,
            handed_at__gte=since,
            status__in=COUNTED,
        )
        .exclude(pk=exclude)
        .count()
    )


def why_not(
    message: Message, contact: Contact, *, now: dt.datetime, cap: FrequencyCap | None
) -> tuple[str, str]:
    """(reason the message may not go out or "", the address it goes to)."""
    address = address_of(contact, message.channel)
    if not consent_granted(contact.pk, message.channel, message.purpose):
        return SkipReason.NO_CONSENT, address
    if not address:
        return SkipReason.NO_ADDRESS, address
    if Suppression.objects.filter(channel=message.channel, address=address.lower()).exists():
        return SkipReason.SUPPRESSED, address
    if (
        cap is not None
        and message.purpose == MessagePurpose.MARKETING
        and handed_lately(contact.pk, now - cap.window, exclude=message.pk) >= cap.limit
    ):
        return SkipReason.CAPPED, address
    return "", address
