"""Scenarios made in a test's own terms, and a clock the test moves."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from rapport.automation import services
from rapport.automation.intake import run_intake
from rapport.automation.models import Scenario
from rapport.automation.runner import run_due
from tests.campaigns.conftest import smtp  # noqa: F401  (the local SMTP server fixture)
from tests.factories import UserFactory


class Clock:
    """Now, as the test says: waits of days pass in a call."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(timezone.now())


@pytest.fixture
def marketer(db):
    return UserFactory(role="marketer")


def live_scenario(
    actor: Any,
    trigger: dict[str, Any],
    steps: list[dict[str, Any]],
    *,
    name: str = "Welcome",
    reentry_days: int | None = 0,
    holdout_percent: int = 0,
    since: dt.datetime | None = None,
) -> Scenario:
    """A published, switched-on scenario."""
    scenario = services.scenario_create(
        actor=actor,
        data={
            "name": name,
            "trigger": trigger,
            "steps": steps,
            "reentry_days": reentry_days,
            "holdout_percent": holdout_percent,
        },
    )
    services.scenario_publish(actor=actor, scenario=scenario)
    services.scenario_move(
        actor=actor,
        scenario=scenario,
        action="activate",
        now=since or timezone.now() - dt.timedelta(minutes=1),
    )
    return Scenario.objects.get(pk=scenario.pk)


def tick(clock: Clock, worker: str = "w1") -> None:
    """What the workers do at the clock's time: intake, then due steps."""
    run_intake(clock())
    run_due(clock=clock, worker=worker)
