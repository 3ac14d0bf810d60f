"""Periodic jobs with real `rapport worker` processes on one database (SQLite file or the
PostgreSQL server the suite runs on): two workers racing for the same slots run each once,
and a run whose worker is killed is taken over by another after its lease."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.core.subprocess_env import rapport_env, run_python, run_rapport

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LEASE = 1.5  # seconds: a killed worker's run is taken over this soon
WORKER = f"""
import sys
from django.conf import settings
settings.RAPPORT_JOB_TICK = 0.1
settings.RAPPORT_JOB_LEASE = {LEASE}
import tests.core.worker_jobs
from django.core.management import call_command
call_command("worker", "--no-startup-delay", "--interval", "0.5", verbosity=0)
"""


def _postgres_url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The environment of children sharing one migrated database of the suite's kind."""
    home = tmp_path_factory.mktemp("jobs")
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        env = rapport_env(home, PYTHONPATH=f"{ROOT / 'src'}:{ROOT}")
        assert run_rapport("migrate", "--no-input", env=env).returncode == 0
        yield env
        return
    import psycopg

    name = f"rapport_jobs_test_{os.getpid()}"
    admin = psycopg.connect(_postgres_url("postgres"), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = rapport_env(
            home, PYTHONPATH=f"{ROOT / 'src'}:{ROOT}", DATABASE_URL=_postgres_url(name)
        )
        result = run_rapport("migrate", "--no-input", env=env, timeout=300)
        assert result.returncode == 0, result.stderr
        yield env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _start_worker(env: dict[str, str]) -> subprocess.Popen:
    prelude = (
        "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'rapport.settings');"
        "import django; django.setup()\n"
    )
    return subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-c", prelude + WORKER],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _stop(*workers: subprocess.Popen) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _wait_for(predicate, timeout: float, what: str, workers: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            _stop(*workers)
            output = [w.stdout.read().decode() for w in workers if w.stdout]
            raise AssertionError(f"timed out waiting for {what}: {output}")
        time.sleep(0.1)


def _runs(env: dict[str, str], job: str) -> list[dict]:
    code = (
        "import json\nfrom rapport.core.models import JobRun\n"
        f"rows = JobRun.objects.filter(job={job!r}).order_by('slot').values("
        "'slot', 'status', 'attempt', 'interrupted', 'skipped_slots', 'worker')\n"
        "print(json.dumps(list(rows), default=str))"
    )
    return json.loads(run_python(code, env=env))


def _lines(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


def test_two_workers_racing_run_each_slot_once_and_cover_every_second(database, tmp_path):
    log = tmp_path / "race.log"
    env = {**database, "RAPPORT_TEST_JOBS": "race", "RAPPORT_TEST_JOB_LOG": str(log)}
    workers = [_start_worker(env), _start_worker(env)]
    try:
        _wait_for(lambda: len(_lines(log)) >= 6, 60, "six runs", workers)
    finally:
        _stop(*workers)

    ran = _lines(log)  # [slot, skipped slots, pid] per run
    slots = [dt.datetime.fromisoformat(slot) for slot, _skipped, _pid in ran]
    rows = _runs(env, "test.race")
    # no slot ran twice, and every second from the first slot to the last was run or
    # counted as skipped by the run after it
    assert len(slots) == len(set(slots))
    assert sum(1 + int(skipped) for _slot, skipped, _pid in ran[1:]) == (
        (max(slots) - min(slots)).total_seconds()
    )
    assert {int(pid) for _slot, _skipped, pid in ran} <= {w.pid for w in workers}
    assert sorted(dt.datetime.fromisoformat(r["slot"]) for r in rows) == sorted(slots)
    assert {r["status"] for r in rows} == {"succeeded"}


def test_a_run_whose_worker_is_killed_is_taken_over_after_its_lease(database, tmp_path):
    log = tmp_path / "crash.log"
    env = {**database, "RAPPORT_TEST_JOBS": "crash", "RAPPORT_TEST_JOB_LOG": str(log)}
    first = _start_worker(env)
    _wait_for(lambda: len(_lines(log)) == 1, 60, "the first attempt to start", [first])
    slot = _lines(log)[0][2]
    # The job is hourly: when the test spans the top of the hour, the next slot's run starts
    # too (seen in CI). Only the killed slot's lines are judged.
    lines = lambda: [line for line in _lines(log) if line[2] == slot]  # noqa: E731

    first.kill()  # SIGKILL: no chance to record anything
    first.wait()
    second = _start_worker(env)
    try:
        _wait_for(lambda: len(lines()) == 3, 60, "the second attempt to finish", [second])
        # the job writes "done" before its worker commits the run's end: wait for that too
        # (stopping the worker at once left the run "running" on a loaded machine)
        ended = lambda: _runs(env, "test.crash")[0]["status"] != "running"  # noqa: E731
        _wait_for(ended, 60, "the run's end", [second])
    finally:
        _stop(second)

    assert lines() == [
        ["start", "1", slot, str(first.pid)],
        ["start", "2", slot, str(second.pid)],
        ["done", "2", slot, str(second.pid)],
    ]
    run = _runs(env, "test.crash")[0]  # the killed slot's, the first
    assert (run["status"], run["attempt"], run["interrupted"]) == ("succeeded", 2, 1)
    assert run["worker"].endswith(f":{second.pid}")


def test_a_stopping_worker_lets_its_running_job_finish(database, tmp_path):
    """SIGTERM (a deploy's restart) mid-job: the job ends and its run is recorded, so no
    worker runs it again after the lease."""
    log = tmp_path / "slow.log"
    env = {**database, "RAPPORT_TEST_JOBS": "slow", "RAPPORT_TEST_JOB_LOG": str(log)}
    worker = _start_worker(env)
    _wait_for(lambda: len(_lines(log)) == 1, 60, "the job to start", [worker])

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0

    assert _lines(log) == [["start", "1", str(worker.pid)], ["done", "1", str(worker.pid)]]
    [run] = _runs(env, "test.slow")
    assert (run["status"], run["attempt"], run["interrupted"]) == ("succeeded", 1, 0)
