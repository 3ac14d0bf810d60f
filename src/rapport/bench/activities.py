""" "My day" for a sales manager with 10,000 open activities: the whole page (Django test
client, signed in), next to a baseline of the same four reads in hand-written SQL on the same
index. The activities are made here, inside the run's transaction (rolled back after)."""

import datetime as dt
import random

from django.db import connection
from django.test import Client
from django.utils import timezone

from rapport.accounts.models import User
from rapport.activities import selectors
from rapport.activities.models import Activity, ActivityStatus
from rapport.bench.harness import Bench, Result, benchmark, p95, timings_ms

MY_DAY_TARGET_MS = 50.0
OPEN = 10_000
RUNS = 60


def _plant(user: User, seed: int = 8) -> None:
    """OPEN planned activities for `user`: a fifth overdue (up to 60 days late), the rest due
    over the next 90 days, a few today."""
    rng = random.Random(seed)
    now = timezone.now()
    rows = []
    for i in range(OPEN):
        late = i % 5 == 0
        minutes = rng.randint(1, 60 * 24 * (60 if late else 90))
        due = now - dt.timedelta(minutes=minutes) if late else now + dt.timedelta(minutes=minutes)
        rows.append(
            Activity(
                subject=f"Bench call {i}",
                due_at=due,
                time_zone=user.zone.key,
                assignee=user,
                created_by=user,
            )
        )
    Activity.objects.bulk_create(rows, batch_size=2000)


def _by_hand(user_id: int, now: dt.datetime, bounds: tuple[dt.datetime, ...]) -> int:
    _start, tomorrow, end = bounds
    table = Activity._meta.db_table
    select = (
        f"SELECT id, subject, kind, due_at, contact_id FROM {table} "  # noqa: S608 (constants)
        "WHERE assignee_id = %s AND status = %s AND due_at >= %s AND due_at < %s "
        "ORDER BY due_at, id LIMIT %s"
    )
    found = 0
    with connection.cursor() as cursor:
        for after, before in ((dt.datetime(1970, 1, 1, tzinfo=dt.UTC), now), (now, tomorrow),
                              (max(now, tomorrow), end)):  # fmt: skip
            cursor.execute(select, [user_id, "planned", after, before, selectors.DAY_ROWS])
            found += len(cursor.fetchall())
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE assignee_id = %s AND status = %s "  # noqa: S608
            "AND due_at < %s",
            [user_id, "planned", now],
        )
        found += cursor.fetchone()[0]
    return found


@benchmark
def my_day(bench: Bench) -> list[Result]:
    user = User.objects.filter(username="manager").first()
    if user is None:
        return []
    Activity.objects.filter(assignee=user, status=ActivityStatus.PLANNED).delete()
    _plant(user)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)

    def page(_: int) -> None:
        response = client.get("/my-day/")
        assert response.status_code == 200, response.status_code

    def baseline(_: int) -> None:
        now = timezone.now()
        _by_hand(user.pk, now, selectors.day_bounds(user.zone, now))

    return [
        Result(
            metric=f'"my day" page p95, sales manager with {OPEN:,} open activities ({RUNS} runs)',
            rapport=p95(timings_ms(page, range(RUNS))),
            baseline=p95(timings_ms(baseline, range(RUNS))),
            unit="ms",
            target=MY_DAY_TARGET_MS,
        )
    ]
