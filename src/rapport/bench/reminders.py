"""Dispatching due reminders: 100,000 (reminder, occurrence) pairs whose time has come,
delivered by `activities.services.reminders.deliver_due` (the periodic job's work: the read of
what is due, the notifications, the delivery rows and the e-mail tasks queued through the
configured task backend), against a baseline of a bare multi-row INSERT of the same
notification rows in the same run.

Before timing, the baseline's rows and what the dispatcher owes are checked to be the same
keys and count; after, every one was delivered once (one notification and one delivery row
per key) and a second dispatch sends nothing. It runs outside the rolled-back transaction of
the other benchmarks (its commits are what queue the e-mail tasks), so it removes what it
creates itself.
"""

import datetime as dt
import os
import time
from itertools import batched

from django.db import transaction
from django.utils import timezone

from rapport.accounts.models import User
from rapport.activities.models import Activity, ActivityReminder, ReminderDelivery
from rapport.activities.services import reminders
from rapport.bench.harness import Bench, Result, served_benchmark
from rapport.core.models import Notification

TARGET_PER_S = 2000.0


def count() -> int:
    return int(os.environ.get("RAPPORT_BENCH_REMINDERS", "100000"))


def _plan(n: int, now: dt.datetime) -> list[int]:
    """`n` planned calls, each with one reminder that came due a minute ago; their ids."""
    user = User.objects.filter(is_active=True).exclude(email="").order_by("id").first()
    if user is None:
        user = User.objects.filter(is_active=True).order_by("id").first()
    assert user is not None, "the benchmark data set has no active user"
    due = now + dt.timedelta(minutes=9)
    ids: list[int] = []
    for chunk in batched(range(n), 5000):
        with transaction.atomic():
            made = Activity.objects.bulk_create(
                Activity(
                    subject=f"bench reminder {i}",
                    due_at=due,
                    time_zone="Europe/Vilnius",
                    assignee=user,
                )
                for i in chunk
            )
            ActivityReminder.objects.bulk_create(
                ActivityReminder(
                    activity=a, minutes_before=10, active_from=now - dt.timedelta(hours=1)
                )
                for a in made
            )
            ids += [a.pk for a in made]
    return ids


def _baseline_rows(owed: list[reminders.Due], now: dt.datetime) -> list[tuple]:
    created = reminders.prep(Notification, "created_at", now)
    return [
        (
            d.user_id,
            reminders.KIND,
            reminders.prep(Notification, "params", d.params),
            f"/activities/{d.activity_id}/",
            reminders.reminder_key(d.reminder_id, d.occurrence_at),
            created,
            d.email,
        )
        for d in owed
    ]


def _bare_insert(rows: list[tuple]) -> float:
    """Seconds to INSERT the rows (multi-row VALUES, no conflict handling), rolled back."""
    head = (
        f"INSERT INTO {reminders.table(Notification)} "
        "(user_id, kind, params, url, key, created_at, email_wanted)"
    )
    start = time.perf_counter()
    with transaction.atomic():
        for chunk in batched(rows, reminders.CHUNK):
            reminders.insert_values(head, chunk)
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds


def _remove(activity_ids: list[int], keys: set[str], since: dt.datetime) -> None:
    for chunk in batched(sorted(keys), 5000):
        Notification.objects.filter(key__in=chunk).delete()
    for pks in batched(activity_ids, 5000):
        Activity.objects.filter(pk__in=pks).delete()
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(enqueued_at__gte=since).filter(
        task_path="rapport.core.notifications.send_emails"
    ).delete()


@served_benchmark
def dispatch_reminders(bench: Bench) -> list[Result]:
    n = count()
    now = timezone.now()
    ids = _plan(n, now)
    keys: set[str] = set()
    try:
        mine = set(ActivityReminder.objects.filter(activity_id__in=ids[:1]).values_list("pk"))
        assert mine, "no reminders were planned"
        owed = reminders.due(now)
        rows = _baseline_rows(owed, now)
        keys = {row[4] for row in rows}
        # same rows on both sides, one per (reminder, occurrence), ours all among them
        assert len(keys) == len(rows) == len(owed) >= n, (len(keys), len(rows), n)
        baseline = _bare_insert(rows)

        start = time.perf_counter()
        outcome = reminders.deliver_due(now)
        seconds = time.perf_counter() - start

        assert outcome.sent == len(keys), (outcome, len(keys))
        written = set(
            Notification.objects.filter(kind=reminders.KIND, created_at=now).values_list(
                "key", flat=True
            )
        )
        assert written == keys, "the dispatcher wrote other notifications than the baseline"
        assert ReminderDelivery.objects.filter(delivered_at=now).count() == len(keys)
        assert reminders.deliver_due(now).sent == 0, "a second dispatch sent again"
    finally:
        _remove(ids, keys, now)
    return [
        Result(
            f"dispatch {len(keys):,} due reminders (per second)",
            len(keys) / seconds,
            len(keys) / baseline,
            "/s",
            target=TARGET_PER_S,
            at_least=True,
        )
    ]
