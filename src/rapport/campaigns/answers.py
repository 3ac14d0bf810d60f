"""Recording a provider's answers to the outbox (campaigns/outbox.py), the fourth step of a
delivery: `sent` with the provider's id and its timeline entry; a "try later" queued again
with backoff; a refusal failed; an unknown outcome left for review.

"Sent" is recorded for a group of accepted messages in one transaction (one UPDATE … RETURNING
and one INSERT of their timeline entries), not one commit per message: per message, those two
writes and their commit cost as much CPU as the SMTP exchange itself. What this adds is a
wider window between a provider taking a message and its `sent` being committed: a worker
killed in it leaves the group `sending` with `handed_at` set, so recovery marks it `review`
(the messages did go out; none is sent again). `Accepted` bounds that window by count and by
time, so a slow provider does not leave a large group unrecorded.
"""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from rapport.campaigns import config
from rapport.campaigns.channels.base import NotSent, OutcomeUnknown, Rejected
from rapport.campaigns.models import Message, MessageStatus, SkipReason
from rapport.campaigns.services import address_suppress, sent_entry
from rapport.core import sqlite
from rapport.timeline import services as timeline

log = logging.getLogger(__name__)

# How many accepted messages, and for how long, may wait to be recorded `sent` together.
RECORD_EVERY = 10
RECORD_WITHIN_S = 0.1


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


def released(**changes: object) -> dict[str, object]:
    """The changes that end a claim, with `changes`."""
    return {"lease_owner": "", "lease_until": None, **changes}


def mine(message: Message, worker: str, *statuses: str) -> Q:
    """The message while `worker` still holds its claim (in `statuses`, default sending)."""
    return Q(pk=message.pk, lease_owner=worker, status__in=statuses or [MessageStatus.SENDING])


def retry(message: Message, worker: str, exc: NotSent, result: Delivery) -> None:
    """The provider did not take the message: queue it again after a backoff, or fail it once
    its attempts are spent. `handed_at` is cleared: it was never handed over."""
    rows = Message.objects.filter(mine(message, worker))
    if message.attempts >= config.MAX_ATTEMPTS:
        rows.update(
            **released(
                status=MessageStatus.FAILED,
                reason=SkipReason.RETRIES_EXHAUSTED,
                handed_at=None,
                error=exc.detail,
            )
        )
        result.failed += 1
        return
    delay = exc.retry_after or config.retry_delay(message.attempts)
    rows.update(
        **released(
            status=MessageStatus.QUEUED,
            handed_at=None,
            available_at=timezone.now() + delay,
            error=exc.detail,
        )
    )
    result.retried += 1


def reject(message: Message, worker: str, exc: Rejected, result: Delivery) -> None:
    """The provider refused the message for good: fail it, and suppress the address when the
    refusal was about the address itself."""
    with transaction.atomic():
        Message.objects.filter(mine(message, worker)).update(
            **released(
                status=MessageStatus.FAILED,
                reason=SkipReason.REJECTED,
                error=exc.detail,
                address=message.address,  # refused before its hand-off: not written yet
            )
        )
        if exc.bad_address:
            address_suppress(
                channel=message.channel, address=message.address, message_id=message.pk
            )
    result.failed += 1


def unknown(message: Message, worker: str, exc: OutcomeUnknown, result: Delivery) -> None:
    """The message may have gone out: left for a person to review, never sent again."""
    Message.objects.filter(mine(message, worker)).update(
        status=MessageStatus.REVIEW, reason=SkipReason.UNKNOWN_OUTCOME, error=exc.detail
    )
    result.review += 1


def record_sent(accepted: list[tuple[Message, str]], worker: str, result: Delivery) -> None:
    """The provider took these messages (each with its id there): mark them sent and put each
    on its contact's timeline, all in one transaction. A message this worker no longer holds
    (settled by a person meanwhile) is left as it is and logged."""
    if not accepted:
        return
    now = timezone.now()
    table = Message._meta.db_table
    when = connection.ops.adapt_datetimefield_value
    provider_ids = " ".join("WHEN %s THEN %s" for _ in accepted)
    listed = ", ".join("%s" for _ in accepted)
    # `review`: the lease ran out during a slow send, and the answer came after all
    sql = (
        f"UPDATE {table} SET status = %s, reason = '', error = '', lease_owner = '', "  # noqa: S608
        f"lease_until = NULL, sent_at = %s, provider_id = CASE id {provider_ids} END "
        f"WHERE id IN ({listed}) AND lease_owner = %s AND status IN (%s, %s) RETURNING id"
    )
    params: list[Any] = [MessageStatus.SENT, when(now)]
    for message, provider_id in accepted:
        params += [message.pk, provider_id]
    params += [message.pk for message, _ in accepted]
    params += [worker, MessageStatus.SENDING, MessageStatus.REVIEW]
    # outside any hand-off's window: this commit may run SQLite's checkpoint (core/sqlite.py)
    with sqlite.checkpointing(), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            done = {row[0] for row in cursor.fetchall()}
        timeline.record_many(
            [sent_entry(message, at=now) for message, _ in accepted if message.pk in done]
        )
    for message, _ in accepted:
        if message.pk not in done:
            log.error("Message %s was sent but is no longer claimed by %s", message.pk, worker)
    result.sent += len(done)


class Accepted:
    """Messages the provider took, waiting to be recorded `sent` together: at most
    RECORD_EVERY of them, for at most RECORD_WITHIN_S seconds. Used as a context manager, so
    that what was accepted is recorded even when the group ends with an exception."""

    def __init__(self, worker: str, result: Delivery) -> None:
        self.worker = worker
        self.result = result
        self.waiting: list[tuple[Message, str]] = []
        self.since = 0.0

    def __enter__(self) -> "Accepted":
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()

    def add(self, message: Message, provider_id: str) -> None:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append((message, provider_id))
        if len(self.waiting) >= RECORD_EVERY or time.monotonic() - self.since >= RECORD_WITHIN_S:
            self.flush()

    def flush(self) -> None:
        waiting, self.waiting = self.waiting, []
        record_sent(waiting, self.worker, self.result)
