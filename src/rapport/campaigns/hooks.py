"""What providers tell us back through `POST /hooks/<provider>/<secret>/`: delivery receipts
(a sent message delivered or not) and replies (a person answering an SMS or writing to the
bot). Each lands on the timeline; a reply that asks to stop ("STOP", "СТОП", "ATSISAKYTI"…)
stops messages there at once: on SMS it withdraws the SMS consents; on a messenger it opts out
that one account (a STOP on WhatsApp does not end a Telegram conversation the person still
wants), and withdraws the messenger consents only when none of their accounts is left active.

Every hook URL carries a secret derived from the site's key (`hook_url`), and each provider's
own signature is checked as well: Twilio's X-Twilio-Signature (HMAC-SHA1 of the URL and the
sorted form fields with the account's auth token), Telegram's secret-token header (the same
secret, given to setWebhook), Viber's X-Viber-Content-Signature (HMAC-SHA256 of the raw body
with the bot's auth token) and WhatsApp's X-Hub-Signature-256 ("sha256=" and the HMAC-SHA256
of the raw body with the Meta app's secret). Viber's and WhatsApp's hooks exist only while
their provider is configured: without its key no signature could be checked."""

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from rapport.campaigns import config
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

PROVIDERS = ("twilio", "telegram", "viber", "whatsapp")
DSN = "dsn"  # bounce notifications: POST /hooks/dsn/<secret>/ (campaigns/bounces.py)
# WhatsApp takes free text from a business only this long after the person's last message.
WHATSAPP_WINDOW = dt.timedelta(hours=24)
STOP_SOURCE = "reply"


def hook_secret(provider: str) -> str:
    return salted_hmac("rapport.campaigns.hooks", provider, algorithm="sha256").hexdigest()[:32]


def hook_url(provider: str) -> str:
    path = reverse("campaigns:hook", args=[provider, hook_secret(provider)])
    return f"{settings.RAPPORT_SITE_URL}{path}"


def secret_ok(provider: str, secret: str) -> bool:
    if provider in {"viber", "whatsapp"} and provider not in config.messengers():
        return False
    known = provider in PROVIDERS or provider == DSN
    return known and constant_time_compare(secret, hook_secret(provider))


def body_signature(key: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of a raw request body: Viber's and (after "sha256=") Meta's."""
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def twilio_signature(token: str, url: str, form: Mapping[str, str]) -> str:
    payload = url + "".join(f"{key}{form[key]}" for key in sorted(form))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_token() -> str:
    return unquote(urlsplit(getattr(settings, "RAPPORT_SMS_URL", "")).password or "")


def signature_ok(
    provider: str, headers: Mapping[str, str], form: Mapping[str, str], body: bytes = b""
) -> bool:
    if provider == "viber":
        viber = config.viber()
        given = headers.get("X-Viber-Content-Signature", "")
        return viber is not None and constant_time_compare(given, body_signature(viber.token, body))
    if provider == "whatsapp":
        whatsapp = config.whatsapp()
        given = headers.get("X-Hub-Signature-256", "")
        return whatsapp is not None and constant_time_compare(
            given, "sha256=" + body_signature(whatsapp.app_secret, body)
        )
    if provider == "twilio":
        token = twilio_token()
        given = headers.get("X-Twilio-Signature", "")
        expected = twilio_signature(token, hook_url("twilio"), form)
        return bool(token) and constant_time_compare(given, expected)
    given = headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    return constant_time_compare(given, hook_secret("telegram"))


# --- what arrived ----------------------------------------------------------------------------

# "read" (WhatsApp, Twilio) and "seen" (Viber) come after "delivered", and sometimes instead.
_DELIVERED = {"delivered", "read", "seen"}
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
            contact_ids = _contacts_at(channel, sender, provider)
            for contact_id in contact_ids:
                _reply_to(
                    contact_id,
                    channel=channel,
                    provider=provider,
                    sender=sender,
                    text=text,
                    stop=stop,
                )
            return len(contact_ids)
    except IntegrityError:
        return 0  # seen already


def unsubscribed(*, provider: str, external_id: str, sender: str) -> int:
    """A person left a messenger's bot (Viber's "unsubscribed"): as a STOP does, opt that
    account out (withdrawing the messenger consents when no other account of the contact is
    active), and say so on their timelines. Returns the number of contacts it reached; a
    repeated event does nothing."""
    try:
        with transaction.atomic():
            InboundMessage.objects.create(
                provider=provider,
                external_id=external_id,
                channel=MessageChannel.MESSENGER,
                sender=sender,
                stop=True,
            )
            contact_ids = _contacts_at(MessageChannel.MESSENGER, sender, provider)
            for contact_id in contact_ids:
                withdrawn, others = _opt_out(
                    contact_id,
                    provider=provider,
                    sender=sender,
                    source=f"{provider}_unsubscribed",
                    evidence=f"{provider} unsubscribed {sender}",
                )
                timeline.record(
                    contact=contact_id,
                    channel=MessageChannel.MESSENGER,
                    direction=Direction.INBOUND,
                    kind=kinds.MESSENGER_UNSUBSCRIBED,
                    params={"messenger": provider, "withdrawn": withdrawn, "others": others},
                )
            return len(contact_ids)
    except IntegrityError:
        return 0  # seen already


def whatsapp_window_open(wa_id: str) -> bool:
    """Whether the person wrote to the business on WhatsApp in the last 24 hours (so free
    text may be sent to them, not only an approved template)."""
    since = timezone.now() - WHATSAPP_WINDOW
    return InboundMessage.objects.filter(
        provider="whatsapp", sender=wa_id, received_at__gte=since
    ).exists()


def _contacts_at(channel: str, sender: str, provider: str) -> list[int]:
    if channel == MessageChannel.SMS:
        phones = ContactPhone.objects.filter(number=sender)
        return sorted(set(phones.values_list("contact_id", flat=True)))
    accounts = MessengerAccount.objects.filter(provider=provider, external_id=sender)
    return sorted(set(accounts.values_list("contact_id", flat=True)))


def _withdraw(
    contact_id: int, channel: str, *, evidence: str, source: str = STOP_SOURCE
) -> list[str]:
    """Withdraw the contact's granted consents on `channel`; the purposes withdrawn."""
    withdrawn = []
    for purpose in (ConsentPurpose.MARKETING, ConsentPurpose.SERVICE):
        if consent_granted(contact_id, channel, purpose):
            consent_record(
                actor=None,
                contact=Contact.objects.get(pk=contact_id),
                channel=channel,
                purpose=purpose,
                status=ConsentStatus.WITHDRAWN,
                source=source,
                evidence=evidence[:200],
            )
            withdrawn.append(str(purpose))
    return withdrawn


def resubscribed(*, provider: str, sender: str) -> int:
    """A person came back to a messenger's bot (Viber's "subscribed"): their opted-out
    account takes messages again. Consent stays as the person gave it: a withdrawn consent
    is not granted by this. Returns the number of accounts re-activated."""
    with transaction.atomic():
        accounts = list(
            MessengerAccount.objects.select_for_update().filter(
                provider=provider, external_id=sender, opted_out_at__isnull=False
            )
        )
        for account in accounts:
            account.opted_out_at = None
            account.save(update_fields=["opted_out_at"])
            timeline.record(
                contact=account.contact_id,
                channel=MessageChannel.MESSENGER,
                direction=Direction.INBOUND,
                kind=kinds.MESSENGER_SUBSCRIBED,
                params={"messenger": provider},
            )
        return len(accounts)


def _opt_out(
    contact_id: int, *, provider: str, sender: str, evidence: str, source: str = STOP_SOURCE
) -> tuple[list[str], bool]:
    """Opt the contact's account `sender` on `provider` out; when none of their messenger
    accounts is left active, withdraw their messenger consents too. Returns the purposes
    withdrawn and whether another of their accounts still takes messages."""
    # Lock all their accounts first: two STOPs on two of them at once decide one after the
    # other, so the second sees the first and withdraws the consents.
    list(MessengerAccount.objects.select_for_update().filter(contact_id=contact_id).values("pk"))
    MessengerAccount.objects.filter(
        contact_id=contact_id, provider=provider, external_id=sender, opted_out_at__isnull=True
    ).update(opted_out_at=timezone.now())
    active = MessengerAccount.objects.filter(contact_id=contact_id, opted_out_at__isnull=True)
    if active.exists():
        return [], True
    withdrawn = _withdraw(contact_id, MessageChannel.MESSENGER, evidence=evidence, source=source)
    return withdrawn, False


def _reply_to(
    contact_id: int, *, channel: str, provider: str, sender: str, text: str, stop: bool
) -> None:
    params: dict[str, object] = {"channel": channel, "stop": stop}
    withdrawn: list[str] = []
    if channel == MessageChannel.MESSENGER:
        params["messenger"] = provider
        if stop:
            withdrawn, params["others"] = _opt_out(
                contact_id, provider=provider, sender=sender, evidence=text
            )
    elif stop:
        withdrawn = _withdraw(contact_id, channel, evidence=text)
    params["withdrawn"] = withdrawn
    timeline.record(
        contact=contact_id,
        channel=channel,
        direction=Direction.INBOUND,
        kind=kinds.REPLY,
        params=params,
        body=text,
    )
