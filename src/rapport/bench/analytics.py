"""The end-to-end acquisition analytics over three years, as admin and as a sales manager.

Rapport's figures: the `acquisition_report` selector (stored monthly cells → Polars → the
report with spend, CAC and ROMI) and the whole HTTP page (/analytics/, Django test client,
logged in). The baseline is one hand-written SQL aggregate over the same stored cells with the
same grouping and visibility filter, so the ratio is the price of Polars, the spend join, the
labels and the template. The refresh that recomputes the cells from every lead, deal and order
is timed once as its own row.
"""

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.models import User
from rapport.analytics.models import AcquisitionMonth
from rapport.analytics.selectors import acquisition_report, allowed_owner_ids
from rapport.analytics.services import refresh_acquisition
from rapport.bench.harness import Bench, Result, benchmark, p95, timings_ms
from rapport.sales.models import Order

PAGE_TARGET_MS = 1000.0
RUNS = 20
USERS = (("admin", "admin"), ("manager", "sales manager"))


def three_years() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return today.replace(year=today.year - 3), today


def raw_report(user: User, start: dt.date, end: dt.date) -> Callable[[Any], list[Any]]:
    """The same sums per source straight from the cells, in one statement."""
    owners = allowed_owner_ids(user, team_id=None, owner_id=None)
    table = AcquisitionMonth._meta.db_table
    sql = (
        "SELECT source_id, SUM(leads), SUM(qualified), SUM(converted), SUM(deals_won), "  # noqa: S608
        "SUM(new_customers), SUM(revenue_first_touch) "
        f"FROM {table} WHERE month >= %s AND month <= %s"
    )
    params: list[Any] = [start.replace(day=1), end]
    if owners is not None:
        sql += f" AND owner_id IN ({', '.join(['%s'] * len(owners))})" if owners else " AND 1 = 0"
        params += owners
    sql += " GROUP BY source_id"

    def run(_: Any) -> list[Any]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


@benchmark
def acquisition_refresh(bench: Bench) -> list[Result]:
    orders = Order.objects.count()
    start = time.perf_counter()
    run = refresh_acquisition()
    seconds = time.perf_counter() - start
    return [
        Result(
            metric=(
                f"acquisition refresh ({orders:,} orders, {run.rows_read:,} rows read "
                f"→ {AcquisitionMonth.objects.count():,} cells)"
            ),
            rapport=seconds,
            baseline=None,
            unit="s",
        )
    ]


@benchmark
def acquisition_page(bench: Bench) -> list[Result]:
    start, end = three_years()
    if not AcquisitionMonth.objects.exists():
        refresh_acquisition()
    url = reverse("analytics:acquisition")
    query = {"from": start.isoformat(), "to": end.isoformat(), "by": "source"}
    results = []
    for username, label in USERS:
        user = User.objects.get(username=username)
        baseline = p95(timings_ms(raw_report(user, start, end), range(RUNS)))

        def selector(_: Any, user: User = user) -> Any:
            return acquisition_report(user, start=start, end=end, by="source_id")

        client = Client(HTTP_HOST="localhost")  # a host the settings allow by default
        client.force_login(user)

        def page(_: Any, client: Client = client) -> None:
            response = client.get(url, query)
            assert response.status_code == 200, response.status_code

        results.append(
            Result(
                metric=f"acquisition report p95, {label} (selector, 3 years by source)",
                rapport=p95(timings_ms(selector, range(RUNS))),
                baseline=baseline,
                unit="ms",
                target=PAGE_TARGET_MS,
            )
        )
        results.append(
            Result(
                metric=f"analytics page p95, {label} (HTTP GET {url}, 3 years by source)",
                rapport=p95(timings_ms(page, range(RUNS))),
                baseline=baseline,
                unit="ms",
                target=PAGE_TARGET_MS,
            )
        )
    return results
