"""The satisfaction survey: sent after resolution only with e-mail consent for service
messages at the moment of sending, answered once at /s/<token>/ in the customer's language;
the score lands on the complaint, the timeline and (low) reopens it for the team lead."""

import re
import time

import pytest
from django.core import mail, signing

from rapport.contacts import services as contacts
from rapport.contacts.models import Contact
from rapport.core.models import Notification
from rapport.service import services
from rapport.service.models import Complaint, Survey
from rapport.service.services import surveys
from rapport.timeline.models import Interaction
from tests.factories import UserFactory
from tests.service.conftest import register

pytestmark = pytest.mark.django_db


def _consent(user, contact, status: str, purpose: str = "service") -> None:
    contacts.consent_record(
        actor=user, contact=contact, channel="email", purpose=purpose, status=status, source="call"
    )


@pytest.fixture
def lead(users, team):
    boss = UserFactory(username="lead", role="sales_manager", team=team)
    team.lead = boss
    team.save()
    return boss


@pytest.fixture
def resolve(users, causes, django_capture_on_commit_callbacks):
    """Resolve a complaint and run what waits for the commit (the survey task)."""

    def run(complaint: Complaint, *, execute: bool = True):
        with django_capture_on_commit_callbacks(execute=execute) as callbacks:
            services.complaint_resolve(
                actor=users["manager"], complaint=complaint, root_cause=causes["process"].pk,
                resolution="Refunded the transfer.",
            )  # fmt: skip
        return callbacks

    return run


def _token(message) -> str:
    match = re.search(r"http://testserver/s/([^/\s]+)/", message.body)
    assert match, message.body
    return match.group(1)


def test_a_resolved_customer_with_service_consent_gets_one_survey_in_their_language(
    settings, users, customer, resolve
):
    settings.RAPPORT_SITE_URL = "http://testserver"
    Contact.objects.filter(pk=customer.pk).update(language="uk")
    _consent(users["manager"], customer, "granted")
    complaint = register(users["manager"], customer)

    resolve(complaint)
    again = surveys.survey_send_for_complaint(complaint_id=complaint.pk)

    survey = Survey.objects.get()
    assert (survey.kind, survey.contact, survey.subject_id, survey.language, survey.sent_to) == (
        "complaint_csat",
        customer,
        complaint.pk,
        "uk",
        "olena@example.com",
    )
    assert survey.sent_at is not None
    assert again.skipped == "sent_already"
    assert [m.to for m in mail.outbox] == [["olena@example.com"]]
    assert surveys.survey_from_token(_token(mail.outbox[0])) == survey
    assert Interaction.objects.filter(kind="survey.sent").values_list("params", flat=True)[0] == {
        "complaint": complaint.pk,
        "survey": survey.pk,
        "kind": "complaint_csat",
    }


@pytest.mark.parametrize(
    ("consents", "email", "reason"),
    [
        ([], "olena@example.com", "no_consent"),
        ([("granted", "marketing")], "olena@example.com", "no_consent"),  # not for service
        ([("granted", "service"), ("withdrawn", "service")], "olena@example.com", "no_consent"),
        ([("granted", "service")], "", "no_address"),
    ],
)
def test_no_survey_without_consent_for_service_e_mail_or_an_address(
    users, customer, resolve, consents, email, reason
):
    for status, purpose in consents:
        _consent(users["manager"], customer, status, purpose)
    Contact.objects.filter(pk=customer.pk).update(email=email)
    complaint = register(users["manager"], customer)
    resolve(complaint, execute=False)

    assert surveys.survey_send_for_complaint(complaint_id=complaint.pk).skipped == reason
    assert (Survey.objects.count(), mail.outbox) == (0, [])


def test_consent_is_read_when_the_survey_is_sent_not_when_the_complaint_was_resolved(
    users, customer, resolve
):
    _consent(users["manager"], customer, "granted")
    complaint = register(users["manager"], customer)
    callbacks = resolve(complaint, execute=False)  # the survey task waits for the commit
    _consent(users["manager"], customer, "withdrawn")  # before it runs

    for callback in callbacks:
        callback()

    assert (Survey.objects.count(), mail.outbox) == (0, [])


@pytest.fixture
def sent(settings, users, customer, resolve):
    settings.RAPPORT_SITE_URL = "http://testserver"
    _consent(users["manager"], customer, "granted")
    complaint = register(users["manager"], customer)
    resolve(complaint)
    return complaint, _token(mail.outbox[0])


def test_the_answer_lands_on_the_complaint_and_the_timeline(client, sent):
    complaint, token = sent

    page = client.get(f"/s/{token}/")
    answer = client.post(f"/s/{token}/", {"score": "4", "comment": "Quick, thank you"})
    again = client.get(f"/s/{token}/")

    assert page.status_code == 200
    assert b'name="score"' in page.content
    assert (answer.status_code, again.status_code) == (200, 410)
    assert "Thank you!" in answer.content.decode()
    assert "This survey has been answered already." in again.content.decode()
    complaint.refresh_from_db()
    assert (complaint.satisfaction, complaint.status) == (4, "resolved")
    survey = Survey.objects.get()
    assert (survey.score, survey.comment, survey.answered_at is not None) == (
        4,
        "Quick, thank you",
        True,
    )
    event = Interaction.objects.get(kind="survey.answered")
    assert (event.params["score"], event.body, event.direction) == (
        4,
        "Quick, thank you",
        "inbound",
    )
    assert event.text == f"Satisfaction with complaint #{complaint.pk}: 4 of 5"


def test_a_low_score_reopens_the_complaint_for_the_team_leads_review(client, sent, lead):
    complaint, token = sent

    client.post(f"/s/{token}/", {"score": "2", "comment": "Still no refund"})

    complaint.refresh_from_db()
    assert (complaint.status, complaint.satisfaction, complaint.resolved_at) == (
        "in_progress",
        2,
        None,
    )
    reopened = Interaction.objects.get(kind="complaint.reopened")
    assert reopened.text == f"Complaint #{complaint.pk} reopened after a satisfaction score of 2/5"
    assert reopened.actor is None
    assert list(Notification.objects.values_list("user__username", "kind")) == [
        ("lead", "service.low_satisfaction")
    ]


def test_the_survey_page_speaks_the_customers_language(client, sent):
    _complaint, token = sent
    Survey.objects.update(language="lt")

    page = client.get(f"/s/{token}/", HTTP_ACCEPT_LANGUAGE="en")

    assert '<html lang="lt" data-theme="light">' in page.content.decode()


def test_a_bad_score_is_a_message_on_the_page_not_an_answer(client, sent):
    _complaint, token = sent

    page = client.post(f"/s/{token}/", {"score": "9"})

    assert page.status_code == 422
    assert "Select a valid choice. 9 is not one of the available choices." in page.content.decode()
    assert Survey.objects.get().answered_at is None


@pytest.mark.parametrize(
    ("token", "status", "message"),
    [
        ("not-a-token", 400, "This survey link is not valid."),
        (signing.dumps({"survey": 1}, salt="another salt"), 400, "This survey link is not valid."),
        (signing.dumps({"survey": 999999}, salt=surveys.SALT), 410, "no longer open"),
        ("%00%ff", 400, "This survey link is not valid."),
    ],
)
def test_forged_or_unknown_links_get_a_clear_page(client, db, token, status, message):
    page = client.get(f"/s/{token}/")
    assert page.status_code == status
    assert message in page.content.decode()


def test_an_expired_link_gets_a_clear_page(client, sent, monkeypatch):
    _complaint, _token_now = sent
    survey = Survey.objects.get()
    long_ago = time.time() - surveys.MAX_AGE.total_seconds() - 60
    monkeypatch.setattr(signing.time, "time", lambda: long_ago)
    old = surveys.survey_token(survey)
    monkeypatch.undo()

    page = client.get(f"/s/{old}/")
    post = client.post(f"/s/{old}/", {"score": "5"})

    assert (page.status_code, post.status_code) == (410, 410)
    assert "This survey link has expired." in page.content.decode()
    assert Survey.objects.get().answered_at is None
