"""Reminders delivered exactly once by real processes on one database (the suite's kind):
two `rapport worker` processes racing, two dispatchers started at the same instant, and a
worker killed with SIGKILL in the middle of a dispatch and another started after it."""

import json
import signal
import subprocess
import sys
import time

import pytest

from tests.core.subprocess_env import run_python
from tests.core.test_schedule_workers import ROOT, _stop, _wait_for, database  # noqa: F401

pytestmark = pytest.mark.slow

WORKER = """
import datetime as dt
from django.conf import settings
settings.RAPPORT_JOB_TICK = 0.1
settings.RAPPORT_JOB_LEASE = 1.5
import os
from rapport.activities.jobs import deliver_reminders
from rapport.activities.services import reminders
# smaller chunks (more commits) so that the kill test can catch a dispatch part-way
reminders.CHUNK = int(os.environ.get("TEST_REMINDER_CHUNK", reminders.CHUNK))
from rapport.core.schedule import periodic
# the real job runs each minute; the test's children run the same function every second
periodic("test.deliver_reminders", every=dt.timedelta(seconds=1))(deliver_reminders)
from django.core.management import call_command
call_command("worker", "--no-startup-delay", "--interval", "0.5", verbosity=0)
"""
PRELUDE = (
    "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'rapport.settings');"
    "import django; django.setup()\n"
)


def _plan(env: dict[str, str], n: int) -> None:
    """A clean slate, then `n` calls whose one reminder came due a minute ago."""
    run_python(
        f"""
import datetime as dt
from itertools import batched
from django.utils import timezone
from rapport.accounts.models import User
from rapport.activities.models import Activity, ActivityReminder, ReminderDelivery
from rapport.core.models import JobRun, Notification
Notification.objects.all().delete(); Activity.objects.all().delete(); JobRun.objects.all().delete()
user = User.objects.filter(username="worker-test").first() or User.objects.create_user(
    "worker-test", password="x")
now = timezone.now()
for chunk in batched(range({n}), 2000):
    made = Activity.objects.bulk_create(
        Activity(subject=f"call {{i}}", due_at=now + dt.timedelta(minutes=9),
                 time_zone="Europe/Vilnius", assignee=user) for i in chunk)
    ActivityReminder.objects.bulk_create(
        ActivityReminder(activity=a, minutes_before=10, active_from=now - dt.timedelta(hours=1))
        for a in made)
""",
        env=env,
    )


def _counts(env: dict[str, str]) -> dict[str, int]:
    code = """
import json
from rapport.activities.models import ReminderDelivery
from rapport.core.models import Notification
print(json.dumps({
    "notifications": Notification.objects.count(),
    "keys": Notification.objects.values("key").distinct().count(),
    "deliveries": ReminderDelivery.objects.count(),
    "linked": ReminderDelivery.objects.filter(notification__isnull=False).count(),
}))
"""
    return json.loads(run_python(code, env=env))


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-c", PRELUDE + WORKER],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _once(n: int) -> dict[str, int]:
    return {"notifications": n, "keys": n, "deliveries": n, "linked": n}


def test_two_workers_racing_deliver_each_reminder_once(database):  # noqa: F811
    n = 3000
    _plan(database, n)
    workers = [_worker(database), _worker(database)]
    try:
        _wait_for(lambda: _counts(database)["deliveries"] >= n, 120, "every reminder", workers)
        time.sleep(2.5)  # more slots run, and find nothing left to send
    finally:
        _stop(*workers)

    assert _counts(database) == _once(n)


def test_two_dispatchers_started_at_the_same_instant_send_each_once(database):  # noqa: F811
    n = 4000
    _plan(database, n)
    start = time.time() + 3  # both children wait for the same wall-clock instant
    code = f"""
import time
from django.utils import timezone
from rapport.activities.services.reminders import deliver_due
time.sleep(max(0, {start} - time.time()))
print(deliver_due(timezone.now()).sent)
"""
    children = [
        subprocess.Popen(  # noqa: S603 (our own command line)
            [sys.executable, "-c", PRELUDE + code],
            env=database,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=120) for child in children]

    assert [child.returncode for child in children] == [0, 0], outputs
    sent = [int(out.strip()) for out, _err in outputs]
    assert sum(sent) == n  # neither sent what the other had sent
    assert _counts(database) == _once(n)


def test_a_worker_killed_mid_dispatch_loses_and_doubles_nothing(database):  # noqa: F811
    n = 20000
    _plan(database, n)
    first = _worker({**database, "TEST_REMINDER_CHUNK": "50"})
    _wait_for(lambda: _counts(database)["deliveries"] > 0, 120, "a first chunk", [first])
    first.send_signal(signal.SIGKILL)  # mid-dispatch: no chance to finish or record anything
    first.wait()
    killed_at = _counts(database)
    second = _worker(database)
    try:
        _wait_for(lambda: _counts(database)["deliveries"] >= n, 180, "the rest", [second])
        time.sleep(2.5)
    finally:
        _stop(second)

    assert 0 < killed_at["deliveries"] < n  # it really was killed part-way
    assert killed_at["deliveries"] == killed_at["linked"] == killed_at["notifications"]
    assert _counts(database) == _once(n)
