"""Delivering reminders: every (reminder, occurrence) whose time has come, exactly once.

`deliver_due(now)` is what the periodic job `activities.deliver_reminders` runs every minute.
It reads what is due in one query (planned activities with reminders due up to now), expands
the later occurrences of recurring series in the activity's own zone (activities.recurrence,
so a weekly 09:00 stays 09:00 across daylight saving), and writes in bulk, per chunk, in one
transaction: the notifications (`INSERT … ON CONFLICT (key) DO NOTHING RETURNING`) and the
`ReminderDelivery` rows (unique on reminder × occurrence, `ON CONFLICT DO NOTHING`). Workers
racing for the same reminder insert it once: the loser's insert lands on the winner's key and
writes nothing, so it neither notifies nor e-mails a second time. A worker killed mid-run
rolls its transaction back; the next run finds the same rows still owed.

Policy for reminders whose time passed while nothing ran:

- due less than `GRACE` ago: delivered as usual (a worker looks every minute);
- older, while the occurrence itself is at most `STALE` (24 h) in the past: delivered *late*,
  the notification saying when it was due ("was due at 09:45");
- the occurrence more than `STALE` in the past: recorded as skipped (a delivery row without
  a notification), so that a worker coming back after a week does not flood the bell with
  reminders of calls nobody can make any more. The activity itself still shows as overdue.

A reminder is owed only for times at or after its `active_from` (set when the reminder was
added or the activity moved), so one already past when it was set is not owed at all.
"""

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, partial
from itertools import batched
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse

from rapport.activities import recurrence
from rapport.activities.models import ActivityReminder, ActivityStatus, ReminderDelivery
from rapport.activities.notification_kinds import REMINDER as KIND
from rapport.core import notifications
from rapport.core.models import Notification

GRACE = dt.timedelta(minutes=2)
STALE = dt.timedelta(hours=24)
CHUNK = 2000  # rows per INSERT: 7 parameters a row stays under SQLite's 32,766 variables
SQLITE_PAUSE = 0.02  # seconds between two chunks' transactions on SQLite (see `deliver`)


@dataclass(frozen=True)
class Due:
    """One (reminder, occurrence) owed."""

    reminder_id: int
    occurrence_at: dt.datetime  # UTC
    remind_at: dt.datetime  # UTC
    minutes_before: int
    activity_id: int
    user_id: int
    email: bool
    params: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    sent: int = 0  # notifications written, the late ones included
    late: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "late": self.late, "skipped": self.skipped}


def reminder_key(reminder_id: int, occurrence_at: dt.datetime) -> str:
    """The notification's once-only key: `reminder:<id>:<occurrence in UTC, ISO>`."""
    return f"reminder:{reminder_id}:{occurrence_at.astimezone(dt.UTC):%Y-%m-%dT%H:%MZ}"


_FIELDS = (
    "id",
    "minutes_before",
    "active_from",
    "activity_id",
    "activity__kind",
    "activity__subject",
    "activity__due_at",
    "activity__time_zone",
    "activity__recurrence",
    "activity__starts_at",
    "activity__occurrence_at",
    "activity__assignee_id",
    "activity__assignee__email",
    "activity__contact__first_name",
    "activity__contact__last_name",
)


def _occurrences(row: dict[str, Any], now: dt.datetime) -> list[dt.datetime]:
    """The occurrences of `row`'s activity whose reminder time is at or before `now`: the
    current one (`due_at`, which a reschedule may have moved) and, for a series, the
    following ones of its rule, expanded in the activity's zone."""
    found = [row["activity__due_at"]]
    rule, start, current = (
        row["activity__recurrence"],
        row["activity__starts_at"],
        row["activity__occurrence_at"],
    )
    if rule and start and current:
        zone = ZoneInfo(row["activity__time_zone"])
        horizon = now + dt.timedelta(minutes=row["minutes_before"])
        found += [
            moment.astimezone(dt.UTC)
            for moment in recurrence.occurrences(
                rule,
                start.astimezone(zone),
                after=current.astimezone(zone),
                before=horizon.astimezone(zone) + dt.timedelta(seconds=1),
                inclusive=False,
            )
        ]
    return found


def due(now: dt.datetime) -> list[Due]:
    """Every (reminder, occurrence) owed at `now` and not yet delivered (one bulk read of
    the reminders due, one of their deliveries)."""
    longest = (
        ActivityReminder.objects.filter(activity__status=ActivityStatus.PLANNED)
        .order_by("-minutes_before")
        .values_list("minutes_before", flat=True)
        .first()
    )
    if longest is None:
        return []
    # The activity's current occurrence is due within its reminder's reach, or (for a
    # series left behind) its later occurrences may be: both lie before now + the longest
    # reminder. One-offs overdue by more than two days were recorded as skipped the first
    # time they were read (past STALE) and are not read again; series are, for their next
    # occurrences.
    reminders = ActivityReminder.objects.filter(
        Q(activity__due_at__gte=now - 2 * STALE) | ~Q(activity__recurrence=""),
        activity__status=ActivityStatus.PLANNED,
        activity__due_at__lte=now + dt.timedelta(minutes=longest),
        activity__assignee__is_active=True,
    )
    rows = list(reminders.order_by().values(*_FIELDS))
    owed: list[Due] = []
    for row in rows:
        for occurrence in _occurrences(row, now):
            remind_at = occurrence - dt.timedelta(minutes=row["minutes_before"])
            if remind_at > now or remind_at < row["active_from"]:
                continue
            owed.append(_due(row, occurrence, remind_at))
    if not owed:
        return []
    delivered = set(
        ReminderDelivery.objects.filter(reminder__in=reminders.values("pk"))
        .order_by()
        .values_list("reminder_id", "occurrence_at")
    )
    return [d for d in owed if (d.reminder_id, d.occurrence_at) not in delivered]


def _due(row: dict[str, Any], occurrence: dt.datetime, remind_at: dt.datetime) -> Due:
    contact = " ".join(
        part
        for part in (row["activity__contact__first_name"], row["activity__contact__last_name"])
        if part
    )
    return Due(
        reminder_id=row["id"],
        occurrence_at=occurrence,
        remind_at=remind_at,
        minutes_before=row["minutes_before"],
        activity_id=row["activity_id"],
        user_id=row["activity__assignee_id"],
        email=bool(row["activity__assignee__email"]),
        params={
            "activity": row["activity_id"],
            "kind": row["activity__kind"],
            "subject": row["activity__subject"],
            "contact": contact,
            "due_at": occurrence.astimezone(dt.UTC).isoformat(),
            "minutes_before": row["minutes_before"],
        },
    )


def table(model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def prep(model: type[Any], name: str, value: Any) -> Any:
    """`value` as the database driver wants it for the field (what the ORM would send)."""
    return _field(model._meta.label, name).get_db_prep_save(value, connection)


@cache
def _field(label: str, name: str) -> Any:
    return apps.get_model(label)._meta.get_field(name)


def insert_values(
    sql_head: str, rows: Sequence[tuple[Any, ...]], tail: str = ""
) -> list[tuple[Any, ...]]:
    """`sql_head VALUES (…), (…) tail` in one statement; the rows RETURNING gives, if asked."""
    width = len(rows[0])
    values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(f"{sql_head} VALUES {values} {tail}", [v for row in rows for v in row])
        return list(cursor.fetchall()) if "RETURNING" in tail else []


@dataclass
class _Chunk:
    """One chunk's rows, prepared before its transaction so the write lock is held only for
    the two INSERTs."""

    by_key: dict[str, Due]
    notifications: list[tuple[Any, ...]]
    stale: list[tuple[Any, ...]]  # delivery rows of occurrences too old to notify of
    created: Any


def _prepare(chunk: Sequence[Due], now: dt.datetime) -> _Chunk:
    created = prep(Notification, "created_at", now)
    by_key: dict[str, Due] = {}
    rows: list[tuple[Any, ...]] = []
    stale: list[tuple[Any, ...]] = []
    detail = reverse("activities:activity_detail", args=[0]).removesuffix("0/")
    for d in chunk:
        if d.occurrence_at < now - STALE:
            occurrence = prep(ReminderDelivery, "occurrence_at", d.occurrence_at)
            stale.append((d.reminder_id, occurrence, created, True, None))
            continue
        key = reminder_key(d.reminder_id, d.occurrence_at)
        by_key[key] = d
        params = dict(d.params)
        if d.remind_at < now - GRACE:
            params["late_due"] = d.remind_at.isoformat()
        url = f"{detail}{d.activity_id}/"
        params_db = prep(Notification, "params", params)
        rows.append((d.user_id, KIND, params_db, url, key, created, d.email))
    return _Chunk(by_key=by_key, notifications=rows, stale=stale, created=created)


def _write(chunk: _Chunk, now: dt.datetime) -> tuple[list[int], int, int]:
    """Insert one chunk's notifications and deliveries (inside the caller's transaction);
    (ids of notifications wanting an e-mail, sent, late) of what landed here."""
    landed: dict[str, int] = {}
    if chunk.notifications:
        returned = insert_values(
            f"INSERT INTO {table(Notification)} "
            "(user_id, kind, params, url, key, created_at, email_wanted)",
            chunk.notifications,
            "ON CONFLICT (key) DO NOTHING RETURNING id, key",
        )
        landed = {key: pk for pk, key in returned}
    by_key = chunk.by_key
    deliveries = [
        (
            by_key[key].reminder_id,
            prep(ReminderDelivery, "occurrence_at", by_key[key].occurrence_at),
            chunk.created,
            by_key[key].remind_at < now - GRACE,
            pk,
        )
        for key, pk in landed.items()
    ] + chunk.stale
    if deliveries:
        insert_values(
            f"INSERT INTO {table(ReminderDelivery)} "
            "(reminder_id, occurrence_at, delivered_at, late, notification_id)",
            deliveries,
            "ON CONFLICT (reminder_id, occurrence_at) DO NOTHING",
        )
    emails = [pk for key, pk in landed.items() if by_key[key].email]
    late = sum(1 for key in landed if by_key[key].remind_at < now - GRACE)
    return emails, len(landed), late


def deliver(owed: Iterable[Due], now: dt.datetime) -> Outcome:
    """Write the deliveries of `owed` at `now`, one transaction per chunk (a notification and
    its delivery row always together); e-mail copies are queued after each commit.

    On SQLite a writer that takes the lock again at once starves the others (a waiting
    connection polls, sleeping up to 100 ms between tries, so it may never see the lock
    free): the next chunk is prepared outside the transaction and a short pause follows each
    commit, so the worker's task loop and lease renewals get their turn."""
    sent = late = skipped = 0
    pause = SQLITE_PAUSE if connection.vendor == "sqlite" else 0.0
    for number, batch in enumerate(batched(owed, CHUNK)):
        if number and pause:
            time.sleep(pause)
        chunk = _prepare(batch, now)
        with transaction.atomic():
            emails, chunk_sent, chunk_late = _write(chunk, now)
            if emails:
                transaction.on_commit(partial(notifications.send_emails.enqueue, emails))
        sent, late = sent + chunk_sent, late + chunk_late
        skipped += len(chunk.stale)
    return Outcome(sent=sent, late=late, skipped=skipped)


def deliver_due(now: dt.datetime) -> Outcome:
    """Deliver every reminder owed at `now` (what the periodic job runs)."""
    return deliver(due(now), now)
