"""Trigger scenario benchmarks.

A storm: 100,000 orders placed at once (timeline rows inserted in bulk, one per contact), a
live scenario on "an order is placed" whose first step tags the customer. Rapport's figure
is the intake (events copied, runs started) and the runner (the first step of every run, with
its RunStep row) until nothing is due; the baseline is the same runs, steps and tags written
by three hand-made INSERT … SELECT statements. Both must leave the same contacts with a
finished run, a step and the tag, none twice, before anything is reported.

The birthday scan: which contacts have a birthday in N days, as a birthday trigger asks it
(scans.candidates), against one hand-written SQL statement on the month and day.
"""

import datetime as dt
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from rapport.automation import scans
from rapport.automation.intake import run_intake
from rapport.automation.models import Run, RunStep, Scenario, ScenarioStatus, ScenarioVersion
from rapport.automation.runner import run_due
from rapport.bench.harness import Bench, Result, benchmark, p95, timings_ms
from rapport.contacts.models import Contact, Tag
from rapport.segments.rules import annual_days
from rapport.timeline.models import Interaction

STORM = 100_000
STORM_TARGET_S = 20.0
TAG = "storm"
SCAN_RUNS = 5
SCAN_TARGET_MS = 1000.0


def _storm_scenario(now: dt.datetime) -> Scenario:
    scenario = Scenario.objects.create(
        name="Bench: order storm",
        status=ScenarioStatus.ACTIVE,
        trigger={"type": "order_placed"},
        steps=[{"type": "tag_add", "tag": TAG}],
        reentry_days=0,
        active_since=now - dt.timedelta(seconds=1),
    )
    scenario.published = ScenarioVersion.objects.create(
        scenario=scenario, number=1, trigger=scenario.trigger, steps=scenario.steps
    )
    scenario.save(update_fields=["published"])
    return scenario


def _insert_storm(n: int, now: dt.datetime) -> int:
    """One order.placed timeline row for each of the first `n` contacts, at `now`."""
    table = Interaction._meta.db_table
    params_sql = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    when = connection.ops.adapt_datetimefield_value(now)
    sql = (
        f"INSERT INTO {table} (contact_id, channel, direction, occurred_at, kind, params, "  # noqa: S608
        f"summary, body, created_at) SELECT c.id, 'order', 'inbound', %s, 'order.placed', "
        f"{params_sql}, '', '', %s FROM {Contact._meta.db_table} c ORDER BY c.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [when, '{"order": 0}', when, n])
        return int(cursor.rowcount)


def _hand_written(scenario: Scenario, now: dt.datetime) -> None:
    """The storm's result in three statements: the runs (finished after their one step),
    their steps, the tag on each contact."""
    runs, steps = Run._meta.db_table, RunStep._meta.db_table
    interactions = Interaction._meta.db_table
    tag, _created = Tag.objects.get_or_create(name=TAG)
    through = Contact.tags.through._meta.db_table
    when = connection.ops.adapt_datetimefield_value(now)
    json = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    concat = "'event:' || i.id"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {runs} (scenario_id, version_id, contact_id, occasion, status, "  # noqa: S608
            "holdout, position, waiting, sequence, context, lease_owner, attempts, error, "
            "exit_reason, started_at, finished_at) "
            f"SELECT %s, %s, i.contact_id, {concat}, 'done', %s, '0', %s, 1, {json}, '', 0, "
            f"'', '', %s, %s FROM {interactions} i "
            "WHERE i.kind = 'order.placed' AND i.occurred_at = %s",
            [scenario.pk, scenario.published_id, False, False, "{}", when, when, when],
        )
        cursor.execute(
            f"INSERT INTO {steps} (run_id, position, kind, outcome, detail, at) "  # noqa: S608
            f"SELECT r.id, '0', 'tag_add', 'done', {json}, %s FROM {runs} r "
            "WHERE r.scenario_id = %s",
            [f'{{"tag": "{TAG}"}}', when, scenario.pk],
        )
        cursor.execute(
            f"INSERT INTO {through} (contact_id, tag_id) "  # noqa: S608
            f"SELECT r.contact_id, %s FROM {runs} r WHERE r.scenario_id = %s",
            [tag.pk, scenario.pk],
        )


def _result(scenario: Scenario) -> tuple[int, int, int, int]:
    """(contacts with a finished run, runs, steps taken, contacts tagged)."""
    if connection.vendor == "postgresql":
        # The check's own statistics: planned from those of before the storm (the tables
        # near empty), the steps' join count probed every run for each step, 462 s
        # (2026-12-03). Inside the baseline's transaction they are rolled back with it, so
        # Rapport's turn meets the storm with the statistics it would meet in production.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Run._meta.db_table}, {RunStep._meta.db_table}")
    runs = Run.objects.filter(scenario=scenario)
    return (
        runs.filter(status="done", sequence=1).values("contact_id").distinct().count(),
        runs.count(),
        RunStep.objects.filter(run__scenario=scenario).count(),
        Contact.objects.filter(tags__name=TAG).count(),
    )


@benchmark
def trigger_storm(bench: Bench) -> list[Result]:
    n = min(STORM, bench.contacts)
    # a month ahead: no order of the data set falls within the intake's horizon
    now = timezone.now() + dt.timedelta(days=30)
    clock = lambda: now  # noqa: E731
    Scenario.objects.filter(status=ScenarioStatus.ACTIVE).update(status=ScenarioStatus.PAUSED)
    assert _insert_storm(n, now) == n
    scenario = _storm_scenario(now)

    with transaction.atomic():  # undone before Rapport's turn
        started = time.perf_counter()
        _hand_written(scenario, now)
        baseline = time.perf_counter() - started
        expected = _result(scenario)
        transaction.set_rollback(True)

    started = time.perf_counter()
    intake = run_intake(now)
    progress = run_due(clock=clock, budget=3600)
    rapport = time.perf_counter() - started
    got = _result(scenario)
    if got != expected or got != (n, n, n, n):
        raise AssertionError(f"the storm left {got} (contacts, runs, steps, tags), SQL {expected}")
    again = run_intake(now).started + run_due(clock=clock).steps
    if again:
        raise AssertionError(f"a second pass did {again} more")
    return [
        Result(
            metric=(
                f"order storm: {n:,} events → {intake.started:,} runs + {progress.steps:,} "
                "first steps (same runs, steps and tags as the SQL)"
            ),
            rapport=rapport,
            baseline=baseline,
            unit="s",
            target=STORM_TARGET_S * n / STORM,
        )
    ]


def _birthday_sql(day: dt.date) -> tuple[str, list[Any]]:
    """Contacts whose birthday comes round on `day` (29 February on the 28th in a common
    year), by hand."""
    table = Contact._meta.db_table
    days = sorted(annual_days(day, 0))
    if connection.vendor == "postgresql":
        key = "EXTRACT(MONTH FROM birth_date) * 100 + EXTRACT(DAY FROM birth_date)"
    else:
        key = (
            "CAST(strftime('%%m', birth_date) AS INTEGER) * 100 "
            "+ CAST(strftime('%%d', birth_date) AS INTEGER)"
        )
    marks = ", ".join(["%s"] * len(days))
    sql = f"SELECT id FROM {table} WHERE birth_date IS NOT NULL AND {key} IN ({marks})"  # noqa: S608
    return sql, days


@benchmark
def birthday_scan(bench: Bench) -> list[Result]:
    today = timezone.localdate()
    trigger = {"type": "birthday", "days_before": 7}
    day = today + dt.timedelta(days=7)
    sql, params = _birthday_sql(day)

    def hand(_: Any) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0] for row in cursor.fetchall()}

    def rapport(_: Any) -> set[int]:
        return set(scans.candidates(trigger, today))

    expected, got = hand(None), rapport(None)
    if got != expected:
        raise AssertionError(f"the scan found {len(got)} contacts, the SQL {len(expected)}")
    return [
        Result(
            metric=f"birthday scan, 7 days ahead ({len(got):,} contacts; same as the SQL)",
            rapport=p95(timings_ms(rapport, range(SCAN_RUNS))),
            baseline=p95(timings_ms(hand, range(SCAN_RUNS))),
            unit="ms",
            target=SCAN_TARGET_MS,
        )
    ]
