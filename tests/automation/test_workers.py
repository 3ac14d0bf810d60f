"""Exactly once with real processes on one database (a SQLite file or the suite's
PostgreSQL): a worker killed with SIGKILL inside a step leaves nothing of it, and the next
worker takes the step once; several workers racing over the same runs take every step of
every run once."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.activities.test_reminder_workers import PRELUDE
from tests.core.subprocess_env import run_python
from tests.core.test_schedule_workers import ROOT, _stop, _wait_for, database  # noqa: F401

pytestmark = pytest.mark.slow

STEPS = [
    {
        "type": "send",
        "channel": "email",
        "templates": [{"language": "en", "subject": "Hi {{ first_name }}", "body_text": "Hello"}],
    },
    {"type": "tag_add", "tag": "greeted"},
]


def _plan(env: dict[str, str], n: int) -> None:
    """A clean slate, then `n` contacts who may be e-mailed, one live scenario, and a run of
    it for each (started by the intake from `n` custom events)."""
    out = run_python(
        f"""
import datetime as dt
from django.utils import timezone
from rapport.accounts.models import User
from rapport.automation import services
from rapport.automation.intake import run_intake
from rapport.automation.models import Event, Scenario
from rapport.campaigns.models import Message
from rapport.contacts.models import ConsentEvent, Contact
from rapport.automation.models import Run
Message.objects.all().delete(); Run.objects.all().delete(); Scenario.objects.all().delete()
Contact.objects.all().delete()
owner = User.objects.filter(username="runs-test").first() or User.objects.create_user(
    "runs-test", password="x", role="marketer")
people = Contact.objects.bulk_create(
    Contact(first_name=f"P{{i}}", email=f"p{{i}}@example.com", owner=owner) for i in range({n}))
now = timezone.now()
ConsentEvent.objects.bulk_create(
    ConsentEvent(contact=c, channel="email", purpose="marketing", status="granted", at=now,
                 source="test") for c in people)
scenario = services.scenario_create(actor=owner, data={{
    "name": "Race", "trigger": {{"type": "custom_event", "name": "race"}}, "steps": {STEPS!r}}})
services.scenario_publish(actor=owner, scenario=scenario)
services.scenario_move(actor=owner, scenario=scenario, action="activate",
                       now=now - dt.timedelta(minutes=1))
Event.objects.bulk_create(
    Event(source="api", contact=c, name="custom.race", occurred_at=now) for c in people)
print(run_intake(now).started)
""",
        env=env,
    )
    assert out.splitlines()[-1] == str(n)


def _state(env: dict[str, str]) -> dict[str, object]:
    code = """
import json
from django.db.models import Count
from rapport.automation.models import Run, RunStep
from rapport.campaigns.models import Message
from rapport.contacts.models import Contact
print(json.dumps({
    "runs": dict(Run.objects.values_list("status").annotate(n=Count("id")).order_by()),
    "steps": RunStep.objects.count(),
    "messages": Message.objects.count(),
    "most_messages": max(Message.objects.values("contact").annotate(n=Count("id"))
                         .values_list("n", flat=True), default=0),
    "tagged": Contact.objects.filter(tags__name="greeted").count(),
    "leases": sorted(set(Run.objects.exclude(lease_owner="")
                         .values_list("lease_owner", flat=True))),
}))
"""
    return json.loads(run_python(code, env=env))


def _worker(env: dict[str, str], code: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-c", PRELUDE + code],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


HANGING = """
import time
from rapport.automation import actions, runner
send = actions.ACTIONS["send"]
def hanging(run, step, now):
    done = send(run, step, now)  # the message is written, in the step's transaction
    open({marker!r}, "w").write(str(run.pk))
    time.sleep(600)
    return done
actions.ACTIONS["send"] = hanging
runner.run_due(worker="doomed", batch=1)
"""

LATER = """
import datetime as dt
import json
from django.utils import timezone
from rapport.automation import runner
print(json.dumps(runner.run_due(worker={worker!r},
                 clock=lambda: timezone.now() + dt.timedelta(minutes=3)).as_dict()))
"""


def test_a_worker_killed_inside_a_step_leaves_nothing_and_the_step_happens_once(
    database,  # noqa: F811
    tmp_path: Path,
):
    _plan(database, 1)
    marker = tmp_path / "inside"
    doomed = _worker(database, HANGING.format(marker=str(marker)))
    try:
        _wait_for(marker.exists, 120, "the worker inside the send step", [doomed])
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
    finally:
        _stop(doomed)
    # the kill rolled the step's transaction back: no message, no log, the lease stays
    assert _state(database) == {
        "runs": {"active": 1},
        "steps": 0,
        "messages": 0,
        "most_messages": 0,
        "tagged": 0,
        "leases": ["doomed"],
    }
    for heir in ("heir", "second heir"):  # once the lease has run out
        out = run_python(LATER.format(worker=heir), env=database)
        assert json.loads(out)["steps"] == (2 if heir == "heir" else 0)
    assert _state(database) == {
        "runs": {"done": 1},
        "steps": 2,
        "messages": 1,
        "most_messages": 1,
        "tagged": 1,
        "leases": [],
    }


RACER = """
import time
from rapport.automation import runner
idle = 0
while idle < 20:
    done = runner.run_due(worker={worker!r}, batch=20, budget=0.5)
    idle = 0 if done.runs else idle + 1
    time.sleep(0 if done.runs else 0.05)
"""


def test_racing_workers_take_every_step_of_every_run_once(database):  # noqa: F811
    n = 500
    _plan(database, n)
    workers = [_worker(database, RACER.format(worker=f"racer{i}")) for i in range(4)]
    started = time.monotonic()
    try:
        # each worker stops when it has found nothing due for a while
        _wait_for(lambda: all(w.poll() is not None for w in workers), 300, "idle workers", workers)
    finally:
        _stop(*workers)
    assert [w.returncode for w in workers] == [0, 0, 0, 0]
    state = _state(database)
    print(f"{n} runs × {len(STEPS)} steps by 4 workers in {time.monotonic() - started:.1f} s")
    assert state == {
        "runs": {"done": n},
        "steps": n * len(STEPS),
        "messages": n,
        "most_messages": 1,
        "tagged": n,
        "leases": [],
    }
