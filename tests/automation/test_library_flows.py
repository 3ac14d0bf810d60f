"""Ready-made scenarios doing what they say, switched on as installed: a high-value customer
who slips to "At risk" gets their manager a call (an ordinary customer does not); a new baby
gets a congratulation in the customer's language (another life event does not)."""

import datetime as dt

import pytest

from rapport.activities.models import Activity
from rapport.analytics.models import RfmSegmentHistory
from rapport.automation import services
from rapport.automation.models import Run, Scenario
from rapport.campaigns.models import Message
from rapport.contacts.services.relations import life_event_add
from tests.analytics.metrics_data import make_metrics
from tests.automation.conftest import tick
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db


def switched_on(users, key: str, since: dt.datetime) -> Scenario:
    admin = users["admin"]
    scenario = services.scenario_from_library(actor=admin, key=key)
    return services.scenario_move(actor=admin, scenario=scenario, action="activate", now=since)


def slips_to_at_risk(contact, abc_class: str, today: dt.date) -> None:
    make_metrics(contact, as_of=today, abc_class=abc_class, rfm_segment="at_risk")
    RfmSegmentHistory.objects.create(
        contact=contact, rfm_segment="loyal", entered_on=today - dt.timedelta(days=90),
        left_on=today,
    )  # fmt: skip
    RfmSegmentHistory.objects.create(contact=contact, rfm_segment="at_risk", entered_on=today)


def test_a_high_value_customer_at_risk_gets_a_call_from_their_manager(users, clock):
    scenario = switched_on(users, "vip_at_risk", clock() - dt.timedelta(days=2))
    manager = users["manager"]
    valued = person("valued@example.com")
    other = person("other@example.com")
    for contact in (valued, other):
        contact.owner = manager
        contact.save()
    today = clock().date()
    slips_to_at_risk(valued, "A", today)
    slips_to_at_risk(other, "C", today)

    tick(clock)

    assert list(Run.objects.filter(scenario=scenario).values_list("contact_id", flat=True)) == [
        valued.pk
    ]
    call = Activity.objects.get()
    assert (call.contact_id, call.assignee_id, call.kind) == (valued.pk, manager.pk, "call")
    assert call.subject == "Call a high-value customer who is at risk of leaving"
    assert call.due_at == clock() + dt.timedelta(hours=4)


def test_a_new_baby_is_congratulated_in_the_customers_language(users, clock):
    scenario = switched_on(users, "new_baby", clock() - dt.timedelta(minutes=1))
    ruta = person("ruta@example.com", language="lt", first_name="Rūta")

    life_event_add(actor=users["admin"], contact=ruta, kind="anniversary", date=clock().date())
    life_event_add(actor=users["admin"], contact=ruta, kind="child_born", date=clock().date())
    tick(clock)

    run = Run.objects.get(scenario=scenario)
    assert (run.contact_id, run.position, run.waiting) == (ruta.pk, "1", True)
    message = Message.objects.get(contact=ruta)
    assert message.subject == "Sveikiname su mažylio gimimu, Rūta!"
    assert "vaikiška kėdutė" in message.body_text
