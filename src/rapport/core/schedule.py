"""Periodic jobs: declared in code, run by every `rapport worker`, once per time slot.

Declaring a job (in the app's `jobs.py`, imported from its `AppConfig.ready()`)::

    from datetime import timedelta
    from django.utils.translation import gettext_lazy as _
    from rapport.core.schedule import periodic

    @periodic("activities.deliver_reminders", every=timedelta(minutes=1),
              title=_("Deliver due reminders"))
    def deliver_reminders() -> dict[str, int]:
        ...  # idempotent: re-reads what is due; may be run late, or again after a crash
        return {"sent": 12}  # optional: shown on the jobs page

    @periodic("analytics.refresh", at="02:30", max_attempts=5, backoff=timedelta(minutes=5),
              takes_context=True)
    def refresh(context: JobContext) -> None:
        ...  # context.slot (the slot's start, UTC), .attempt, .skipped_slots, .manual

`every=` slots are aligned on the Unix epoch (every 5 minutes = :00, :05 …); `at="HH:MM"` is
daily at that time in the site's zone (settings.TIME_ZONE), correct across daylight-saving
changes (core/slots.py says how a missing or repeated local time is resolved).

Guarantees:

- **One run per job × slot**, however many workers on however many machines: a worker
  that finds a slot due INSERTs a `JobRun` row unique on (job, slot); only the first insert
  lands (an IntegrityError tells the others someone has it). This holds on SQLite and on
  PostgreSQL alike, with no lock server.
- **Missed slots are coalesced**: after a stop, a job runs once, for the latest slot, and the
  row records how many slots it covers (`skipped_slots`). A job never seen before runs for the
  current slot straight away. The next slot of a job waits while a run of it is still
  running, so runs of one job do not overlap; the slots it waited through are coalesced.
- **Retries with exponential backoff**: a job that raises is tried again after `backoff`,
  then twice that, … (at most an hour apart, core/slots.py) until `max_attempts`; then the
  run is `failed`, with its traceback on the jobs page (`/jobs/`) and in `rapport jobs`.
- **A dead worker does not block a slot**: the worker running a job holds a lease on its row
  (LEASE, renewed every third of it while the job runs); a run whose lease ran out is taken
  over by another worker as its next attempt (counted as `interrupted`). A job that hangs
  without dying keeps its lease: the page shows it running since when.

Jobs therefore run *at least once* per slot when a worker dies mid-run: write them
idempotent (re-read state, use unique rows for what they send) as any task.

Where they run: `rapport worker` (and the worker `rapport serve` starts on SQLite) runs a
scheduler thread beside its task loop that looks for due slots every TICK seconds and runs up
to THREADS jobs at once in threads of its own. Jobs run there rather than as django.tasks
tasks because the row already is the claim, the lease and the retry state: enqueuing would
add a second record of the same run, and django-tasks-db has no recovery for a task whose
worker died (the task stays RUNNING), which the lease gives for free.

Why not a library (checked 2026 on PyPI/GitHub): django-tasks has no periodic tasks yet
(RealOrangeOne/django-tasks#259 is open); django-crontask runs one APScheduler process and
needs Redis to keep a second one from running (no database lock; its lock does not survive a
crashed holder, codingjoe/django-crontask#46); django-tasks-scheduler needs Redis/Valkey;
django-q2's scheduler had duplicate runs across clusters (Koed00/django-q#231) and brings its
own worker beside ours; procrastinate needs PostgreSQL (no SQLite); APScheduler 4, whose
shared data stores would fit, is a pre-release "not for production"; django-periodic-tasks
(0.2, one schedule row with SELECT FOR UPDATE, a no-op on SQLite) has no retries with
backoff, no slot rows and holds a transaction open for the whole job on its exactly-once path,
which on SQLite would stop every other writer for that long.

Testing a job: the decorator returns the function unchanged, so call it directly. To test
it through the machinery, `run_now("app.name")` runs it once in the calling thread and
returns its JobRun; `tick(now=...)` runs whatever is due at `now` as a worker would.
"""

import datetime as dt
import json
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.core.models import JobRun
from rapport.core.slots import DailyAt, Every, Schedule, parse_time_of_day, retry_delay

log = logging.getLogger(__name__)

DEFAULT_LEASE = dt.timedelta(seconds=60)
DEFAULT_TICK = 5.0  # seconds between two looks for due slots
DEFAULT_THREADS = 2  # jobs one worker runs at once: a long nightly job leaves room for others
MAX_ERROR_CHARS = 20_000
# A due slot nobody took for this long means no worker is running (a worker looks every TICK).
OVERDUE_AFTER = dt.timedelta(minutes=2)
Status = JobRun.Status


def lease() -> dt.timedelta:
    """How long a run stays a worker's without news from it (settings.RAPPORT_JOB_LEASE)."""
    return dt.timedelta(seconds=getattr(settings, "RAPPORT_JOB_LEASE", DEFAULT_LEASE.seconds))


@dataclass(frozen=True)
class JobContext:
    """What a job declared with `takes_context=True` is told about its run."""

    name: str
    slot: dt.datetime  # the start of the slot this run is for (UTC); manual: when asked
    attempt: int
    skipped_slots: int  # earlier slots that passed while nothing ran, covered by this run
    manual: bool


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[..., Any] = field(compare=False)
    title: str | Promise
    every: dt.timedelta | None
    at: tuple[int, int] | None
    max_attempts: int
    backoff: dt.timedelta
    takes_context: bool

    def schedule(self) -> Schedule:
        if self.every is not None:
            return Every(self.every)
        assert self.at is not None
        return DailyAt(*self.at, zone=ZoneInfo(settings.TIME_ZONE))

    def describe(self) -> str:
        """The schedule in the reader's language: "every 5 minutes", "daily at 02:30 (…)"."""
        if self.at is not None:
            return _("daily at %(time)s (%(zone)s)") % {
                "time": f"{self.at[0]:02d}:{self.at[1]:02d}",
                "zone": settings.TIME_ZONE,
            }
        assert self.every is not None
        seconds = int(self.every.total_seconds())
        for unit, words in (
            (86400, lambda n: ngettext("every day", "every %(n)d days", n)),
            (3600, lambda n: ngettext("every hour", "every %(n)d hours", n)),
            (60, lambda n: ngettext("every minute", "every %(n)d minutes", n)),
            (1, lambda n: ngettext("every second", "every %(n)d seconds", n)),
        ):
            if seconds % unit == 0:
                count = seconds // unit
                return words(count) % {"n": count}
        raise AssertionError("unreachable: every interval is a whole number of seconds")

    def call(self, run: JobRun) -> Any:
        if not self.takes_context:
            return self.func()
        return self.func(
            JobContext(
                name=self.name,
                slot=run.slot,
                attempt=run.attempt,
                skipped_slots=run.skipped_slots,
                manual=run.manual,
            )
        )


_registry: dict[str, Job] = {}


def periodic[F: Callable[..., Any]](
    name: str,
    *,
    every: dt.timedelta | None = None,
    at: str | None = None,
    title: str | Promise = "",
    max_attempts: int = 3,
    backoff: dt.timedelta = dt.timedelta(minutes=1),
    takes_context: bool = False,
) -> Callable[[F], F]:
    """Declare `func` as the periodic job `name` ("app.what_it_does"); see the module."""

    def problem(message: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"@periodic({name!r}): {message}")

    if not name or len(name) > 100 or "." not in name:
        raise problem('name it "app.what_it_does" (up to 100 characters)')
    if (every is None) == (at is None):
        raise problem('give either every=timedelta(...) or at="HH:MM", not both or neither')
    try:
        time_of_day = parse_time_of_day(at) if at is not None else None
        if every is not None:
            Every(every)
    except ValueError as exc:
        raise problem(str(exc)) from exc
    if max_attempts < 1:
        raise problem("max_attempts must be at least 1")
    if backoff < dt.timedelta(0):
        raise problem("backoff cannot be negative")

    def register(func: F) -> F:
        job = Job(
            name=name,
            func=func,
            title=title,
            every=every,
            at=time_of_day,
            max_attempts=max_attempts,
            backoff=backoff,
            takes_context=takes_context,
        )
        known = _registry.get(name)
        if known is not None and _origin(known.func) != _origin(func):
            raise problem(f"the name is already taken by {_origin(known.func)}")
        _registry[name] = job
        return func

    return register


def _origin(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def jobs() -> list[Job]:
    """Every declared job, by name."""
    return [_registry[name] for name in sorted(_registry)]


def get(name: str) -> Job:
    """The job declared as `name`; LookupError naming the known ones otherwise."""
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(
            _("No job is called %(name)s; the jobs are: %(names)s.")
            % {"name": name, "names": ", ".join(sorted(_registry)) or "—"}
        ) from None


def forget(name: str) -> None:
    """Remove a declared job (for tests that declare their own)."""
    _registry.pop(name, None)


def worker_name() -> str:
    """Who holds a lease, as shown on the jobs page: host and process."""
    return f"{socket.gethostname()[:50]}:{os.getpid()}"


# --- claiming -------------------------------------------------------------------------------


def _claim_slot(
    job: Job, now: dt.datetime, worker: str, known: dict[str, dt.datetime]
) -> JobRun | None:
    """The new run of `job`'s current slot if this worker got it, else None."""
    schedule = job.schedule()
    slot = schedule.slot_at(now)
    if known.get(job.name) == slot:
        return None
    runs = JobRun.objects.filter(job=job.name)
    if runs.filter(slot=slot, manual=False).exists():
        known[job.name] = slot
        return None
    if runs.filter(status=Status.RUNNING, lease_until__gt=now).exists():
        return None  # the previous run still goes on: this slot is coalesced into a later one
    previous = (
        runs.filter(manual=False, slot__lt=slot).order_by("-slot").values_list("slot", flat=True)
    ).first()
    skipped = schedule.count_between(previous, slot) - 1 if previous else 0
    run: JobRun | None
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                job=job.name,
                slot=slot,
                status=Status.RUNNING,
                attempt=1,
                skipped_slots=max(0, skipped),
                started_at=now,
                worker=worker,
                lease_until=now + lease(),
            )
    except IntegrityError:  # another worker inserted it first: the slot is theirs
        run = None
    known[job.name] = slot
    return run


def _take_over(run: JobRun, job: Job, now: dt.datetime, worker: str) -> JobRun | None:
    """Start the next attempt of a run waiting for one, or whose worker stopped.

    The UPDATE only matches the row as this worker read it (status and attempt), so when two
    workers try, one changes it and the other changes nothing."""
    current = JobRun.objects.filter(pk=run.pk, status=run.status, attempt=run.attempt)
    lost = run.status == Status.RUNNING
    if lost:
        current = current.filter(lease_until__lt=now)
        if run.attempt >= (1 if run.manual else job.max_attempts):
            current.update(
                status=Status.FAILED,
                interrupted=F("interrupted") + 1,
                finished_at=now,
                lease_until=None,
            )
            return None
    else:
        current = current.filter(retry_at__lte=now)
    changed = current.update(
        status=Status.RUNNING,
        attempt=F("attempt") + 1,
        interrupted=F("interrupted") + int(lost),
        started_at=now,
        finished_at=None,
        worker=worker,
        lease_until=now + lease(),
        retry_at=None,
    )
    return JobRun.objects.get(pk=run.pk) if changed else None


def claim_due(
    *,
    now: dt.datetime,
    worker: str,
    limit: int,
    known: dict[str, dt.datetime] | None = None,
) -> list[tuple[JobRun, Job]]:
    """Claim up to `limit` runs due at `now`: retries and take-overs first, then new slots.

    `known` remembers, between calls of one worker, the slots already seen taken."""
    known = {} if known is None else known
    claimed: list[tuple[JobRun, Job]] = []
    if limit <= 0:
        return claimed
    waiting = JobRun.objects.filter(
        Q(status__in=[Status.RETRYING, Status.QUEUED], retry_at__lte=now)
        | Q(status=Status.RUNNING, lease_until__lt=now),
        job__in=list(_registry),
    ).order_by("slot", "pk")
    for run in waiting[: limit * 2]:
        job = _registry[run.job]
        taken = _take_over(run, job, now, worker)
        if taken is not None:
            claimed.append((taken, job))
            if len(claimed) >= limit:
                return claimed
    for job in jobs():
        new = _claim_slot(job, now, worker, known)
        if new is not None:
            claimed.append((new, job))
            if len(claimed) >= limit:
                break
    return claimed


# --- running --------------------------------------------------------------------------------


class _Heartbeat(threading.Thread):
    """Renews the lease of one run every third of the lease while its job runs."""

    def __init__(self, run: JobRun, worker: str) -> None:
        super().__init__(name=f"rapport-lease-{run.pk}", daemon=True)
        self.run_id, self.worker, self.attempt = run.pk, worker, run.attempt
        self.done = threading.Event()

    def run(self) -> None:
        try:
            while not self.done.wait(lease().total_seconds() / 3):
                try:
                    JobRun.objects.filter(
                        pk=self.run_id,
                        worker=self.worker,
                        attempt=self.attempt,
                        status=Status.RUNNING,
                    ).update(lease_until=timezone.now() + lease())
                except Exception:  # the database is busy or away: try again next beat
                    log.warning("could not renew the lease of job run %s", self.run_id)
        finally:
            connections.close_all()


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    try:
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    except (TypeError, ValueError):
        return repr(value)[:1000]


def execute(run: JobRun, job: Job, worker: str) -> JobRun:
    """Run one claimed attempt of `job` and record how it ended; returns the row as saved.

    Only the holder of this attempt writes the outcome (a worker whose lease was taken over
    meanwhile writes nothing)."""
    heartbeat = _Heartbeat(run, worker)
    heartbeat.start()
    mine = JobRun.objects.filter(
        pk=run.pk, worker=worker, attempt=run.attempt, status=Status.RUNNING
    )
    try:
        result = job.call(run)
    except Exception:
        log.exception("job %s (slot %s, attempt %s) failed", job.name, run.slot, run.attempt)
        now = timezone.now()
        error = traceback.format_exc()[-MAX_ERROR_CHARS:]
        if run.attempt < (1 if run.manual else job.max_attempts):
            retry_at = now + retry_delay(job.backoff, run.attempt)
            changed = mine.update(
                status=Status.RETRYING, retry_at=retry_at, finished_at=now, error=error,
                lease_until=None,
            )  # fmt: skip
        else:
            changed = mine.update(
                status=Status.FAILED, finished_at=now, error=error, lease_until=None
            )
    else:
        changed = mine.update(
            status=Status.SUCCEEDED,
            finished_at=timezone.now(),
            result=_jsonable(result),
            lease_until=None,
        )
    finally:
        heartbeat.done.set()
    if not changed:
        log.warning("job %s lost its lease on run %s before it finished", job.name, run.pk)
    return JobRun.objects.get(pk=run.pk)


def tick(*, now: dt.datetime | None = None, worker: str | None = None) -> list[JobRun]:
    """Run, one after the other in this thread, every run due at `now` (default: now)."""
    worker = worker or worker_name()
    claimed = claim_due(now=now or timezone.now(), worker=worker, limit=len(_registry) * 2)
    return [execute(run, job, worker) for run, job in claimed]


def run_now(name: str, *, worker: str | None = None) -> JobRun:
    """Run job `name` once now in this thread, outside its schedule (one attempt)."""
    job = get(name)
    worker = worker or worker_name()
    now = timezone.now()
    run = JobRun.objects.create(
        job=job.name,
        slot=now,
        manual=True,
        status=Status.RUNNING,
        started_at=now,
        worker=worker,
        lease_until=now + lease(),
    )
    return execute(run, job, worker)


def request_run(*, name: str) -> JobRun:
    """Queue a run of job `name` for the next worker that looks (the jobs page's "Run now").

    ValueError when one is already waiting or running."""
    job = get(name)
    now = timezone.now()
    busy = JobRun.objects.filter(job=job.name).filter(
        Q(status=Status.QUEUED) | Q(status=Status.RUNNING, lease_until__gt=now)
    )
    if busy.exists():
        raise ValueError(_("This job is already running or waiting to start."))
    return JobRun.objects.create(
        job=job.name, slot=now, manual=True, status=Status.QUEUED, attempt=0, retry_at=now
    )


# --- the worker's scheduler thread ----------------------------------------------------------


class Scheduler(threading.Thread):
    """Looks for due runs every `tick` seconds and runs each in a thread of its own, at most
    `threads` at once. Started by `rapport worker`, which on SIGTERM or Ctrl+C lets the
    running jobs finish (`drain`, up to RAPPORT_JOB_GRACE seconds) before it exits; a job cut
    off beyond that, or by SIGKILL, is retried by a worker once its lease runs out."""

    def __init__(
        self,
        *,
        worker: str | None = None,
        tick: float | None = None,
        threads: int | None = None,
    ) -> None:
        super().__init__(name="rapport-scheduler", daemon=True)
        self.worker = worker or worker_name()
        self.tick = tick or float(getattr(settings, "RAPPORT_JOB_TICK", DEFAULT_TICK))
        self.threads = threads or int(getattr(settings, "RAPPORT_JOB_THREADS", DEFAULT_THREADS))
        self.stopping = threading.Event()
        self._busy = 0
        self._lock = threading.Lock()
        self._known: dict[str, dt.datetime] = {}

    def run(self) -> None:
        log.info("scheduler %s: %d jobs, every %.1f s", self.worker, len(_registry), self.tick)
        try:
            while not self.stopping.is_set():
                try:
                    close_old_connections()
                    self.look()
                except Exception:  # the database is locked or away: look again next tick
                    log.exception("scheduler %s could not look for due jobs", self.worker)
                self.stopping.wait(self.tick)
        finally:
            connections.close_all()

    def look(self) -> None:
        with self._lock:
            free = self.threads - self._busy
        for run, job in claim_due(
            now=timezone.now(), worker=self.worker, limit=free, known=self._known
        ):
            with self._lock:
                self._busy += 1
            threading.Thread(
                target=self._execute, args=(run, job), name=f"rapport-job-{job.name}", daemon=True
            ).start()

    def _execute(self, run: JobRun, job: Job) -> None:
        try:
            execute(run, job, self.worker)
        except Exception:  # recording the outcome failed: the lease brings the run back
            log.exception("job %s: could not record the outcome of run %s", job.name, run.pk)
        finally:
            connections.close_all()
            with self._lock:
                self._busy -= 1

    def stop(self) -> None:
        self.stopping.set()

    def drain(self, grace: float) -> bool:
        """Stop taking runs and wait up to `grace` seconds for the running ones to record
        their end (a deploy's restart should not leave a finished job to be run again once
        its lease runs out). True when none is left running."""
        self.stop()
        deadline = time.monotonic() + grace
        while True:
            with self._lock:
                busy = self._busy
            if not busy:
                return True
            if time.monotonic() >= deadline:
                log.warning("scheduler %s: %d job(s) still running at exit", self.worker, busy)
                return False
            time.sleep(0.05)


# --- what the jobs page and `rapport jobs` show ---------------------------------------------


@dataclass(frozen=True)
class JobState:
    job: Job
    last: JobRun | None  # the latest run, scheduled or by hand
    last_error: JobRun | None  # the latest run that failed or was interrupted
    next_at: dt.datetime | None  # when it runs next (a past time: overdue)
    overdue: bool  # a slot is due and no worker has taken it


def states(*, now: dt.datetime | None = None) -> list[JobState]:
    now = now or timezone.now()
    found = []
    for job in jobs():
        runs = JobRun.objects.filter(job=job.name)
        last = runs.order_by("-pk").first()
        last_error = runs.exclude(error="", interrupted=0).order_by("-pk").first()
        schedule = job.schedule()
        current = schedule.slot_at(now)
        last_slot = runs.filter(manual=False).order_by("-slot").values_list("slot", flat=True)
        latest = last_slot.first()
        next_at: dt.datetime | None
        if last is not None and last.status in {Status.RETRYING, Status.QUEUED}:
            next_at = last.retry_at
        elif last is not None and last.status == Status.RUNNING:
            next_at = None
        elif latest is None:
            next_at = current  # never ran: due now
        elif latest >= current:
            next_at = schedule.next_after(current)
        else:  # slots were missed since `latest`: due since the first of them
            next_at = schedule.next_after(latest)
        overdue = next_at is not None and now - next_at > OVERDUE_AFTER
        found.append(JobState(job, last, last_error, next_at, overdue))
    return found
