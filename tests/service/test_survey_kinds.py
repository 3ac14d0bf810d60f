"""The exit, trip-feedback and recommendation (NPS) surveys: made once per customer and
subject while open, linked under RAPPORT_SITE_URL, e-mailed only with consent, answered once
at /s/<token>/ with the kind's own questions in the customer's language, and recorded on the
timeline with kind, score, reason and NPS in the params (what scenarios trigger on)."""

import re

import pytest
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.utils import translation

from rapport.automation import triggers
from rapport.contacts import services as contacts
from rapport.contacts.models import Contact
from rapport.sales import services as sales
from rapport.service import services
from rapport.service.models import ExitReason, Survey
from rapport.service.services import surveys
from rapport.service.survey_forms import TITLES
from rapport.timeline.models import Interaction
from rapport.timeline.rendering import render_summary
from tests.api.conftest import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(users, customer):
    return sales.order_create(actor=users["manager"], contact=customer, currency="EUR", total="900")


def _token(url: str) -> str:
    match = re.fullmatch(r"http://testserver/s/([^/]+)/", url)
    assert match, url
    return match.group(1)


@pytest.fixture
def site(settings):
    settings.RAPPORT_SITE_URL = "http://testserver"


def test_asking_again_while_unanswered_returns_the_same_survey(customer, order):
    exit_ = services.survey_create(kind="exit", contact=customer)
    again = services.survey_create(kind="exit", contact=customer)
    trip = services.survey_create(kind="trip_feedback", contact=customer, subject=order)
    nps = services.survey_create(kind="nps", contact=customer, language="lt")

    assert again.pk == exit_.pk
    assert (exit_.subject_id, exit_.subject_type.model, exit_.language) == (
        customer.pk,
        "contact",
        "",
    )
    assert (trip.subject_id, trip.subject_type.model) == (order.pk, "order")
    assert nps.language == "lt"
    assert Survey.objects.count() == 3


def test_an_answered_survey_is_not_reused(client, site, customer):
    first = services.survey_create(kind="nps", contact=customer)
    client.post(f"/s/{_token(services.survey_url(first))}/", {"nps": "9"})

    second = services.survey_create(kind="nps", contact=customer)

    assert second.pk != first.pk


def test_the_customers_language_is_the_surveys_when_the_site_speaks_it(customer):
    Contact.objects.filter(pk=customer.pk).update(language="uk")
    customer.refresh_from_db()

    assert services.survey_create(kind="exit", contact=customer).language == "uk"


@pytest.mark.parametrize(
    ("kind", "subject", "language", "field"),
    [
        ("trip_feedback", None, None, "subject"),  # a trip's feedback names its order
        ("trip_feedback", "other_order", None, "subject"),  # another customer's order
        ("complaint_csat", "order", None, "subject"),
        ("exit", "other_customer", None, "subject"),
        ("exit", None, "fr", "language"),
        ("birthday", None, None, "kind"),
    ],
)
def test_a_survey_that_does_not_fit_is_refused(
    users, customer, order, south_customer, kind, subject, language, field
):
    other_order = sales.order_create(
        actor=users["manager2"], contact=south_customer, currency="EUR", total="5"
    )
    subjects = {"order": order, "other_order": other_order, "other_customer": south_customer}

    with pytest.raises(ValidationError) as caught:
        services.survey_create(
            kind=kind, contact=customer, subject=subjects.get(subject), language=language
        )

    assert list(caught.value.message_dict) == [field]
    assert Survey.objects.count() == 0


def test_the_link_is_absolute_signed_and_opens_the_survey(site, customer):
    survey = services.survey_create(kind="exit", contact=customer)

    url = services.survey_url(survey)

    assert surveys.survey_from_token(_token(url)) == survey


def test_survey_send_e_mails_once_with_consent_and_records_it(site, users, customer):
    contacts.consent_record(
        actor=users["manager"], contact=customer, channel="email", purpose="marketing",
        status="granted", source="form",
    )  # fmt: skip

    refused = services.survey_send(kind="exit", contact=customer)  # service purpose: no consent
    sent = services.survey_send(kind="exit", contact=customer, purpose="marketing")
    again = services.survey_send(kind="exit", contact=customer, purpose="marketing")

    assert (refused.survey, refused.skipped) == (None, "no_consent")
    assert (sent.skipped, again.skipped, again.survey) == ("", "sent_already", sent.survey)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["olena@example.com"], "We miss you: would you tell us why?")
    ]
    link = re.search(r"http://testserver/s/[^/\s]+/", mail.outbox[0].body)
    assert link is not None
    assert surveys.survey_from_token(_token(link.group(0))) == sent.survey
    event = Interaction.objects.get(kind="survey.sent")
    assert (event.channel, event.params) == (
        "email",
        {"survey": sent.survey.pk, "kind": "exit"},
    )
    assert event.text == "Exit survey sent: why did they stop buying?"


def _page(client, survey: Survey, data: dict | None = None):
    path = f"/s/{_token(services.survey_url(survey))}/"
    return client.post(path, data) if data is not None else client.get(path)


@pytest.fixture
def ask(site, customer, order):
    def make(kind: str) -> Survey:
        subject = order if kind == "trip_feedback" else None
        return services.survey_create(kind=kind, contact=customer, subject=subject)

    return make


@pytest.mark.parametrize(
    ("kind", "fields", "question"),
    [
        ("exit", ['name="reason"', 'name="score"', 'name="comment"'], "What made you stop"),
        ("trip_feedback", ['name="score"', 'name="comment"'], "How would you rate your trip?"),
        ("nps", ['name="nps"', 'name="comment"'], "How likely are you to recommend us"),
    ],
)
def test_each_kind_shows_its_own_questions(client, ask, kind, fields, question):
    page = _page(client, ask(kind))

    html = page.content.decode()
    assert page.status_code == 200
    assert question in html
    assert [f for f in ('name="reason"', 'name="score"', 'name="nps"', 'name="comment"')
            if f in html] == fields  # fmt: skip
    assert "vendor/pico/pico.min.css" in html


def test_the_exit_survey_lists_every_reason_in_the_customers_language(client, ask):
    survey = ask("exit")
    Survey.objects.filter(pk=survey.pk).update(language="uk")

    html = _page(client, survey).content.decode()

    assert '<html lang="uk" data-theme="light">' in html
    assert re.findall(r'name="reason" value="(\w+)"', html) == [
        "price", "service", "complaint", "competitor", "no_plans", "moved", "other"
    ]  # fmt: skip
    with translation.override("uk"):
        assert str(TITLES["exit"]) in html


@pytest.mark.parametrize(
    ("kind", "answer", "stored", "params", "text"),
    [
        ("exit", {"reason": "competitor", "score": "2", "comment": "Cheaper elsewhere"},
         {"reason": "competitor", "score": 2, "nps": None},
         {"reason": "competitor", "score": 2, "nps": None},
         "Exit survey answered: I went to another agency; would come back: 2 of 5"),
        ("exit", {"reason": "moved", "score": ""},
         {"reason": "moved", "score": None, "nps": None},
         {"reason": "moved", "score": None, "nps": None},
         "Exit survey answered: I moved away"),
        ("trip_feedback", {"score": "5", "comment": "Lovely hotel"},
         {"reason": "", "score": 5, "nps": None},
         {"reason": "", "score": 5, "nps": None},
         "Trip of order #{order} rated 5 of 5"),
        ("nps", {"nps": "0"},
         {"reason": "", "score": None, "nps": 0},
         {"reason": "", "score": 0, "nps": 0},
         "Would recommend us: 0 of 10 (a detractor)"),
        ("nps", {"nps": "10"},
         {"reason": "", "score": None, "nps": 10},
         {"reason": "", "score": 10, "nps": 10},
         "Would recommend us: 10 of 10 (a promoter)"),
    ],
)  # fmt: skip
def test_an_answer_is_recorded_once_and_lands_on_the_timeline(
    client, ask, order, kind, answer, stored, params, text
):
    survey = ask(kind)
    token = _token(services.survey_url(survey))

    thanks = client.post(f"/s/{token}/", answer)
    again = client.post(f"/s/{token}/", answer)
    reopened = client.get(f"/s/{token}/")

    assert (thanks.status_code, again.status_code, reopened.status_code) == (200, 410, 410)
    assert "Thank you!" in thanks.content.decode()
    assert "This survey has been answered already." in reopened.content.decode()
    survey.refresh_from_db()
    assert {f: getattr(survey, f) for f in stored} == stored
    assert survey.comment == answer.get("comment", "")
    event = Interaction.objects.get(kind="survey.answered")
    subject = {"order": order.pk} if kind == "trip_feedback" else {}
    assert event.params == {"survey": survey.pk, "kind": kind, **subject, **params}
    assert (event.contact_id, event.direction, event.channel, event.body) == (
        survey.contact_id, "inbound", "web", answer.get("comment", "")
    )  # fmt: skip
    assert event.text == text.format(order=order.pk)


def test_the_timeline_stores_codes_and_words_them_when_read(client, ask):
    _page(client, ask("exit"), {"reason": "price"})
    event = Interaction.objects.get(kind="survey.answered")

    with translation.override("en"):
        english = render_summary(event)

    # the reason is stored as its code and worded in the reader's language when shown
    assert (event.params["reason"], event.summary) == ("price", "")
    assert english == f"Exit survey answered: {ExitReason.PRICE.label}"


@pytest.mark.parametrize(
    ("kind", "answer", "field", "message"),
    [
        ("exit", {"score": "3"}, "reason", "This field is required."),
        ("exit", {"reason": "bored"}, "reason", "Select a valid choice."),
        ("exit", {"reason": "price", "score": "6"}, "score", "Select a valid choice."),
        ("trip_feedback", {"comment": "no score"}, "score", "This field is required."),
        ("nps", {"nps": "11"}, "nps", "Select a valid choice."),
        ("nps", {"nps": "-1"}, "nps", "Select a valid choice."),
    ],
)
def test_a_bad_answer_is_a_message_on_the_page(client, ask, kind, answer, field, message):
    survey = ask(kind)

    page = _page(client, survey, answer)

    assert page.status_code == 422
    assert message in page.content.decode()
    assert f'id="{field}-error"' in page.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is None
    assert not Interaction.objects.filter(kind="survey.answered").exists()


@pytest.mark.parametrize(
    ("kind", "answer", "errors"),
    [
        ("exit", {"reason": "nope", "score": 7}, {"reason", "score"}),
        ("nps", {"nps": 11}, {"nps"}),
        ("nps", {"nps": "x"}, {"nps"}),
        ("trip_feedback", {"score": 0}, {"score"}),
        ("complaint_csat", {"score": None}, {"score"}),
    ],
)
def test_the_service_validates_what_the_form_did_not(customer, ask, kind, answer, errors, users):
    if kind == "complaint_csat":
        complaint = services.complaint_register(
            actor=users["manager"], contact=customer, description="Cold room"
        )
        survey = services.survey_create(kind=kind, contact=customer, subject=complaint)
    else:
        survey = ask(kind)

    with pytest.raises(ValidationError) as caught:
        services.survey_answer(token=surveys.survey_token(survey), **answer)

    assert set(caught.value.message_dict) == errors


@pytest.mark.parametrize(
    ("token", "status", "message"),
    [
        ("forged", 400, "This survey link is not valid."),
        (signing.dumps({"survey": "1"}, salt=surveys.SALT), 410, "no longer open"),  # no number
        (signing.dumps(["survey", 1], salt=surveys.SALT), 410, "no longer open"),  # no mapping
    ],
)
def test_a_forged_link_posted_to_is_a_clear_page(client, db, token, status, message):
    page = client.post(f"/s/{token}/", {"nps": "10"})

    assert page.status_code == status
    assert message in page.content.decode()
    assert Interaction.objects.count() == 0


def test_another_customers_survey_cannot_be_answered_with_a_tampered_token(client, ask):
    survey = ask("nps")
    token = _token(services.survey_url(survey))
    tampered = token.replace(token.split(":")[0], signing.b64_encode(b'{"survey":999}').decode())

    page = client.post(f"/s/{tampered}/", {"nps": "10"})

    assert page.status_code == 400
    assert "This survey link is not valid." in page.content.decode()
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_an_exit_survey_of_a_customer_without_a_language_is_in_english(client, site, users):
    person = make_contact(users["manager"], first_name="Ann", email="ann@example.com")
    survey = services.survey_create(kind="exit", contact=person)

    html = _page(client, survey).content.decode()

    assert '<html lang="en" data-theme="light">' in html
    assert "We miss you" in html


def test_a_concurrent_ask_that_made_the_survey_first_is_reused(customer, monkeypatch):
    first = services.survey_create(kind="exit", contact=customer)
    # the other worker's row is not seen by the look-up, so the insert clashes with it
    monkeypatch.setattr("django.db.models.query.QuerySet.first", lambda self: None)

    again = services.survey_create(kind="exit", contact=customer)

    assert again.pk == first.pk
    assert Survey.objects.count() == 1


def test_another_apps_message_marks_the_survey_sent_on_the_timeline(customer, order):
    survey = services.survey_create(kind="trip_feedback", contact=customer, subject=order)

    services.survey_mark_sent(survey=survey, sent_to="+37060000000", channel="sms")

    survey.refresh_from_db()
    assert (survey.sent_to, survey.sent_at is not None) == ("+37060000000", True)
    event = Interaction.objects.get(kind="survey.sent")
    assert (event.channel, event.params, event.text) == (
        "sms",
        {"survey": survey.pk, "kind": "trip_feedback", "order": order.pk},
        f"Trip feedback survey sent about order #{order.pk}",
    )


@pytest.mark.parametrize(
    ("kind", "subject", "words"),
    [
        ("trip_feedback", "How was your trip?", "How was your trip (order #{order})?"),
        ("nps", "Would you recommend us?", "How likely are you to recommend us"),
    ],
)
def test_each_kind_has_its_own_e_mail(site, users, customer, order, kind, subject, words):
    contacts.consent_record(
        actor=users["manager"], contact=customer, channel="email", purpose="service",
        status="granted", source="form",
    )  # fmt: skip

    sent = services.survey_send(
        kind=kind, contact=customer, subject=order if kind == "trip_feedback" else None
    )

    assert sent.skipped == ""
    assert [m.subject for m in mail.outbox] == [subject]
    assert words.format(order=order.pk) in mail.outbox[0].body
    assert services.survey_url(sent.survey).startswith("http://testserver/s/")


@pytest.mark.parametrize(
    ("kind", "answer", "trigger", "fires"),
    [
        ("nps", {"nps": "6"}, {"kind": "nps", "score_below": 7}, True),  # a detractor
        ("nps", {"nps": "9"}, {"kind": "nps", "score_below": 7}, False),
        ("nps", {"nps": "9"}, {"kind": "nps", "score_at_least": 9}, True),
        ("exit", {"reason": "price", "score": "4"}, {"kind": "exit", "score_at_least": 4}, True),
        ("exit", {"reason": "price"}, {"kind": "exit"}, True),
        ("exit", {"reason": "price"}, {"kind": "trip_feedback"}, False),
        ("trip_feedback", {"score": "2"}, {"kind": "trip_feedback", "score_below": 3}, True),
    ],
)
def test_a_scenarios_survey_answered_trigger_reads_the_timeline_params(
    client, ask, kind, answer, trigger, fires
):
    _page(client, ask(kind), answer)
    event = Interaction.objects.get(kind="survey.answered")

    assert (
        triggers.matches({"type": "survey_answered", **trigger}, event.kind, event.params) is fires
    )
