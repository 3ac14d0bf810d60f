"""The survey step: it makes the contact's survey of its kind about the run's order (or the
contact), records it on the step, and a following message links to it."""

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from rapport.automation import services
from rapport.automation.models import Run, RunStep
from rapport.campaigns.models import Message
from rapport.sales.models import Order
from rapport.sales.services import order_create
from rapport.service.models import Survey
from rapport.service.services.surveys import survey_from_token
from tests.automation.conftest import live_scenario, tick
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db

LINKED = {
    "type": "send",
    "channel": "email",
    "purpose": "service",
    "templates": [{"language": "en", "subject": "Your trip", "body_text": "{{ survey_url }}"}],
}


def trip_back(marketer, kind: str) -> object:
    return live_scenario(
        marketer,
        {"type": "custom_event", "name": "trip_back"},
        [{"type": "survey", "kind": kind}, LINKED],
    )


def test_a_trip_feedback_survey_is_about_the_runs_order(marketer, clock):
    scenario = trip_back(marketer, "trip_feedback")
    olena = person("olena@example.com", consents=("email:service",))
    order = order_create(actor=None, contact=olena, currency="EUR", total="800.00")
    services.event_record(
        actor=marketer, contact=olena, name="trip_back", properties={"order": order.pk}
    )

    tick(clock)

    survey = Survey.objects.get(contact=olena)
    assert survey.kind == "trip_feedback"
    assert (survey.subject_type, survey.subject_id) == (
        ContentType.objects.get_for_model(Order),
        order.pk,
    )
    run = Run.objects.get(scenario=scenario)
    step = RunStep.objects.get(run=run, kind="survey")
    assert (step.outcome, step.detail) == ("done", {"survey": survey.pk, "kind": "trip_feedback"})
    url = run.context["survey_url"]
    assert url.startswith(f"{settings.RAPPORT_SITE_URL}/s/")
    assert survey_from_token(url.split("/")[-2]) == survey
    assert Message.objects.get(contact=olena).body_text == url
    survey.refresh_from_db()
    assert survey.sent_to == "olena@example.com"


def test_trip_feedback_without_an_order_is_skipped(marketer, clock):
    scenario = trip_back(marketer, "trip_feedback")
    olena = person("olena@example.com", consents=("email:service",))
    services.event_record(actor=marketer, contact=olena, name="trip_back")

    tick(clock)

    step = RunStep.objects.get(run__scenario=scenario, kind="survey")
    assert (step.outcome, step.detail) == ("skipped", {"reason": "no_order"})
    assert not Survey.objects.exists()
    assert Message.objects.get(contact=olena).body_text == ""


def test_an_exit_survey_is_about_the_contact_and_asked_once_while_open(marketer, clock):
    scenario = trip_back(marketer, "exit")
    olena = person("olena@example.com", consents=())
    services.event_record(actor=marketer, contact=olena, name="trip_back")
    tick(clock)
    Run.objects.filter(scenario=scenario).update(occasion="done-before")
    services.event_record(actor=marketer, contact=olena, name="trip_back")
    tick(clock)

    survey = Survey.objects.get(contact=olena)
    assert (survey.kind, survey.subject_id) == ("exit", olena.pk)
    details = list(RunStep.objects.filter(kind="survey").values_list("detail", flat=True))
    assert details == [{"survey": survey.pk, "kind": "exit"}] * 2
    # no consent to e-mail her: the link is not noted as sent
    assert survey.sent_at is None
