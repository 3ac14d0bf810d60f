"""Segments benchmark: counting a four-condition segment (a contact field, a consent, an order
count in a window, a metric) through the compiler, against one hand-written SQL statement of
the same meaning measured in the same run. Both read the current consent from `ConsentState`;
their counts, and the count from the consent events themselves, must be equal before anything
is timed; Rapport's p95 must stay within 500 ms and 1.5× the hand-written query's.
"""

import datetime as dt
from typing import Any

from django.db import connection
from django.utils import timezone

from rapport.analytics.models import CustomerMetrics
from rapport.bench.harness import Bench, Result, benchmark, p95, timings_ms
from rapport.contacts.models import ConsentEvent, ConsentState, Contact
from rapport.sales.models import Order
from rapport.segments import selectors

RUNS = 10
TARGET_MS = 500.0
MAX_RATIO = 1.5
WINDOW_DAYS = 365
RULE: dict[str, Any] = {
    "all": [
        {"field": "lifecycle_stage", "op": "eq", "value": "customer"},
        {"field": "consent.email.marketing", "op": "eq", "value": "granted"},
        {"field": "orders.count", "op": "gte", "value": 1, "window_days": WINDOW_DAYS},
        {"field": "metrics.churn_risk", "op": "lt", "value": 0.5},
    ]
}


def _window(now: dt.datetime) -> list[Any]:
    return [
        connection.ops.adapt_datetimefield_value(t)
        for t in (now - dt.timedelta(days=WINDOW_DAYS), now)
    ]


def _rest(c: str) -> str:
    """The order and metric conditions of RULE on the contact aliased `c`."""
    order = Order._meta.db_table
    metrics = CustomerMetrics._meta.db_table
    # on SQLite a one-value range, as the compiler writes it, so that the probe may read the
    # covering index on (contact_id, churn_risk) rather than the table row (SameContact)
    same = (
        f"m.contact_id BETWEEN {c}.id AND {c}.id"
        if connection.vendor == "sqlite"
        else f"m.contact_id = {c}.id"
    )
    return (
        f"AND EXISTS (SELECT 1 FROM {order} o WHERE o.contact_id = {c}.id "  # noqa: S608
        "AND o.status IN (%s, %s) AND o.order_date >= %s AND o.order_date <= %s) "
        f"AND EXISTS (SELECT 1 FROM {metrics} m WHERE {same} AND m.churn_risk < %s)"
    )


def hand_written(now: dt.datetime) -> tuple[str, list[Any]]:
    """RULE as one SQL statement written by hand, reading the current consent where Rapport
    keeps it (`ConsentState`: the contacts granted are one range of its index)."""
    contact = Contact._meta.db_table
    state = ConsentState._meta.db_table
    sql = (
        f"SELECT COUNT(*) FROM {contact} c WHERE c.lifecycle_stage = %s "  # noqa: S608
        f"AND c.id IN (SELECT s.contact_id FROM {state} s WHERE s.channel = %s "
        "AND s.purpose = %s AND s.status = %s) " + _rest("c")
    )
    params = ["customer", "email", "marketing", "granted", "booked", "paid", *_window(now), 0.5]
    return sql, params


def hand_written_from_events(now: dt.datetime) -> tuple[str, list[Any]]:
    """The same from the consent events themselves (the newest, withdrawal first at a tie,
    as everywhere in Rapport): the check that the state the other two read is the events'."""
    contact = Contact._meta.db_table
    consent = ConsentEvent._meta.db_table
    sql = (
        f"SELECT COUNT(*) FROM {contact} c WHERE c.lifecycle_stage = %s "  # noqa: S608
        f"AND (SELECT e.status FROM {consent} e WHERE e.contact_id = c.id AND e.channel = %s "
        "AND e.purpose = %s ORDER BY e.at DESC, e.status DESC, e.id DESC LIMIT 1) = %s "
        + _rest("c")
    )
    params = ["customer", "email", "marketing", "granted", "booked", "paid", *_window(now), 0.5]
    return sql, params


def _raw_count(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


@benchmark
def segment_count(bench: Bench) -> list[Result]:
    now = timezone.now()
    sql, params = hand_written(now)

    def rapport(_: Any) -> int:
        # the whole way a preview goes: parse, compile (field catalog included), count
        node = selectors.parse_rule(RULE)
        return Contact.objects.filter(selectors.rule_filter(node, user=None, now=now)).count()

    if not CustomerMetrics.objects.exists():
        # the metric condition would select nobody, and the count measure next to nothing
        raise AssertionError(
            "the data set has no customer metrics: run `rapport analytics refresh`"
        )
    expected = _raw_count(sql, params)
    from_events = _raw_count(*hand_written_from_events(now))
    got = rapport(None)
    if not got == expected == from_events:
        raise AssertionError(
            f"segment counted {got} contacts, the hand-written SQL {expected}, "
            f"the same from the consent events {from_events}"
        )
    baseline = p95(timings_ms(lambda _: _raw_count(sql, params), range(RUNS)))
    return [
        Result(
            metric=f"segment count, 4 conditions ({got:,} members; same count as the SQL)",
            rapport=p95(timings_ms(rapport, range(RUNS))),
            baseline=baseline,
            unit="ms",
            target=min(TARGET_MS, MAX_RATIO * baseline),
        )
    ]
