"""The ready-made trip and care scenarios end to end, switched on as an admin installs them:
a week before departure the traveller gets the checklist by e-mail through a real SMTP
server; three days after the return they get a feedback survey link and, four days later,
their next-best offer; two days after a complaint is resolved they are asked whether all is
well — each in the customer's language, naming their trip and their manager."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from rapport.automation import scans, services
from rapport.automation.models import Run, RunStatus
from rapport.campaigns.models import Message
from rapport.campaigns.outbox import deliver_due
from rapport.catalog.models import Product
from rapport.sales.services import order_create
from rapport.service.models import RootCause, Survey
from rapport.service.services.complaints import complaint_register, complaint_resolve
from tests.analytics.metrics_data import make_metrics
from tests.automation.conftest import tick
from tests.automation.test_win_back import afternoon_zone, body_of
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https://crm\.travel\.example/s/[^/\s]+/")


def switched_on(users, key: str, clock):
    admin = users["admin"]
    scenario = services.scenario_from_library(actor=admin, key=key)
    return services.scenario_move(
        actor=admin, scenario=scenario, action="activate", now=clock() - dt.timedelta(minutes=1)
    )


def traveller(users, clock, email: str, *, language: str, first_name: str):
    """A customer of the manager Ivan who takes service and marketing e-mail, in a zone where
    it is early afternoon now (the library's messages keep quiet at night)."""
    manager = users["manager"]
    manager.first_name, manager.last_name = "Ivan", "Petrenko"
    manager.save()
    contact = person(
        email,
        language=language,
        first_name=first_name,
        consents=("email:marketing", "email:service"),
    )
    contact.owner = manager
    contact.custom = {"time_zone": afternoon_zone(clock())}
    contact.save()
    return contact


def booked(contact, name: str, departure: dt.date, *, nights: int = 7):
    trip = Product.objects.create(
        name=name,
        sku=f"TRIP-{name[:3].upper()}-{departure.isoformat()}",
        price=Decimal("900.00"),
        currency="EUR",
        departure_date=departure,
        return_date=departure + dt.timedelta(days=nights),
    )
    line = {"product": trip.pk, "quantity": 1, "unit_price": "900.00"}
    order_create(
        actor=None,
        contact=contact,
        currency="EUR",
        order_date=timezone.now() - dt.timedelta(days=60),
        lines=[line],
    )
    return trip


def test_a_week_before_departure_the_traveller_gets_the_checklist(users, clock, smtp):
    scenario = switched_on(users, "pre_trip", clock)
    today = timezone.localdate(clock())
    ruta = traveller(users, clock, "ruta@example.com", language="lt", first_name="Rūta")
    later = traveller(users, clock, "later@example.com", language="en", first_name="Tom")
    booked(ruta, "Madeira", today + dt.timedelta(days=7))
    booked(later, "Crete", today + dt.timedelta(days=8))

    scans.scan(clock())
    tick(clock)
    deliver_due()

    run = Run.objects.get(scenario=scenario)
    assert (run.contact_id, run.status) == (ruta.pk, RunStatus.DONE)
    assert [m["To"] for m in smtp.messages] == ["ruta@example.com"]
    mail = smtp.messages[0]
    assert mail["Subject"] == "Iki kelionės liko savaitė: ką pasiruošti"
    text = body_of(mail)
    assert "Sveiki, Rūta," in text
    assert "Jūsų kelionė (Madeira) prasideda po savaitės." in text
    assert "Jums mielai padės Ivan Petrenko." in text

    scans.scan(clock() + dt.timedelta(hours=3))  # the same departure: nothing again
    tick(clock)
    assert Run.objects.filter(scenario=scenario, contact=ruta).count() == 1


def test_after_the_return_a_feedback_survey_then_the_next_best_offer(users, clock, smtp):
    scenario = switched_on(users, "post_trip", clock)
    today = timezone.localdate(clock())
    olena = traveller(users, clock, "olena@example.com", language="en", first_name="Olena")
    booked(olena, "Crete", today - dt.timedelta(days=10))  # back three days ago
    offer = Product.objects.create(
        name="Madeira in spring", sku="MAD-SPRING", price=Decimal("1100.00"), currency="EUR"
    )
    make_metrics(olena, as_of=today, next_best_offer=offer)

    scans.scan(clock())
    tick(clock)
    deliver_due()

    run = Run.objects.get(scenario=scenario)
    survey = Survey.objects.get(contact=olena)
    assert (survey.kind, survey.language) == ("trip_feedback", "en")
    assert (run.status, run.position, run.waiting) == (RunStatus.ACTIVE, "2", True)
    assert [m["Subject"] for m in smtp.messages] == ["Welcome back, Olena! How was your trip?"]
    text = body_of(smtp.messages[0])
    assert "We hope your trip (Crete) was everything you wished for." in text
    link = LINK.search(text)
    assert link is not None
    assert run.context["survey_url"] == link.group(0)

    clock.advance(days=5)  # the four days' wait ends at 10:00 in her zone
    tick(clock)

    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    nudge = Message.objects.filter(contact=olena).order_by("pk").last()
    assert nudge is not None
    assert nudge.subject == "Olena, where to next?"
    assert "We think you would enjoy Madeira in spring" in nudge.body_text
    assert "Ivan Petrenko will get back to you personally." in nudge.body_text


def test_two_days_after_a_resolved_complaint_the_customer_is_asked_if_all_is_well(
    users, clock, smtp
):
    scenario = switched_on(users, "complaint_follow_up", clock)
    agent = users["agent"]
    anna = traveller(users, clock, "anna@example.com", language="ru", first_name="Анна")
    complaint = complaint_register(actor=agent, contact=anna, description="No sea view.")
    tick(clock)
    assert Run.objects.filter(scenario=scenario).count() == 0  # registered is not resolved

    complaint_resolve(
        actor=agent,
        complaint=complaint,
        root_cause=RootCause.objects.create(name="Hotel").pk,
        resolution="Moved to a sea-view room.",
    )
    tick(clock)
    run = Run.objects.get(scenario=scenario)
    assert (run.contact_id, run.position, run.waiting) == (anna.pk, "0", True)
    assert Message.objects.filter(contact=anna).count() == 0  # waiting two days

    clock.advance(days=3)
    tick(clock)

    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    check = Message.objects.get(contact=anna)
    assert check.subject == "Анна, теперь всё в порядке?"
    assert check.body_text.startswith("Здравствуйте, Анна!")
    assert "Ivan Petrenko" in check.body_text
