"""Delivering the outbox exactly once, with any number of workers on any number of machines.

A message moves queued → sending → sent (or skipped, failed, review) in four steps, each
its own short transaction, so that a worker killed at any point leaves a state that says
what to do:

1. **claim**: one statement moves a batch of due queued rows to `sending` under this
   worker's name with a lease (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)
   RETURNING id` on PostgreSQL, the same UPDATE … RETURNING on SQLite, whose writers take
   turns). Two workers never claim the same row.
2. **hand-off**: with the contact's row locked (so two messages to one person are decided
   one after the other), eligibility is read afresh (consent, address, suppression, the
   frequency cap) and `handed_at` is written and committed *before* the provider is called.
3. **send**: the provider call, keyed by the outbox id (the e-mail's Message-ID).
4. **answer**: `sent` with the provider's id, and the timeline entry, in one transaction.

A lease that runs out (the worker died or hung) is recovered by the next worker: without
`handed_at` the provider was never called, so the row is queued again after a backoff; with
it the message may have gone out, so it is marked `review` and never sent again by itself.
A provider's "try later" requeues with exponential backoff; a refusal fails the row.
"""

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from rapport.campaigns import config, eligibility, quiet, sources, tracking
from rapport.campaigns import timeline_kinds as kinds
from rapport.campaigns.channels import provider_for
from rapport.campaigns.channels.base import NotSent, OutcomeUnknown, Outgoing, Provider, Rejected
from rapport.campaigns.content import fill_unsubscribe
from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
    Message,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    SkipReason,
)
from rapport.campaigns.services import address_suppress, render_queued
from rapport.campaigns.unsubscribe import mailto_for, token_for, url_for
from rapport.contacts import zones
from rapport.contacts.models import Contact
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction

log = logging.getLogger(__name__)

BATCH = 200
WORKER = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Delivery:
    """What one delivery run did."""

    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    review: int = 0
    recovered: int = 0
    held: int = 0  # quiet hours in the recipient's zone: back in the queue until they end
    fell_back: int = 0  # requeued on the campaign's fallback channel
    reasons: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict[str, object]:
        return {
            "sent": self.sent,
            "skipped": self.skipped,
            "retried": self.retried,
            "failed": self.failed,
            "review": self.review,
            "recovered": self.recovered,
            "held": self.held,
            "fell_back": self.fell_back,
            "reasons": dict(self.reasons),
        }


def _released(**changes: object) -> dict[str, object]:
    return {"lease_owner": "", "lease_until": None, **changes}


def recover_expired(now: dt.datetime) -> tuple[int, int]:
    """Give back the claims whose lease ran out: (queued again, marked for review)."""
    requeued = review = 0
    with transaction.atomic():
        expired = Message.objects.filter(status=MessageStatus.SENDING, lease_until__lt=now)
        review = expired.filter(handed_at__isnull=False).update(
            status=MessageStatus.REVIEW, reason=SkipReason.UNKNOWN_OUTCOME
        )  # the owner is kept: a slow worker may still record the provider's answer
        unsent = list(
            expired.filter(handed_at__isnull=True).values_list("pk", "attempts").order_by("pk")
        )
        by_attempts: dict[int, list[int]] = defaultdict(list)
        for pk, attempts in unsent:
            by_attempts[attempts].append(pk)
        for attempts, pks in by_attempts.items():
            # the conditions again: on PostgreSQL a worker may hand a row out meanwhile
            rows = Message.objects.filter(
                pk__in=pks,
                status=MessageStatus.SENDING,
                lease_until__lt=now,
                handed_at__isnull=True,
            )
            if attempts >= config.MAX_ATTEMPTS:
                rows.update(
                    **_released(status=MessageStatus.FAILED, reason=SkipReason.RETRIES_EXHAUSTED)
                )
            else:
                requeued += rows.update(
                    **_released(
                        status=MessageStatus.QUEUED,
                        available_at=now + config.retry_delay(attempts),
                    )
                )
    return requeued, review


def claim(now: dt.datetime, limit: int = BATCH, worker: str = WORKER) -> list[int]:
    """Move up to `limit` due queued messages of running campaigns (or of no campaign) to
    `sending` under `worker`'s lease, atomically; their ids."""
    table = Message._meta.db_table
    campaigns = Campaign._meta.db_table
    due = (
        f"SELECT m.id FROM {table} m WHERE m.status = %s AND m.available_at <= %s "  # noqa: S608
        f"AND (m.campaign_id IS NULL OR m.campaign_id IN "
        f"(SELECT c.id FROM {campaigns} c WHERE c.status = %s)) "
        f"ORDER BY m.available_at, m.id LIMIT %s"
    )
    change = (
        f"UPDATE {table} SET status = %s, lease_owner = %s, lease_until = %s, "  # noqa: S608
        f"attempts = attempts + 1"
    )
    if connection.vendor == "postgresql":
        # The CTE runs once and locks what it picks; rows another worker holds are skipped.
        sql = (
            f"WITH picked AS ({due} FOR UPDATE SKIP LOCKED) {change} FROM picked "
            f"WHERE {table}.id = picked.id AND {table}.status = %s RETURNING {table}.id"
        )
    else:
        # SQLite: one writer at a time, so this one statement is the whole claim.
        sql = f"{change} WHERE id IN ({due}) AND status = %s RETURNING id"
    when = connection.ops.adapt_datetimefield_value
    pick = [MessageStatus.QUEUED, when(now), CampaignStatus.SENDING, limit]
    lease = [MessageStatus.SENDING, worker, when(now + config.lease())]
    if connection.vendor == "postgresql":
        params: list[Any] = [*pick, *lease, MessageStatus.QUEUED]
    else:
        params = [*lease, *pick, MessageStatus.QUEUED]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def deliver_due(*, budget: float = 50.0, batch: int = BATCH, worker: str = WORKER) -> Delivery:
    """Recover expired claims, then claim and send batches until nothing is due or `budget`
    seconds have passed. Safe to run in any number of processes at once."""
    result = Delivery()
    started = time.monotonic()
    requeued, review = recover_expired(timezone.now())
    result.recovered = requeued + review
    while time.monotonic() - started < budget:
        ids = claim(timezone.now(), batch, worker)
        if not ids:
            break
        deliver_claimed(ids, worker=worker, result=result)
    return result


def deliver_claimed(ids: list[int], *, worker: str, result: Delivery) -> None:
    """Send messages this worker has claimed, one provider (one connection) per channel.
    What decides them is read for the whole batch at once; each is then handed out by one
    conditional UPDATE that re-checks it on the latest data."""
    messages = list(Message.objects.filter(pk__in=ids).select_related("campaign").order_by("pk"))
    messages = _drop_stopped(messages, worker=worker, result=result)
    messages = _hold_quiet(messages, worker=worker, result=result)
    render_queued(messages)  # a launch's snapshot is queued with its content to fill in
    cap = config.frequency_cap()
    verdicts = eligibility.batch_verdicts(messages, now=timezone.now(), cap=cap)
    messages = _fall_back(messages, verdicts, worker=worker, result=result)
    _skip_predicted(messages, verdicts, worker=worker, result=result)
    by_channel: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        verdict = verdicts[message.pk]
        if not verdict.reason and not verdict.missing:
            by_channel[message.channel].append(message)
    for channel, group in by_channel.items():
        with provider_for(channel) as provider:
            for message in group:
                verdict = verdicts[message.pk]
                _deliver_one(
                    provider,
                    message,
                    verdict.address,
                    via=verdict.via,
                    worker=worker,
                    cap=cap,
                    result=result,
                )


def _drop_stopped(messages: list[Message], *, worker: str, result: Delivery) -> list[Message]:
    """Settle the messages of campaigns cancelled or paused since the claim (cancelled:
    skipped; paused: back in the queue as they were, not an attempt); the rest."""
    campaign_ids = {m.campaign_id for m in messages if m.campaign_id is not None}
    status = dict(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", "status"))
    going: list[Message] = []
    cancelled: list[int] = []
    paused: list[int] = []
    for message in messages:
        now = status.get(message.campaign_id) if message.campaign_id else CampaignStatus.SENDING
        if now == CampaignStatus.CANCELLED:
            cancelled.append(message.pk)
        elif now != CampaignStatus.SENDING:
            paused.append(message.pk)
        else:
            going.append(message)
    mine = Message.objects.filter(lease_owner=worker, status=MessageStatus.SENDING)
    if cancelled:
        done = mine.filter(pk__in=cancelled).update(
            **_released(status=MessageStatus.SKIPPED, reason=SkipReason.CANCELLED)
        )
        result.skipped += done
        result.reasons[SkipReason.CANCELLED] += done
    if paused:
        mine.filter(pk__in=paused).update(
            **_released(status=MessageStatus.QUEUED, attempts=F("attempts") - 1)
        )
    return going


def _hold_quiet(messages: list[Message], *, worker: str, result: Delivery) -> list[Message]:
    """Put back in the queue, until their quiet hours end, the messages of campaigns with
    quiet hours whose recipients' local time is inside them (not an attempt); the rest."""
    windows = {
        m.campaign_id: quiet.window(m.campaign.quiet_hours)
        for m in messages
        if m.campaign is not None and m.campaign.quiet_hours
    }
    if not any(windows.values()):
        return messages
    quiet_ids = {m.contact_id for m in messages if windows.get(m.campaign_id)}
    customs = dict(Contact.objects.filter(pk__in=quiet_ids).values_list("pk", "custom"))
    now = timezone.now()
    going: list[Message] = []
    mine = Message.objects.filter(lease_owner=worker, status=MessageStatus.SENDING)
    for message in messages:
        span = windows.get(message.campaign_id)
        until = span and quiet.held_until(
            now, zones.contact_zone(customs.get(message.contact_id)), span
        )
        if not until:
            going.append(message)
            continue
        result.held += mine.filter(pk=message.pk).update(
            **_released(status=MessageStatus.QUEUED, available_at=until, attempts=F("attempts") - 1)
        )
    return going


# Why a message may move to its campaign's fallback channel: the first channel cannot reach
# the person at all. A frequency cap counts across channels, so a capped one stays capped.
FALL_BACK_ON = (SkipReason.NO_CONSENT, SkipReason.NO_ADDRESS, SkipReason.SUPPRESSED)


def _fall_back(
    messages: list[Message],
    verdicts: dict[int, eligibility.Verdict],
    *,
    worker: str,
    result: Delivery,
) -> list[Message]:
    """Requeue on the campaign's fallback channel (once: only from its first channel) the
    messages the first channel cannot deliver; the rest. The content stays: the templates
    are the campaign's, whatever the channel."""
    going: list[Message] = []
    moves: dict[str, list[int]] = defaultdict(list)
    for message in messages:
        campaign = message.campaign
        if (
            campaign is not None
            and campaign.fallback_channel
            and message.channel == campaign.channel
            and verdicts[message.pk].reason in FALL_BACK_ON
        ):
            moves[campaign.fallback_channel].append(message.pk)
        else:
            going.append(message)
    mine = Message.objects.filter(lease_owner=worker, status=MessageStatus.SENDING)
    for channel, ids in moves.items():
        result.fell_back += mine.filter(pk__in=ids).update(
            **_released(
                status=MessageStatus.QUEUED,
                channel=channel,
                available_at=timezone.now(),
                attempts=F("attempts") - 1,
            )
        )
    return going


def _skip_predicted(
    messages: list[Message],
    verdicts: dict[int, eligibility.Verdict],
    *,
    worker: str,
    result: Delivery,
) -> None:
    """Skip, in one UPDATE per reason, the messages the batch read found ineligible (with
    the address they would have gone to)."""
    by_reason: dict[str, list[Message]] = defaultdict(list)
    for message in messages:
        if verdicts[message.pk].reason:
            by_reason[verdicts[message.pk].reason].append(message)
    mine = Message.objects.filter(lease_owner=worker, status=MessageStatus.SENDING)
    for reason, group in by_reason.items():
        address = Case(
            *(When(pk=m.pk, then=Value(verdicts[m.pk].address)) for m in group),
            default=F("address"),
        )
        done = mine.filter(pk__in=[m.pk for m in group]).update(
            **_released(status=MessageStatus.SKIPPED, reason=reason, address=address)
        )
        result.skipped += done
        result.reasons[reason] += done


def _mine(message: Message, worker: str, *statuses: str) -> "Q":
    return Q(pk=message.pk, lease_owner=worker, status__in=statuses or [MessageStatus.SENDING])


def _hand_off_checked(
    message: Message, address: str, *, worker: str, cap: config.FrequencyCap | None
) -> bool:
    """Mark the message handed (committed before the provider call) in one UPDATE that
    re-checks its claim and eligibility on the latest data. On PostgreSQL the contact's row
    is locked first, so two workers decide two marketing messages to one person one after
    the other and the cap holds; SQLite runs one writer at a time anyway."""
    now = timezone.now()
    capped = cap is not None and message.purpose == MessagePurpose.MARKETING
    sql = eligibility.hand_off_sql(message, capped=capped)
    params = eligibility.hand_off_params(
        message, address, worker=worker, now=now, lease_until=now + config.lease(), cap=cap
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.features.has_select_for_update and capped:
            list(Contact.objects.select_for_update().filter(pk=message.contact_id).values("pk"))
        cursor.execute(sql, params)
        handed = cursor.rowcount
    if handed:
        message.address = address
    return bool(handed)


def _hand_off(
    message: Message, *, worker: str, cap: config.FrequencyCap | None, result: Delivery
) -> bool:
    """Decide, with the contact locked, whether the message goes out, reading each condition
    on its own to know which one failed; if so mark it handed (committed before the provider
    call). False when it does not go out now."""
    now = timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=message.contact_id).first()
        mine = Message.objects.filter(_mine(message, worker))
        campaign = message.campaign
        if campaign is not None:
            campaign.refresh_from_db(fields=["status"])
        if contact is None or not mine.exists():
            return False  # the contact was deleted, or the lease was lost meanwhile
        if campaign is not None and campaign.status == CampaignStatus.CANCELLED:
            mine.update(**_released(status=MessageStatus.SKIPPED, reason=SkipReason.CANCELLED))
            result.skipped += 1
            result.reasons[SkipReason.CANCELLED] += 1
            return False
        if campaign is not None and campaign.status != CampaignStatus.SENDING:
            # paused after the claim: back in the queue as it was, not an attempt
            mine.update(**_released(status=MessageStatus.QUEUED, attempts=F("attempts") - 1))
            return False
        reason, address = eligibility.why_not(message, contact, now=now, cap=cap)
        if reason:
            mine.update(**_released(status=MessageStatus.SKIPPED, reason=reason, address=address))
            result.skipped += 1
            result.reasons[reason] += 1
            return False
        # The update decides, not the reads above: it re-checks the claim on the row's
        # latest version, so a claim recovered by another worker meanwhile is not sent.
        if not mine.update(handed_at=now, address=address, lease_until=now + config.lease()):
            return False
        message.address = address
        return True


def outgoing(message: Message, *, via: str = "") -> Outgoing:
    """The message as its provider sends it, with the unsubscribe link filled in and, when
    tracked, its HTML links through click redirects and an open pixel; `via`: the messenger
    of a messenger message's account."""
    token = token_for(message.pk)  # signed once for the link and the List-Unsubscribe mailto
    url = url_for(message.pk, token)
    body_html = message.body_html
    if tracking.enabled(message):
        body_html = tracking.tracked_html(message.pk, body_html)
    headers = {}
    if message.channel == MessageChannel.EMAIL and message.purpose == MessagePurpose.MARKETING:
        headers = {
            "List-Unsubscribe": f"<{url}>, <{mailto_for(message.pk, token)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return Outgoing(
        key=message.pk,
        to=message.address,
        subject=message.subject,
        text=fill_unsubscribe(message.body_text, url),
        html=fill_unsubscribe(body_html, url),
        headers=headers,
        via=via,
        language=message.language,
        params=tuple(message.template_params or ()),
    )


def _deliver_one(
    provider: Provider,
    message: Message,
    address: str,
    *,
    via: str,
    worker: str,
    cap: config.FrequencyCap | None,
    result: Delivery,
) -> None:
    # The batch read said yes; the conditional UPDATE confirms it. When it does not (a
    # withdrawal, a pause or another message to the person a moment ago), the careful path
    # finds out why and records it.
    if not _hand_off_checked(message, address, worker=worker, cap=cap) and not _hand_off(
        message, worker=worker, cap=cap, result=result
    ):
        return
    try:
        if message.channel == MessageChannel.MESSENGER and message.address != address:
            # the careful path found another account than the batch read
            via = eligibility.messenger_of(message.contact_id, message.address)
        provider_id = provider.send(outgoing(message, via=via))
    except NotSent as exc:
        _retry(message, worker, exc, result)
    except Rejected as exc:
        with transaction.atomic():
            Message.objects.filter(_mine(message, worker)).update(
                **_released(
                    status=MessageStatus.FAILED, reason=SkipReason.REJECTED, error=exc.detail
                )
            )
            if exc.bad_address:
                address_suppress(
                    channel=message.channel, address=message.address, message_id=message.pk
                )
        result.failed += 1
    except OutcomeUnknown as exc:
        Message.objects.filter(_mine(message, worker, MessageStatus.SENDING)).update(
            status=MessageStatus.REVIEW, reason=SkipReason.UNKNOWN_OUTCOME, error=exc.detail
        )
        result.review += 1
    else:
        _record_sent(message, provider_id, worker, result)


def _retry(message: Message, worker: str, exc: NotSent, result: Delivery) -> None:
    mine = Message.objects.filter(_mine(message, worker))
    if message.attempts >= config.MAX_ATTEMPTS:
        mine.update(
            **_released(
                status=MessageStatus.FAILED,
                reason=SkipReason.RETRIES_EXHAUSTED,
                handed_at=None,
                error=exc.detail,
            )
        )
        result.failed += 1
        return
    delay = exc.retry_after or config.retry_delay(message.attempts)
    mine.update(
        **_released(
            status=MessageStatus.QUEUED,
            handed_at=None,
            available_at=timezone.now() + delay,
            error=exc.detail,
        )
    )
    result.retried += 1


def _record_sent(message: Message, provider_id: str, worker: str, result: Delivery) -> None:
    """The provider took the message: mark it sent and put it on the timeline, together."""
    now = timezone.now()
    with transaction.atomic():
        # `review`: the lease ran out during a slow send, and the answer came after all
        done = Message.objects.filter(
            _mine(message, worker, MessageStatus.SENDING, MessageStatus.REVIEW)
        ).update(
            **_released(
                status=MessageStatus.SENT, reason="", error="", provider_id=provider_id, sent_at=now
            )
        )
        if not done:
            log.error("Message %s was sent but is no longer claimed by %s", message.pk, worker)
            return
        campaign = message.campaign
        timeline.record(
            contact=message.contact_id,
            channel=Channel.CAMPAIGN,
            direction=Direction.OUTBOUND,
            occurred_at=now,
            kind=kinds.MESSAGE_SENT,
            params={
                "message": message.pk,
                "campaign": message.campaign_id,
                "campaign_name": campaign.name if campaign else "",
                "channel": message.channel,
                "subject": message.subject,
                **sources.describe(message.source),
            },
            source=message,
        )
    result.sent += 1
