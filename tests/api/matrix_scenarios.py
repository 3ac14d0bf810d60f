"""The permission matrix rows for trigger scenarios and custom events (see
tests/api/permissions.py). Everyone who serves customers reads scenarios; marketers and the
administrator change them; a run is listed to those who may see its contact."""

from typing import Any

from django.utils import timezone

from rapport.automation.models import Run, Scenario, ScenarioVersion
from tests.api.conftest import API
from tests.api.permissions import (
    EVERYONE,
    MAY_CREATE,
    MAY_DELETE,
    MAY_SEE,
    OWNED,
    REPORT,
    ROLES,
    Endpoint,
    Policy,
)


def _only(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


WORK = _only("admin", "marketer")
SCENARIO = Policy(EVERYONE, WORK, WORK, WORK)
# The report's conversions and revenue are business-wide figures.
FIGURES = Policy(_only("admin", "marketer", "analyst"), WORK, WORK, WORK)
# A dry run reads the scenario for a contact named in the body: whoever sees the contact
# (422 naming `contact` otherwise), the read-only analyst included.
DRY_RUN = Policy(MAY_SEE, MAY_SEE, MAY_DELETE, MAY_CREATE)
STEPS = [{"type": "tag_add", "tag": "welcomed"}]
TRIGGER = {"type": "order_placed"}


def scenarios_world(users: dict[str, Any], contact: Any) -> dict[str, Any]:
    def made(name: str, status: str, *, published: bool) -> Scenario:
        scenario = Scenario.objects.create(name=name, status=status, trigger=TRIGGER, steps=STEPS)
        if published:
            scenario.published = ScenarioVersion.objects.create(
                scenario=scenario, number=1, trigger=TRIGGER, steps=STEPS
            )
            scenario.save()
        return scenario

    active = made("Welcome", "active", published=True)
    assert active.published is not None
    return {
        "scenario": made("Draft welcome", "draft", published=False),
        "active_scenario": active,
        "paused_scenario": made("Paused welcome", "paused", published=True),
        "run": Run.objects.create(
            scenario=active,
            version=active.published,
            contact=contact,
            occasion="event:1",
            position="0",
            due_at=timezone.now() + timezone.timedelta(days=1),
            started_at=timezone.now(),
        ),
    }


def _(key: str):
    return lambda w: w[key]


def _path(key: str, tail: str = ""):
    return lambda w: f"{API}/scenarios/{w[key].pk}{tail}"


def _move(name: str, key: str, tail: str) -> Endpoint:
    return Endpoint(name, "POST", _path(key, tail), "change", _(key), policy=SCENARIO)


SCENARIO_ENDPOINTS = [
    Endpoint(
        "list scenarios",
        "GET",
        lambda w: f"{API}/scenarios",
        "list",
        _("scenario"),
        policy=SCENARIO,
        rows=lambda w: [
            (w[key], EVERYONE) for key in ("scenario", "active_scenario", "paused_scenario")
        ],
    ),
    Endpoint(
        "scenario catalog",
        "GET",
        lambda w: f"{API}/scenarios/catalog",
        "report",
        _("scenario"),
        policy=REPORT,
    ),
    Endpoint(
        "ready-made scenarios",
        "GET",
        lambda w: f"{API}/scenarios/library",
        "report",
        _("scenario"),
        policy=REPORT,
    ),
    Endpoint(
        "install a ready-made scenario",
        "POST",
        lambda w: f"{API}/scenarios/library/birthday",
        "create",
        _("scenario"),
        success=201,
        policy=SCENARIO,
    ),
    Endpoint(
        "create scenario",
        "POST",
        lambda w: f"{API}/scenarios",
        "create",
        _("scenario"),
        success=201,
        policy=SCENARIO,
        body=lambda w: {"name": "Birthday", "trigger": TRIGGER, "steps": STEPS},
    ),
    Endpoint("read scenario", "GET", _path("scenario"), "read", _("scenario"), policy=SCENARIO),
    Endpoint(
        "change scenario",
        "PATCH",
        _path("scenario"),
        "change",
        _("scenario"),
        body=lambda w: {"name": "Welcome, again"},
        policy=SCENARIO,
    ),
    _move("publish scenario", "scenario", "/publish"),
    _move("activate scenario", "paused_scenario", "/activate"),
    _move("pause scenario", "active_scenario", "/pause"),
    _move("archive scenario", "active_scenario", "/archive"),
    Endpoint(
        "scenario step counts",
        "GET",
        _path("active_scenario", "/counts"),
        "read",
        _("active_scenario"),
        policy=SCENARIO,
    ),
    Endpoint(
        "scenario report",
        "GET",
        _path("active_scenario", "/report"),
        "report",
        _("active_scenario"),
        policy=FIGURES,
    ),
    Endpoint(
        "list scenario runs",
        "GET",
        _path("active_scenario", "/runs"),
        "list",
        _("run"),
        policy=SCENARIO,
        rows=lambda w: [(w["run"], MAY_SEE)],
    ),
    Endpoint(
        "scenario dry run",
        "POST",
        _path("active_scenario", "/dry-run"),
        "create_for",
        lambda w: w["contact"],
        ref_field="contact",
        policy=DRY_RUN,
        body=lambda w: {"contact": w["contact"].pk, "version": "published"},
    ),
    Endpoint(
        "record event",
        "POST",
        lambda w: f"{API}/events",
        "create_for",
        lambda w: w["contact"],
        success=201,
        ref_field="contact",
        policy=OWNED,
        body=lambda w: {"contact": w["contact"].pk, "name": "visited_pricing"},
    ),
]
