"""What providers tell us back through `POST /hooks/<provider>/<secret>/`: delivery receipts
(a sent message delivered or not) and replies (a person answering an SMS or writing to the
bot). Each lands on the timeline; a reply that asks to stop ("STOP", "СТОП", "ATSISAKYTI"…)
withdraws that channel's consents at once.

Every hook URL carries a secret derived from the site's key (`hook_url`), and each provider's
own signature is checked as well: Twilio's X-Twilio-Signature (HMAC-SHA1 of the URL and the
sorted form fields with the account's auth token), Telegram's secret-token header (the same
secret, given to setWebhook)."""

import base64
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from rapport.campaigns import timeline_kinds as kinds
from rapport.campaigns.eligibility import consent_granted
from rapport.campaigns.models import (
    InboundMessage,
    Message,
    MessageChannel,
    MessageStatus,
    MessengerAccount,
    SkipReason,
)
from rapport.campaigns.stopwords import asks_to_stop
from rapport.contacts.models import ConsentPurpose, ConsentStatus, Contact, ContactPhone
from rapport.contacts.services.consents import consent_record
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction

PROVIDERS = ("twilio", "telegram")
STOP_SOURCE = "reply"


def hook_secret(provider: str) -> str:
    return salted_hmac("rapport.campaigns.hooks", provider, algorithm="sha256").hexdigest()[:32]


def hook_url(provider: str) -> str:
    path = reverse("campaigns:hook", args=[provider, hook_secret(provider)])
    return f"{settings.RAPPORT_SITE_URL}{path}"


def secret_ok(provider: str, secret: str) -> bool:
    return provider in PROVIDERS and constant_time_compare(secret, hook_secret(provider))


def twilio_signature(token: str, url: str, form: Mapping[str, str]) -> str:
    payload = url + "".join(f"{key}{form[key]}" for key in sorted(form))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_token() -> str:
    return unquote(urlsplit(getattr(settings, "RAPPORT_SMS_URL", "")).password or "")


def signature_ok(provider: str, headers: Mapping[str, str], form: Mapping[str, str]) -> bool:
    if provider == "twilio":
        token = twilio_token()
        given = headers.get("X-Twilio-Signature", "")
        expected = twilio_signature(token, hook_url("twilio"), form)
        return bool(token) and constant_time_compare(given, expected)
    given = headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    return constant_time_compare(given, hook_secret("telegram"))


# --- what arrived ----------------------------------------------------------------------------

_DELIVERED = {"delivered"}
_UNDELIVERED = {"undelivered", "failed"}


@transaction.atomic
def receipt(*, provider_id: str, status: str, error: str = "") -> Message | None:
    """Record a delivery receipt on the message it is about (once per change of state)."""
    message = (
        Message.objects.select_for_update()
        .filter(provider_id=provider_id, status__in=(MessageStatus.SENT, MessageStatus.DELIVERED))
        .first()
    )
    if message is None or status not in _DELIVERED | _UNDELIVERED:
        return None
    new = MessageStatus.DELIVERED if status in _DELIVERED else MessageStatus.FAILED
    if message.status == new:
        return message
    message.status = new
    message.reason = "" if new == MessageStatus.DELIVERED else SkipReason.REJECTED
    message.error = error
    message.save(update_fields=["status", "reason", "error"])
    timeline.record(
        contact=message.contact_id,
        channel=Channel.CAMPAIGN,
        direction=Direction.INBOUND,
        kind=kinds.DELIVERY,
        params={"message": message.pk, "channel": message.channel, "status": new},
        source=message,
    )
    return message


def reply(*, provider: str, external_id: str, channel: str, sender: str, text: str) -> int:
    """Record a reply on the timeline of every contact with that address; a stop word
    withdraws their consents on that channel. Returns the number of contacts it reached;
    a provider's repeat of the same reply does nothing."""
    stop = asks_to_stop(text)
    try:
        with transaction.atomic():
            InboundMessage.objects.create(
                provider=provider,
                external_id=external_id,
                channel=channel,
                sender=sender,
                text=text,
                stop=stop,
            )
            contact_ids = _contacts_at(channel, sender)
            for contact_id in contact_ids:
                _reply_to(contact_id, channel=channel, text=text, stop=stop)
            return len(contact_ids)
    except IntegrityError:
        return 0  # seen already


def _contacts_at(channel: str, sender: str) -> list[int]:
    if channel == MessageChannel.SMS:
        phones = ContactPhone.objects.filter(number=sender)
        return sorted(set(phones.values_list("contact_id", flat=True)))
    accounts = MessengerAccount.objects.filter(external_id=sender)
    return sorted(set(accounts.values_list("contact_id", flat=True)))


def _reply_to(contact_id: int, *, channel: str, text: str, stop: bool) -> None:
    withdrawn = []
    if stop:
        for purpose in (ConsentPurpose.MARKETING, ConsentPurpose.SERVICE):
            if consent_granted(contact_id, channel, purpose):
                consent_record(
                    actor=None,
                    contact=Contact.objects.get(pk=contact_id),
                    channel=channel,
                    purpose=purpose,
                    status=ConsentStatus.WITHDRAWN,
                    source=STOP_SOURCE,
                    evidence=text[:200],
                )
                withdrawn.append(str(purpose))
    timeline.record(
        contact=contact_id,
        channel=channel,
        direction=Direction.INBOUND,
        kind=kinds.REPLY,
        params={"channel": channel, "stop": stop, "withdrawn": withdrawn},
        body=text,
    )
