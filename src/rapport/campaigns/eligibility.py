"""Whether one message may go out now: the person's current consent for its channel and
purpose (a withdrawal wins at once, even mid-campaign), an address for the channel that is
not suppressed, and, for marketing, the global frequency cap across every channel, campaign
and scenario. Read at the moment of handing the message to the provider, never earlier."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count
from django.db.models.expressions import RawSQL

from rapport.campaigns import config
from rapport.campaigns.config import FrequencyCap
from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
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
    account = messenger_account(contact.pk)
    return account[1] if account else ""


def _preferred(accounts: list[tuple[str, str]]) -> tuple[str, str] | None:
    """Of a contact's messenger accounts, (messenger, external id), newest first: the newest
    on a messenger a provider is configured for, else the newest (printed, in development)."""
    configured = config.messengers()
    usable = [account for account in accounts if account[0] in configured] or accounts
    return usable[0] if usable else None


def messenger_account(contact_id: int) -> tuple[str, str] | None:
    """The (messenger, external id) a messenger message to the contact goes to (an account
    they did not opt out of), or None."""
    accounts = MessengerAccount.objects.filter(
        contact_id=contact_id, opted_out_at__isnull=True
    ).order_by("-created_at", "-id")
    return _preferred(list(accounts.values_list("provider", "external_id")))


def messenger_of(contact_id: int, external_id: str) -> str:
    """The messenger of the contact's account `external_id` (the newest such, if several)."""
    found = (
        MessengerAccount.objects.filter(contact_id=contact_id, external_id=external_id)
        .order_by("-created_at", "-id")
        .values_list("provider", flat=True)
        .first()
    )
    return found or ""


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


# A contact's hand-offs since a moment (parameters: the contact twice, then the moment), as
# the index on (contact, handed_at) reads them. Written as `contact = %s AND handed_at >= %s`,
# PostgreSQL could read them from the launch's index on (handed_at, contact) instead: every
# marketing hand-off of the window scanned for one contact. With statistics taken when the
# window held few (an ANALYZE before a send), it did: 0.33 of 0.39 ms a hand-off after 50
# messages, growing with each one handed (the 5,000-message benchmark at 1M contacts,
# 2026-12-03). Only an index that begins with the contact can use the row comparison.
HANDED_SINCE = "{table}.contact_id = %s AND ({table}.contact_id, {table}.handed_at) >= (%s, %s)"


def handed_lately(contact_id: int, since: dt.datetime, *, exclude: int) -> int:
    """Marketing messages handed to a provider for the contact since `since`."""
    table = connection.ops.quote_name(Message._meta.db_table)
    since_sql = HANDED_SINCE.format(table=table)
    return (
        Message.objects.filter(
            RawSQL(  # noqa: S611 (a fixed condition, values as parameters)
                since_sql,
                [contact_id, contact_id, connection.ops.adapt_datetimefield_value(since)],
                output_field=BooleanField(),
            ),
            purpose=MessagePurpose.MARKETING,
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


# --- a whole claimed batch at once -------------------------------------------------------
#
# The outbox reads what decides a batch in five set-based queries (contacts, messenger
# accounts, consents, suppressions, cap counts) instead of five per message, and then hands
# each message out with one conditional UPDATE (`hand_off_conditions`) that checks the same
# things again on the latest data: the batch read only predicts; the UPDATE decides.


@dataclass(frozen=True)
class Verdict:
    """A message's fate as the batch read predicts it: `reason` "" means it may go out to
    `address` (on `via`, the messenger of a messenger message's account); `missing` means
    its contact no longer exists."""

    reason: str
    address: str
    missing: bool = False
    via: str = ""


def _addresses(
    contact_ids: set[int], channels: set[str]
) -> tuple[dict[tuple[int, str], str], dict[int, str]]:
    """Each contact's address per channel, and the messenger of their messenger address."""
    found: dict[tuple[int, str], str] = {}
    vias: dict[int, str] = {}
    for pk, email, phone in Contact.objects.filter(pk__in=contact_ids).values_list(
        "pk", "email", "phone"
    ):
        found[pk, MessageChannel.EMAIL] = email
        found[pk, MessageChannel.SMS] = phone
        found[pk, MessageChannel.MESSENGER] = ""
    if MessageChannel.MESSENGER in channels:
        accounts: dict[int, list[tuple[str, str]]] = {}
        for pk, provider, external_id in (
            MessengerAccount.objects.filter(contact_id__in=contact_ids, opted_out_at__isnull=True)
            .order_by("-created_at", "-id")
            .values_list("contact_id", "provider", "external_id")
        ):
            accounts.setdefault(pk, []).append((provider, external_id))
        for pk, theirs in accounts.items():
            chosen = _preferred(theirs)
            if chosen is not None:
                vias[pk], found[pk, MessageChannel.MESSENGER] = chosen
    return found, vias


def _granted(contact_ids: set[int]) -> set[tuple[int, str, str]]:
    """(contact, channel, purpose) whose newest event is a grant (a withdrawal outranks a
    grant at the same instant, as in `consent_granted`)."""
    events = (
        ConsentEvent.objects.filter(contact_id__in=contact_ids)
        .order_by("contact_id", "channel", "purpose", "at", "-status", "id")
        .values_list("contact_id", "channel", "purpose", "status")
    )
    latest = {(pk, channel, purpose): status for pk, channel, purpose, status in events}
    return {key for key, status in latest.items() if status == ConsentStatus.GRANTED}


def _handed_counts(contact_ids: set[int], since: dt.datetime) -> dict[int, int]:
    rows = (
        Message.objects.filter(
            contact_id__in=contact_ids,
            purpose=MessagePurpose.MARKETING,
            handed_at__gte=since,
            status__in=COUNTED,
        )
        .order_by()
        .values_list("contact_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def batch_verdicts(
    messages: list[Message], *, now: dt.datetime, cap: FrequencyCap | None
) -> dict[int, Verdict]:
    """Each message's predicted fate, read for the whole batch in at most five queries."""
    contact_ids = {m.contact_id for m in messages}
    addresses, vias = _addresses(contact_ids, {m.channel for m in messages})
    granted = _granted(contact_ids)
    wanted = {(m.channel, addresses.get((m.contact_id, m.channel), "").lower()) for m in messages}
    suppressed: set[tuple[str, str]] = set()
    for channel in {channel for channel, address in wanted if address}:
        suppressed.update(
            (channel, address)
            for address in Suppression.objects.filter(
                channel=channel, address__in=[a for c, a in wanted if c == channel and a]
            ).values_list("address", flat=True)
        )
    marketing = {m.contact_id for m in messages if m.purpose == MessagePurpose.MARKETING}
    counts = _handed_counts(marketing, now - cap.window) if cap and marketing else {}
    verdicts: dict[int, Verdict] = {}
    for m in messages:
        if (m.contact_id, MessageChannel.EMAIL) not in addresses:
            verdicts[m.pk] = Verdict("", "", missing=True)
            continue
        address = addresses[m.contact_id, m.channel]
        reason = ""
        if (m.contact_id, m.channel, m.purpose) not in granted:
            reason = SkipReason.NO_CONSENT
        elif not address:
            reason = SkipReason.NO_ADDRESS
        elif (m.channel, address.lower()) in suppressed:
            reason = SkipReason.SUPPRESSED
        elif (
            cap is not None
            and m.purpose == MessagePurpose.MARKETING
            and counts.get(m.contact_id, 0) >= cap.limit
        ):
            reason = SkipReason.CAPPED
        via = vias.get(m.contact_id, "") if m.channel == MessageChannel.MESSENGER else ""
        verdicts[m.pk] = Verdict(reason, address, via=via)
    return verdicts


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def hand_off_sql(message: Message, *, capped: bool) -> str:
    """The hand-off UPDATE, which re-checks on the latest data, in the same statement that
    marks the message handed: its claim, its campaign still sending, the current consent a
    grant (a grant nothing outranks: no later event, no withdrawal at the same instant, so
    a withdrawal committed a moment ago wins), the contact's address unchanged and not
    suppressed, and (`capped`) fewer than the cap's limit of marketing messages handed in
    its window. Written out once per shape, so a batch does not build it per message;
    parameters in the order of `hand_off_params`."""
    consent, message_table = _table(ConsentEvent), _table(Message)
    where: dict[str, tuple[str, str, str]] = {
        MessageChannel.EMAIL: (_table(Contact), "id", "email"),
        MessageChannel.SMS: (_table(Contact), "id", "phone"),
    }
    table, contact_column, address_column = where.get(
        message.channel, (_table(MessengerAccount), "contact_id", "external_id")
    )
    # a messenger account the person opted out of (a STOP there) takes nothing
    active = " AND a.opted_out_at IS NULL" if message.channel == MessageChannel.MESSENGER else ""
    address = (
        f"EXISTS (SELECT 1 FROM {table} a WHERE a.{contact_column} = %s "  # noqa: S608
        f"AND a.{address_column} = %s{active})"
    )
    counted = ", ".join(f"'{status}'" for status in COUNTED)
    cap = (
        f" AND (SELECT COUNT(*) FROM (SELECT 1 FROM {message_table} r "  # noqa: S608
        f"WHERE {HANDED_SINCE.format(table='r')} AND r.purpose = '{MessagePurpose.MARKETING}' "
        f"AND r.status IN ({counted}) AND r.id <> %s LIMIT %s) n) < %s"
        if capped
        else ""
    )
    return (
        f"UPDATE {message_table} SET handed_at = %s, address = %s, lease_until = %s "  # noqa: S608
        f"WHERE id = %s AND lease_owner = %s AND status = '{MessageStatus.SENDING}' "
        f"AND EXISTS (SELECT 1 FROM {consent} g WHERE g.contact_id = %s AND g.channel = %s "
        f"AND g.purpose = %s AND g.status = '{ConsentStatus.GRANTED}' AND NOT EXISTS "
        f"(SELECT 1 FROM {consent} e WHERE e.contact_id = g.contact_id "
        "AND e.channel = g.channel AND e.purpose = g.purpose AND (e.at > g.at OR "
        f"(e.at = g.at AND e.status = '{ConsentStatus.WITHDRAWN}')))) "
        f"AND NOT EXISTS (SELECT 1 FROM {_table(Suppression)} s "
        "WHERE s.channel = %s AND s.address = %s) "
        f"AND (campaign_id IS NULL OR EXISTS (SELECT 1 FROM {_table(Campaign)} c "
        f"WHERE c.id = campaign_id AND c.status = '{CampaignStatus.SENDING}')) "
        f"AND {address}{cap}"
    )


def hand_off_params(
    message: Message,
    address: str,
    *,
    worker: str,
    now: dt.datetime,
    lease_until: dt.datetime,
    cap: FrequencyCap | None,
) -> list[Any]:
    when = connection.ops.adapt_datetimefield_value
    params: list[Any] = [when(now), address, when(lease_until), message.pk, worker]
    params += [message.contact_id, message.channel, message.purpose]
    params += [message.channel, address.lower(), message.contact_id, address]
    if cap is not None and message.purpose == MessagePurpose.MARKETING:
        since = when(now - cap.window)
        params += [message.contact_id, message.contact_id, since, message.pk, cap.limit, cap.limit]
    return params
