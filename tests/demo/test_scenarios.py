"""The demo's scenarios: every ready-made one installed, welcome and birthday switched on,
today's birthdays started at once; running the demo again changes nothing."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from rapport.automation import library
from rapport.automation.models import Run, Scenario
from rapport.demo.scenarios import ensure_scenarios
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_installs_the_library_with_two_switched_on():
    call_command("demo", size="tiny", seed=7, stdout=io.StringIO(), verbosity=0)

    statuses = dict(Scenario.objects.values_list("template", "status"))
    assert set(statuses) == set(library.READY)
    assert {k for k, s in statuses.items() if s == "active"} == {"welcome", "birthday"}
    assert Scenario.objects.filter(published__isnull=True).count() == 0
    before = list(Scenario.objects.order_by("pk").values("pk", "status", "updated_at"))
    runs = Run.objects.count()

    call_command("demo", size="tiny", seed=7, stdout=io.StringIO(), verbosity=0)

    assert list(Scenario.objects.order_by("pk").values("pk", "status", "updated_at")) == before
    assert Run.objects.count() == runs


def test_todays_birthdays_start_their_runs_when_installed():
    now = timezone.now()
    today = timezone.localdate(now)
    born = ContactFactory(birth_date=today.replace(year=1992))  # a leap year: any day exists
    admin = UserFactory(role="admin")

    made = ensure_scenarios(admin=admin, now=now)

    assert made == list(library.READY)
    run = Run.objects.get(contact=born)
    assert (run.scenario.template, run.status, run.position, run.waiting) == (
        "birthday",
        "active",
        "0",
        True,
    )
    assert ensure_scenarios(admin=admin, now=now) == []
    paused = Scenario.objects.get(template="welcome")
    paused.status = "paused"
    paused.save()
    assert ensure_scenarios(admin=admin, now=now) == []
    assert Scenario.objects.get(template="welcome").status == "paused"
