"""The home page shows what each role needs today."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.activities import services as activities
from rapport.activities.models import Activity
from rapport.contacts import services as contacts
from rapport.sales import services as sales
from rapport.sales.models import LeadSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, team):
    olena = contacts.contact_create(
        actor=users["manager"], data={"first_name": "Olena", "last_name": "Koval"}
    )
    late = activities.activity_create(
        actor=users["manager_mate"],
        data={
            "contact": olena.pk,
            "subject": "Late call",
            "due_at": timezone.now() + dt.timedelta(days=1),
        },
    )
    Activity.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    return {"olena": olena}


def _home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response


def test_a_manager_sees_their_own_work_deals_and_leads(client, users, world):
    context = _home(client, users["manager_mate"]).context
    assert [(label, count) for label, count, _link in context["my_work"]] == [
        ("Overdue", 1),
        ("Due today", 0),
    ]
    assert [label for label, *_rest in context["sales"]] == ["My open deals", "New leads"]
    assert "team" not in context
    assert "by_source" not in context


def test_a_team_lead_and_an_admin_see_overdue_work_per_manager(client, users, world, team):
    team.lead = users["manager"]
    team.save()
    lead = _home(client, users["manager"]).context
    assert {p.username: p.overdue for p in lead["team"]} == {"mate": 1}
    admin = _home(client, users["admin"]).context
    assert {p.username: p.overdue for p in admin["team"]} == {
        "manager": 0,
        "mate": 1,
        "manager2": 0,
    }
    assert admin["pipeline"] is True


def test_a_marketer_sees_leads_by_source_and_an_analyst_the_figures(client, users, world):
    fair = LeadSource.objects.create(name="Trade fair")
    for email in ("a@example.com", "b@example.com"):
        sales.lead_capture(data={"first_name": "Ann", "email": email}, source=fair)
    sales.lead_capture(data={"first_name": "Bo", "email": "c@example.com"})
    marketer = _home(client, users["marketer"]).context
    assert marketer["by_source"] == [
        {"source__name": "Trade fair", "leads": 2},
        {"source__name": None, "leads": 1},
    ]
    assert "sales" not in marketer
    analyst = _home(client, users["analyst"]).context
    assert analyst["figures"] is True
    assert "my_work" not in analyst
    assert "team" not in analyst
    agent = _home(client, users["agent"]).context
    assert [count for _label, count, _link in agent["my_work"]] == [0, 0]
    assert agent["complaints"] == (0, True)
    assert "complaints" not in analyst
    assert agent["figures"] is False
