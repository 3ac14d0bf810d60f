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
   The message is built before that commit, and an e-mail staged on the SMTP connection
   (all but its final dot), so that a worker killed after the commit has almost surely
   handed the message over. On PostgreSQL the dot is written while the COMMIT is on its
   way, before its answer is read (`core.commit`): between the two, no waiting.
3. **send**: the provider call, keyed by the outbox id (the e-mail's Message-ID).
4. **answer**: `sent` with the provider's id, and the timeline entry, in one transaction
   for a small group of accepted messages (campaigns/answers.py); a failure at once.

A lease that runs out (the worker died or hung) is recovered by the next worker: without
`handed_at` the provider was never called, so the row is queued again after a backoff; with
it the message may have gone out (or did, unrecorded, in a group a kill caught), so it is
marked `review` and never sent again by itself.
A provider's "try later" requeues with exponential backoff; a refusal fails the row.
"""

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from rapport.campaigns import answers, config, eligibility, quiet, tracking
from rapport.campaigns.answers import Accepted, Delivery, released
from rapport.campaigns.channels import provider_for
from rapport.campaigns.channels.base import (
    NotSent,
    OutcomeUnknown,
    Outgoing,
    Provider,
    Rejected,
    Staged,
)
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
from rapport.campaigns.services import render_queued
from rapport.campaigns.unsubscribe import mailto_for, token_for, url_for
from rapport.contacts import zones
from rapport.contacts.models import Contact
from rapport.core import commit, sqlite

log = logging.getLogger(__name__)

BATCH = 200
WORKER = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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
                    **released(status=MessageStatus.FAILED, reason=SkipReason.RETRIES_EXHAUSTED)
                )
            else:
                requeued += rows.update(
                    **released(
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
        with (
            sqlite.checkpoints_deferred(),  # none between a hand-off's commit and its send
            provider_for(channel) as provider,
            Accepted(worker, result) as accepted,
        ):
            for message in group:
                verdict = verdicts[message.pk]
                _deliver_one(
                    provider,
                    message,
                    verdict.address,
                    via=verdict.via,
                    worker=worker,
                    cap=cap,
                    accepted=accepted,
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
            **released(status=MessageStatus.SKIPPED, reason=SkipReason.CANCELLED)
        )
        result.skipped += done
        result.reasons[SkipReason.CANCELLED] += done
    if paused:
        mine.filter(pk__in=paused).update(
            **released(status=MessageStatus.QUEUED, attempts=F("attempts") - 1)
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
            **released(status=MessageStatus.QUEUED, available_at=until, attempts=F("attempts") - 1)
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
            **released(
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
            **released(status=MessageStatus.SKIPPED, reason=reason, address=address)
        )
        result.skipped += done
        result.reasons[reason] += done


def _hand_off_checked(
    message: Message,
    address: str,
    *,
    worker: str,
    cap: config.FrequencyCap | None,
    release: Callable[[], None] | None = None,
) -> bool:
    """Mark the message handed (committed before the provider call) in one UPDATE that
    re-checks its claim and eligibility on the latest data. On PostgreSQL the contact's row
    is locked first, so two workers decide two marketing messages to one person one after
    the other and the cap holds; SQLite runs one writer at a time anyway.

    `release` (a staged provider's) hands the message over: on PostgreSQL it runs while the
    COMMIT is on its way (`core.commit`), so that no kill can fall between the commit and
    the provider taking the message; elsewhere the caller's send does it after the commit."""
    now = timezone.now()
    capped = cap is not None and message.purpose == MessagePurpose.MARKETING
    sql = eligibility.hand_off_sql(message, capped=capped)
    params = eligibility.hand_off_params(
        message, address, worker=worker, now=now, lease_until=now + config.lease(), cap=cap
    )
    lock = capped and connection.features.has_select_for_update

    def hand_off(cursor: Any) -> bool:
        if lock:
            table = connection.ops.quote_name(Contact._meta.db_table)
            locking = f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE"  # noqa: S608
            cursor.execute(locking, [message.contact_id])
        cursor.execute(sql, params)
        return cursor.rowcount > 0

    if release is not None and commit.beside_possible():
        try:
            handed = commit.commit_beside(hand_off, release)
        except commit.CommitFailed as exc:
            # Released, so maybe taken: record the hand-off again, as it happened.
            log.warning("message %s: the hand-off's commit failed (%s)", message.pk, exc)
            Message.objects.filter(answers.mine(message, worker)).update(handed_at=now)
            handed = True
    else:
        with transaction.atomic(), connection.cursor() as cursor:
            handed = hand_off(cursor)
    if handed:
        message.address = address
    return handed


def _hand_off(
    message: Message, *, worker: str, cap: config.FrequencyCap | None, result: Delivery
) -> bool:
    """Decide, with the contact locked, whether the message goes out, reading each condition
    on its own to know which one failed; if so mark it handed (committed before the provider
    call). False when it does not go out now."""
    now = timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().filter(pk=message.contact_id).first()
        mine = Message.objects.filter(answers.mine(message, worker))
        campaign = message.campaign
        if campaign is not None:
            campaign.refresh_from_db(fields=["status"])
        if contact is None or not mine.exists():
            return False  # the contact was deleted, or the lease was lost meanwhile
        if campaign is not None and campaign.status == CampaignStatus.CANCELLED:
            mine.update(**released(status=MessageStatus.SKIPPED, reason=SkipReason.CANCELLED))
            result.skipped += 1
            result.reasons[SkipReason.CANCELLED] += 1
            return False
        if campaign is not None and campaign.status != CampaignStatus.SENDING:
            # paused after the claim: back in the queue as it was, not an attempt
            mine.update(**released(status=MessageStatus.QUEUED, attempts=F("attempts") - 1))
            return False
        reason, address = eligibility.why_not(message, contact, now=now, cap=cap)
        if reason:
            mine.update(**released(status=MessageStatus.SKIPPED, reason=reason, address=address))
            result.skipped += 1
            result.reasons[reason] += 1
            return False
        # The update decides, not the reads above: it re-checks the claim on the row's
        # latest version, so a claim recovered by another worker meanwhile is not sent.
        if not mine.update(handed_at=now, address=address, lease_until=now + config.lease()):
            return False
        message.address = address
        return True


def outgoing(message: Message, *, via: str = "", address: str = "") -> Outgoing:
    """The message as its provider sends it (to `address`, by default its own), with the
    unsubscribe link filled in and, when tracked, its HTML links through click redirects and
    an open pixel; `via`: the messenger of a messenger message's account."""
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
        to=address or message.address,
        subject=message.subject,
        text=fill_unsubscribe(message.body_text, url),
        html=fill_unsubscribe(body_html, url),
        headers=headers,
        via=via,
        language=message.language,
        params=tuple(message.template_params or ()),
    )


def _stage(
    provider: Staged, message: Message, sending: Outgoing, *, worker: str, result: Delivery
) -> bool:
    """Stage the message on the provider; False when the provider refused it already (it
    was not taken: a "try later" is queued again, a refusal failed, as after a send)."""
    try:
        provider.stage(sending)
    except NotSent as exc:
        answers.retry(message, worker, exc, result)
        return False
    except Rejected as exc:
        message.address = sending.to
        answers.reject(message, worker, exc, result)
        return False
    return True


def _deliver_one(
    provider: Provider,
    message: Message,
    address: str,
    *,
    via: str,
    worker: str,
    cap: config.FrequencyCap | None,
    accepted: Accepted,
) -> None:
    # Built (and, by a provider that can, staged) before the hand-off is committed, so that
    # between that commit and the provider taking the message, where a killed worker leaves
    # it handed and never sent (for review), there is as little as possible: for SMTP one
    # write of its final dot. (The first message a worker builds also imports the URL
    # configuration, seconds on a busy machine.)
    sending = outgoing(message, via=via, address=address)
    result = accepted.result
    staging = provider if isinstance(provider, Staged) else None
    if staging is not None and not _stage(staging, message, sending, worker=worker, result=result):
        return
    # The batch read said yes; the conditional UPDATE confirms it. When it does not (a
    # withdrawal, a pause or another message to the person a moment ago), the careful path
    # finds out why and records it.
    release = staging.release if staging is not None else None
    if not _hand_off_checked(message, address, worker=worker, cap=cap, release=release):
        if staging is not None:
            staging.unstage()  # staged for the address the batch read found
        if not _hand_off(message, worker=worker, cap=cap, result=result):
            return
        if message.channel == MessageChannel.MESSENGER and message.address != address:
            # the careful path found another account than the batch read
            via = eligibility.messenger_of(message.contact_id, message.address)
        sending = outgoing(message, via=via)
    try:
        provider_id = provider.send(sending)
    except NotSent as exc:
        answers.retry(message, worker, exc, result)
    except Rejected as exc:
        answers.reject(message, worker, exc, result)
    except OutcomeUnknown as exc:
        answers.unknown(message, worker, exc, result)
    else:
        accepted.add(message, provider_id)
