"""Taking runs through their steps, exactly once per run × step, with any number of workers.

A worker claims due runs with a lease (one statement: `UPDATE … WHERE id IN (SELECT … FOR
UPDATE SKIP LOCKED)` on PostgreSQL; SQLite's writers take turns). Each step then happens in
one transaction that re-reads the run under a row lock, checks the lease is still this
worker's, writes the step's `RunStep` row (unique per run and position), does the step's
effect and moves the run on. A worker killed mid-step leaves nothing half-done: the
transaction rolls back, the lease runs out, and the next worker takes the step again.

A step that calls out (a webhook, CALLS_OUT) makes its call just before that transaction,
holding no lock, and the transaction records the answer (webhooks.py): the call is at least
once, with one delivery id per run × step for the receiver to act on once.

A step that raises is retried with backoff (attempts count per claim); after MAX_ATTEMPTS the
run fails, with the error kept on it for the scenario's page.
"""

import datetime as dt
import logging
import os
import socket
import time
import traceback
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from rapport.automation import actions, bulk, flow, webhooks
from rapport.automation.models import Run, RunStatus, RunStep, Scenario, ScenarioStatus

log = logging.getLogger(__name__)

BATCH = 500
LEASE = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 5
MAX_STEPS_AT_ONCE = 50  # steps one claim may take a run through before letting go
CALLS_OUT = frozenset({"webhook"})  # steps whose call is made before their transaction
WORKER = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Progress:
    """What one pass did."""

    runs: int = 0
    steps: int = 0
    finished: int = 0
    retried: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def retry_delay(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), dt.timedelta(hours=1))


def claim(now: dt.datetime, limit: int = BATCH, worker: str = WORKER) -> list[int]:
    """Put up to `limit` due runs of active scenarios under `worker`'s lease; their ids."""
    runs = Run._meta.db_table
    scenarios = Scenario._meta.db_table
    # The status is written out, not a parameter, and the scenario's a filter that cannot
    # lead (NOT IN the scenarios that are not active): so the due runs are read in order
    # from the partial index run_due_idx and the scan stops at `limit`. A parameter there,
    # or `scenario_id IN (active ones)`, made both databases read every active run of the
    # scenario by the scenario's index and sort them, for each claim: a storm of n runs
    # cost n²/limit rows read and sorted (EXPLAIN: "USE TEMP B-TREE FOR ORDER BY", "Sort").
    due = (
        f"SELECT r.id FROM {runs} r WHERE r.status = '{RunStatus.ACTIVE.value}' "  # noqa: S608
        f"AND r.due_at <= %s AND (r.lease_until IS NULL OR r.lease_until < %s) "
        f"AND r.scenario_id NOT IN (SELECT s.id FROM {scenarios} s WHERE s.status <> %s) "
        f"ORDER BY r.due_at, r.id LIMIT %s"
    )
    change = f"UPDATE {runs} SET lease_owner = %s, lease_until = %s, attempts = attempts + 1"  # noqa: S608
    when = connection.ops.adapt_datetimefield_value
    pick = [when(now), when(now), ScenarioStatus.ACTIVE, limit]
    lease = [worker, when(now + LEASE)]
    if connection.vendor == "postgresql":
        sql = (
            f"WITH picked AS ({due} FOR UPDATE SKIP LOCKED) {change} FROM picked "
            f"WHERE {runs}.id = picked.id RETURNING {runs}.id"
        )
        params: list[Any] = [*pick, *lease]
    else:
        sql = f"{change} WHERE id IN ({due}) RETURNING id"
        params = [*lease, *pick]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def _mine(run_id: int, worker: str) -> Run | None:
    return (
        Run.objects.select_for_update(of=("self",))
        .select_related("version", "scenario", "contact", "contact__owner", "event")
        .filter(pk=run_id, lease_owner=worker, status=RunStatus.ACTIVE)
        .first()
    )


def _finish(run: Run, status: str, reason: str, now: dt.datetime) -> None:
    run.status = status
    run.exit_reason = reason
    run.finished_at = now
    run.due_at = None
    run.waiting = False


def _call(run_id: int, worker: str) -> tuple[str, webhooks.Answer] | None:
    """Make the call of the run's current step (a webhook), holding no lock and no
    transaction, so that the receiver's time keeps no other writer waiting: (the step's
    path, the answer), or None when the run is no longer ours."""
    run = (
        Run.objects.select_related("version", "scenario", "contact", "event")
        .filter(pk=run_id, lease_owner=worker, status=RunStatus.ACTIVE)
        .first()
    )
    step = flow.at(run.version.steps, run.position) if run is not None else None
    if run is None or step is None or step["type"] not in CALLS_OUT:
        return None
    return run.position, webhooks.call(run, step)


def step_once(
    run_id: int,
    worker: str,
    now: dt.datetime,
    called: tuple[str, webhooks.Answer] | None = None,
) -> str:
    """Take the run's current step, in one transaction: "next" (another step is due now),
    "wait" (it waits until later), "end" (it finished), "lost" (not ours any more), "call"
    (a step that calls out, whose call is to be made first: then `called` is its answer)."""
    with transaction.atomic():
        run = _mine(run_id, worker)
        if run is None:
            return "lost"
        step = flow.at(run.version.steps, run.position)
        if step is None:  # the end of the flow
            _finish(run, RunStatus.DONE, "", now)
            run.save()
            return "end"
        kind = step["type"]
        if kind in CALLS_OUT:
            if called is None or called[0] != run.position:
                return "call"
            result, detail = webhooks.record(called[1])
            outcome = actions.Outcome(result, detail)
        elif kind == "wait" and run.waiting:  # the wait that began earlier is over
            outcome = actions.Outcome(
                detail={"waited_until": run.due_at.isoformat() if run.due_at else ""}
            )
        else:
            outcome = actions.ACTIONS[kind](run, step, now)
            if outcome.until is not None and outcome.until > now:
                run.waiting = True
                run.due_at = outcome.until
                run.lease_owner, run.lease_until, run.attempts = "", None, 0
                run.save()
                return "wait"
        RunStep.objects.create(
            run=run,
            position=run.position,
            kind=kind,
            outcome=outcome.result,
            detail=outcome.detail,
            at=now,
        )
        run.sequence += 1
        run.waiting = False
        run.attempts = 0
        run.error = ""
        following = None if outcome.exit else actions.next_position(run, outcome)
        if outcome.exit:
            _finish(run, RunStatus.EXITED, outcome.exit, now)
        elif following is None:
            _finish(run, RunStatus.DONE, "", now)
        else:
            run.position = following
            run.due_at = now
        if run.status != RunStatus.ACTIVE:
            run.lease_owner, run.lease_until = "", None
        run.save()
        return "next" if run.status == RunStatus.ACTIVE else "end"


def _failed(run_id: int, worker: str, now: dt.datetime, error: str, result: Progress) -> None:
    """A step raised: try again later, or give up after MAX_ATTEMPTS."""
    with transaction.atomic():
        run = _mine(run_id, worker)
        if run is None:
            return
        run.error = error[-4000:]
        run.lease_owner, run.lease_until = "", None
        if run.attempts >= MAX_ATTEMPTS:
            _finish(run, RunStatus.FAILED, "error", now)
            result.failed += 1
        else:
            run.due_at = now + retry_delay(run.attempts)
            result.retried += 1
        run.save()


def advance(run_id: int, *, worker: str, result: Progress, clock: Any = timezone.now) -> None:
    """Take a claimed run through its due steps until it waits, ends or is lost."""
    called = None
    for _n in range(MAX_STEPS_AT_ONCE):
        now = clock()
        try:
            state = step_once(run_id, worker, now, called)
            if state == "call":
                called = _call(run_id, worker)
                state = "lost" if called is None else step_once(run_id, worker, clock(), called)
        except Exception:
            log.exception("scenario run %s failed a step", run_id)
            _failed(run_id, worker, now, traceback.format_exc(), result)
            return
        if state in ("next", "end"):
            result.steps += 1
        if state == "end":
            result.finished += 1
        if state != "next":
            return
    Run.objects.filter(pk=run_id, lease_owner=worker).update(
        lease_owner="", lease_until=None, attempts=0
    )


def run_due(
    *, budget: float = 50.0, batch: int = BATCH, worker: str = WORKER, clock: Any = timezone.now
) -> Progress:
    """Claim and advance due runs until none is due or `budget` seconds have passed."""
    result = Progress()
    started = time.monotonic()
    while time.monotonic() - started < budget:
        ids = claim(clock(), batch, worker)
        if not ids:
            break
        result.runs += len(ids)
        ended: set[int] = set()
        for _n in range(MAX_STEPS_AT_ONCE):  # simple steps, for many runs at once
            try:
                taken, finished = bulk.take(ids, worker, clock())
            except Exception:  # one by one then, where the failing run's error is kept
                log.exception("scenario runs %s…: simple steps at once failed", ids[:5])
                break
            result.steps += taken
            result.finished += len(finished)
            ended |= finished
            if not taken or len(ended) == len(ids):
                break
        for run_id in ids:
            if run_id not in ended:
                advance(run_id, worker=worker, result=result, clock=clock)
    return result
