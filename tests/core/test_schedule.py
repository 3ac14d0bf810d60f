"""Periodic jobs (core/schedule.py): declaring them, one run per slot, coalescing missed
slots, retries with backoff, taking over a run whose worker died, and `rapport jobs`.

The worker processes racing for real are in test_schedule_workers.py."""

import datetime as dt
import io
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone

from rapport.core import schedule
from rapport.core.models import JobRun
from rapport.core.schedule import JobContext, periodic

pytestmark = pytest.mark.django_db

UTC = dt.UTC
Status = JobRun.Status


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def registry(monkeypatch):
    """An empty job registry for the test, so only its own jobs are due."""
    jobs: dict[str, schedule.Job] = {}
    monkeypatch.setattr(schedule, "_registry", jobs)
    return jobs


@pytest.fixture
def calls(registry):
    """A job every minute that records each context it is called with and fails while
    `failures` still holds exceptions."""
    seen: list[JobContext] = []
    failures: list[Exception] = []

    @periodic(
        "test.minutely",
        every=dt.timedelta(minutes=1),
        max_attempts=3,
        backoff=dt.timedelta(seconds=30),
        takes_context=True,
    )
    def minutely(context: JobContext) -> dict[str, int]:
        seen.append(context)
        if failures:
            raise failures.pop(0)
        return {"calls": len(seen)}

    seen_failures = seen, failures
    return seen_failures


def runs() -> list[tuple]:
    fields = ("job", "slot", "status", "attempt", "skipped_slots")
    return list(JobRun.objects.order_by("pk").values_list(*fields))


def _run(slot: dt.datetime, status: str, **fields) -> JobRun:
    return JobRun.objects.create(job="test.minutely", slot=slot, status=status, **fields)


# --- declaring -------------------------------------------------------------------------------


def test_a_declared_job_is_listed_with_its_schedule_and_stays_a_plain_function(registry):
    @periodic("test.nightly", at="02:30", title="Nightly")
    def nightly() -> str:
        return "done"

    job = schedule.get("test.nightly")
    assert nightly() == "done"
    assert [j.name for j in schedule.jobs()] == ["test.nightly"]
    assert (job.at, job.every, job.max_attempts, job.title) == ((2, 30), None, 3, "Nightly")
    assert job.describe() == "daily at 02:30 (Europe/Vilnius)"


@pytest.mark.parametrize(
    ("every", "text"),
    [
        (dt.timedelta(minutes=1), "every minute"),
        (dt.timedelta(minutes=5), "every 5 minutes"),
        (dt.timedelta(hours=1), "every hour"),
        (dt.timedelta(days=2), "every 2 days"),
        (dt.timedelta(seconds=90), "every 90 seconds"),
    ],
)
def test_an_interval_is_described_in_its_largest_whole_unit(registry, every, text):
    periodic("test.job", every=every)(lambda: None)

    assert schedule.get("test.job").describe() == text


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("nodot", {"every": dt.timedelta(minutes=1)}, 'name it "app.what_it_does"'),
        ("test.both", {"every": dt.timedelta(minutes=1), "at": "02:00"}, "not both or neither"),
        ("test.neither", {}, "not both or neither"),
        ("test.late", {"at": "25:00"}, "'25:00' is not a time of day between 00:00 and 23:59"),
        ("test.fast", {"every": dt.timedelta(0)}, "at least one second"),
        ("test.never", {"every": dt.timedelta(minutes=1), "max_attempts": 0}, "at least 1"),
    ],
)
def test_a_bad_declaration_says_what_to_fix(registry, name, options, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        periodic(name, **options)


def test_two_functions_cannot_take_one_name(registry):
    periodic("test.job", every=dt.timedelta(minutes=1))(lambda: 1)

    with pytest.raises(ImproperlyConfigured, match="already taken"):

        @periodic("test.job", every=dt.timedelta(minutes=1))
        def other() -> None: ...


def test_an_unknown_job_is_named_with_the_known_ones(registry):
    periodic("test.job", every=dt.timedelta(minutes=1))(lambda: 1)

    with pytest.raises(LookupError) as raised:
        schedule.get("test.nope")

    assert str(raised.value) == "No job is called test.nope; the jobs are: test.job."


def test_the_apps_declare_their_jobs_when_django_starts():
    names = [job.name for job in schedule.jobs()]

    assert {"core.purge_expired", "api.purge_idempotency_keys"} <= set(names)


# --- one run per slot ------------------------------------------------------------------------


def test_a_due_slot_runs_once_however_often_workers_look(calls):
    seen, _ = calls

    first = schedule.tick(now=at(2026, 5, 4, 10, 0, 5), worker="a")
    again = schedule.tick(now=at(2026, 5, 4, 10, 0, 40), worker="b")
    next_slot = schedule.tick(now=at(2026, 5, 4, 10, 1, 2), worker="b")

    assert [r.status for r in first] == [Status.SUCCEEDED]
    assert again == []
    assert [r.worker for r in next_slot] == ["b"]
    assert runs() == [
        ("test.minutely", at(2026, 5, 4, 10, 0), Status.SUCCEEDED, 1, 0),
        ("test.minutely", at(2026, 5, 4, 10, 1), Status.SUCCEEDED, 1, 0),
    ]
    assert [(c.slot, c.attempt, c.manual) for c in seen] == [
        (at(2026, 5, 4, 10, 0), 1, False),
        (at(2026, 5, 4, 10, 1), 1, False),
    ]
    assert JobRun.objects.get(slot=at(2026, 5, 4, 10, 1)).result == {"calls": 2}


def test_a_worker_that_loses_the_insert_race_does_not_run_the_slot(calls):
    seen, _ = calls
    # another worker inserted the slot's row between this worker's look and its insert
    JobRun.objects.create(
        job="test.minutely", slot=at(2026, 5, 4, 10, 0), status=Status.SUCCEEDED, worker="a"
    )
    job = schedule.get("test.minutely")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(JobRun.objects, "filter", _filter_hiding_slot_rows())
        claimed = schedule._claim_slot(job, at(2026, 5, 4, 10, 0, 30), "b", {})

    assert claimed is None
    assert seen == []
    assert JobRun.objects.count() == 1


def _filter_hiding_slot_rows():
    """JobRun.objects.filter that finds no run, as a worker that looked a moment too early."""
    real = JobRun.objects.filter

    def filter(*args, **kwargs):
        return real(*args, **kwargs).none()

    return filter


def test_missed_slots_are_coalesced_into_one_run_that_counts_them(calls):
    seen, _ = calls
    schedule.tick(now=at(2026, 5, 4, 10, 0, 1))

    # nothing ran from 10:01 to 10:07; a worker comes back at 10:07:30
    late = schedule.tick(now=at(2026, 5, 4, 10, 7, 30))

    assert [(r.slot, r.skipped_slots) for r in late] == [(at(2026, 5, 4, 10, 7), 6)]
    assert [c.skipped_slots for c in seen] == [0, 6]
    assert JobRun.objects.count() == 2


def test_a_job_never_run_before_runs_for_the_current_slot_without_counting_the_past(calls):
    late = schedule.tick(now=at(2026, 5, 4, 23, 59, 59))

    assert [(r.slot, r.skipped_slots) for r in late] == [(at(2026, 5, 4, 23, 59), 0)]


def test_the_next_slot_waits_while_a_run_of_the_job_still_goes_on(calls):
    seen, _ = calls
    _run(
        at(2026, 5, 4, 10, 0),
        Status.RUNNING,
        worker="a",
        started_at=at(2026, 5, 4, 10, 0),
        lease_until=at(2026, 5, 4, 10, 2),
    )

    during = schedule.tick(now=at(2026, 5, 4, 10, 1, 30), worker="b")

    assert during == []
    assert seen == []


# --- retries -----------------------------------------------------------------------------------


def test_a_failing_job_is_retried_with_backoff_then_marked_failed(calls):
    seen, failures = calls
    failures.extend([RuntimeError("mailer down"), RuntimeError("still down"), KeyError("x")])
    start = at(2026, 5, 4, 10, 0, 0)

    first = schedule.tick(now=start)[0]
    too_early = schedule.tick(now=start + dt.timedelta(seconds=29))  # same slot, not yet due
    JobRun.objects.filter(pk=first.pk).update(retry_at=start + dt.timedelta(seconds=30))
    second = schedule.tick(now=start + dt.timedelta(seconds=30))[0]
    second_wait = second.retry_at - second.finished_at
    third = schedule.tick(now=second.retry_at)[0]

    assert (first.status, first.attempt, "mailer down" in first.error) == (
        Status.RETRYING,
        1,
        True,
    )
    assert first.retry_at - first.finished_at == dt.timedelta(seconds=30)
    assert too_early == []
    assert (second.pk, second.status, second.attempt) == (first.pk, Status.RETRYING, 2)
    assert second_wait == dt.timedelta(minutes=1)
    assert (third.pk, third.status, third.attempt, third.retry_at) == (
        first.pk,
        Status.FAILED,
        3,
        None,
    )
    assert third.error_line == "KeyError: 'x'"
    assert [c.attempt for c in seen] == [1, 2, 3]


def test_a_retry_that_succeeds_keeps_the_error_of_the_attempt_before(calls):
    _seen, failures = calls
    failures.append(RuntimeError("mailer down"))
    first = schedule.tick(now=at(2026, 5, 4, 10, 0, 0))[0]

    retried = schedule.tick(now=first.retry_at)[0]

    assert (retried.status, retried.attempt) == (Status.SUCCEEDED, 2)
    assert retried.error_line == "RuntimeError: mailer down"
    assert retried.result == {"calls": 2}


# --- a worker that died ------------------------------------------------------------------------


def test_a_run_whose_worker_died_is_taken_over_once_its_lease_ran_out(calls):
    seen, _ = calls
    dead = _run(
        at(2026, 5, 4, 10, 0),
        Status.RUNNING,
        attempt=1,
        worker="dead:1",
        started_at=at(2026, 5, 4, 10, 0, 1),
        lease_until=at(2026, 5, 4, 10, 1, 1),
    )

    while_leased = schedule.tick(now=at(2026, 5, 4, 10, 1, 0), worker="b")
    after = schedule.tick(now=at(2026, 5, 4, 10, 1, 2), worker="b")

    assert while_leased == []
    taken = next(r for r in after if r.pk == dead.pk)
    assert (taken.status, taken.attempt, taken.interrupted, taken.worker) == (
        Status.SUCCEEDED,
        2,
        1,
        "b",
    )
    assert (seen[0].slot, seen[0].attempt) == (at(2026, 5, 4, 10, 0), 2)


def test_a_run_cut_off_at_its_last_attempt_is_failed_not_retried(calls):
    seen, _ = calls
    dead = _run(
        at(2026, 5, 4, 10, 0),
        Status.RUNNING,
        attempt=3,
        worker="dead:1",
        lease_until=at(2026, 5, 4, 10, 1),
    )

    schedule.tick(now=at(2026, 5, 4, 10, 1, 30), worker="b")

    dead.refresh_from_db()
    assert (dead.status, dead.attempt, dead.interrupted) == (Status.FAILED, 3, 1)
    assert [c.slot for c in seen] == [at(2026, 5, 4, 10, 1)]  # only the next slot ran


def test_two_workers_taking_over_one_run_cannot_both_get_it(calls):
    _run(
        at(2026, 5, 4, 10, 0),
        Status.RETRYING,
        attempt=1,
        retry_at=at(2026, 5, 4, 10, 0, 30),
    )
    stale_read = JobRun.objects.get()
    job = schedule.get("test.minutely")
    now = at(2026, 5, 4, 10, 0, 31)

    first = schedule._take_over(stale_read, job, now, "a")
    second = schedule._take_over(stale_read, job, now, "b")  # read the row before "a" took it

    assert (first.worker, first.attempt) == ("a", 2)
    assert second is None


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_the_lease_of_its_own_attempt_only(calls, settings):
    settings.RAPPORT_JOB_LEASE = 0.3  # seconds: a beat every 0.1 s
    mine = JobRun.objects.create(
        job="test.minutely", slot=at(2026, 5, 4, 10, 0), status=Status.RUNNING, worker="a",
        lease_until=at(2026, 5, 4, 10, 1),
    )  # fmt: skip
    taken_over = JobRun.objects.create(
        job="test.minutely", slot=at(2026, 5, 4, 10, 1), status=Status.RUNNING, worker="b",
        attempt=2, lease_until=at(2026, 5, 4, 10, 2),
    )  # fmt: skip
    beats = [schedule._Heartbeat(mine, "a"), schedule._Heartbeat(taken_over, "a")]
    beats[1].attempt = 1  # the attempt worker "a" held before "b" took the run over

    for beat in beats:
        beat.start()
    time.sleep(0.5)
    for beat in beats:
        beat.done.set()
        beat.join(timeout=5)

    mine.refresh_from_db()
    taken_over.refresh_from_db()
    assert mine.lease_until > timezone.now()
    assert taken_over.lease_until == at(2026, 5, 4, 10, 2)


# --- by hand -----------------------------------------------------------------------------------


def test_run_now_runs_a_job_once_outside_its_schedule(calls):
    seen, failures = calls
    failures.append(RuntimeError("boom"))

    failed = schedule.run_now("test.minutely")
    succeeded = schedule.run_now("test.minutely")

    assert (failed.manual, failed.status, failed.attempt) == (True, Status.FAILED, 1)
    assert (succeeded.status, succeeded.result) == (Status.SUCCEEDED, {"calls": 2})
    assert [c.manual for c in seen] == [True, True]


def test_a_requested_run_waits_for_the_next_worker_and_is_not_requested_twice(calls):
    seen, _ = calls
    queued = schedule.request_run(name="test.minutely")

    with pytest.raises(ValueError, match="already running or waiting"):
        schedule.request_run(name="test.minutely")
    ran = schedule.tick(worker="b")

    queued.refresh_from_db()
    assert (queued.status, queued.attempt, queued.manual, queued.worker) == (
        Status.SUCCEEDED,
        1,
        True,
        "b",
    )
    assert sum(c.manual for c in seen) == 1
    assert queued.pk in [r.pk for r in ran]


# --- state ---------------------------------------------------------------------------------


def test_state_shows_last_run_last_error_and_the_next_slot(calls):
    _run(at(2026, 5, 4, 9, 59), Status.SUCCEEDED, error="Traceback …\nRuntimeError: down")
    _run(at(2026, 5, 4, 10, 0), Status.SUCCEEDED, started_at=at(2026, 5, 4, 10, 0, 1))

    [state] = schedule.states(now=at(2026, 5, 4, 10, 0, 50))

    assert (state.last.slot, state.last_error.error_line) == (
        at(2026, 5, 4, 10, 0),
        "RuntimeError: down",
    )
    assert (state.next_at, state.overdue) == (at(2026, 5, 4, 10, 1), False)


def test_state_of_a_job_whose_slots_nobody_took_is_overdue_since_the_first_missed(calls):
    _run(at(2026, 5, 4, 10, 0), Status.SUCCEEDED)

    [soon] = schedule.states(now=at(2026, 5, 4, 10, 2, 30))
    [late] = schedule.states(now=at(2026, 5, 4, 10, 5))

    assert (soon.next_at, soon.overdue) == (at(2026, 5, 4, 10, 1), False)
    assert (late.next_at, late.overdue) == (at(2026, 5, 4, 10, 1), True)


def test_state_of_a_retrying_running_or_new_job(calls):
    [new] = schedule.states(now=at(2026, 5, 4, 10, 0, 30))
    retrying = _run(at(2026, 5, 4, 10, 0), Status.RETRYING, retry_at=at(2026, 5, 4, 10, 0, 40))
    [waiting] = schedule.states(now=at(2026, 5, 4, 10, 0, 35))
    JobRun.objects.filter(pk=retrying.pk).update(status=Status.RUNNING, retry_at=None)
    [running] = schedule.states(now=at(2026, 5, 4, 10, 0, 45))

    assert (new.last, new.next_at) == (None, at(2026, 5, 4, 10, 0))
    assert waiting.next_at == at(2026, 5, 4, 10, 0, 40)
    assert running.next_at is None


# --- core's own job ------------------------------------------------------------------------


def test_purge_expired_removes_old_windows_events_and_runs_and_keeps_recent_ones():
    from rapport.core.jobs import purge_expired
    from rapport.core.models import RateLimitBucket, ThrottleEvent

    now = timezone.now()
    RateLimitBucket.objects.create(key="k", window_start=now - dt.timedelta(days=2), hits=1)
    RateLimitBucket.objects.create(key="k", window_start=now - dt.timedelta(hours=1), hits=1)
    ThrottleEvent.objects.create(key="k", at=now - dt.timedelta(days=40))
    ThrottleEvent.objects.create(key="k", at=now - dt.timedelta(days=1))
    old = now - dt.timedelta(days=10)
    for n, (status, error) in enumerate(
        [(Status.SUCCEEDED, ""), (Status.FAILED, "Boom"), (Status.SUCCEEDED, "Boom")]
    ):
        JobRun.objects.create(
            job="x.y", slot=old + dt.timedelta(minutes=n), status=status, error=error,
            finished_at=old,
        )  # fmt: skip
    JobRun.objects.create(job="x.y", slot=now, status=Status.SUCCEEDED, finished_at=now)

    result = purge_expired()

    assert result == {
        "abandoned_uploads": 0,
        "rate_limit_windows": 1,
        "throttle_events": 1,
        "job_runs": 1,
    }
    assert RateLimitBucket.objects.count() == 1
    assert ThrottleEvent.objects.count() == 1
    assert sorted(JobRun.objects.values_list("error", flat=True)) == ["", "Boom", "Boom"]


# --- rapport jobs ----------------------------------------------------------------------------


def test_jobs_command_lists_runs_and_runs_one(calls):
    _seen, failures = calls
    out = io.StringIO()

    call_command("jobs", "run", "test.minutely", stdout=out)
    failures.append(RuntimeError("mailer down"))
    with pytest.raises(CommandError, match=r"The job failed\."):
        call_command("jobs", "run", "test.minutely", stdout=out)
    call_command("jobs", stdout=out)

    text = out.getvalue()
    assert "test.minutely [" in text
    assert "Succeeded {'calls': 1}" in text
    assert "RuntimeError: mailer down" in text
    assert "test.minutely  every minute" in text
    assert ", Failed, attempt 1" in text.split("last run: ")[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["run"], "Name the job to run"), (["run", "test.nope"], "No job is called test.nope")],
)
def test_jobs_command_refuses_a_missing_or_unknown_name(calls, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("jobs", *args)
