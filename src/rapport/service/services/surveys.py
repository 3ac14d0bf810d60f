"""Satisfaction surveys: sent after a complaint is resolved (when the customer's e-mail
consent for service messages holds at the moment of sending), answered once at a public
page behind a signed token; the answer lands on the complaint and the timeline, and a low
score reopens the complaint for the team lead's review."""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.contacts.models import ConsentChannel, ConsentPurpose
from rapport.contacts.selectors import has_consent
from rapport.core import notifications
from rapport.core.text import clean_text
from rapport.service import notices, selectors
from rapport.service import timeline_kinds as kinds
from rapport.service.models import Complaint, ComplaintStatus, Survey
from rapport.service.services.complaints import complaint_reopen
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction

log = logging.getLogger(__name__)

SALT = "rapport.service.survey"
MAX_AGE = dt.timedelta(days=30)  # a link older than this answers "expired"
LOW_SCORE = 2  # this score or lower reopens the complaint for the team lead
COMMENT_MAX = 2000


class SurveyLinkError(Exception):
    """A survey link that cannot be answered; `status` is the HTTP answer that fits."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ForgedLink(SurveyLinkError):
    status = 400


class ExpiredLink(SurveyLinkError):
    status = 410


class AnsweredLink(SurveyLinkError):
    status = 410


def survey_token(survey: Survey) -> str:
    return signing.dumps({"survey": survey.pk}, salt=SALT, compress=False)


def survey_url(survey: Survey) -> str:
    path = reverse("service:survey", args=[survey_token(survey)])
    return f"{settings.RAPPORT_SITE_URL}{path}"


def survey_from_token(token: str) -> Survey:
    """The survey a link names; SurveyLinkError (forged, expired or answered) otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ExpiredLink(
            _("This survey link has expired. Thank you for your time all the same.")
        ) from exc
    except signing.BadSignature as exc:
        raise ForgedLink(
            _("This survey link is not valid. Please use the link from the e-mail.")
        ) from exc
    number = data.get("survey") if isinstance(data, dict) else None
    survey = (
        Survey.objects.select_related("contact").filter(pk=number).first()
        if isinstance(number, int)
        else None
    )
    if survey is None:
        raise ExpiredLink(_("This survey is no longer open. Thank you for your time all the same."))
    if survey.answered_at is not None:
        raise AnsweredLink(_("This survey has been answered already. Thank you!"))
    return survey


def subject_of(survey: Survey) -> Any:
    model = survey.subject_type.model_class()
    if model is None:
        return None
    return model._default_manager.filter(pk=survey.subject_id).first()


def _surveys_of(complaint: Complaint) -> Any:
    return Survey.objects.filter(
        kind=Survey.Kind.COMPLAINT_CSAT,
        subject_type=ContentType.objects.get_for_model(Complaint),
        subject_id=complaint.pk,
    )


@dataclass(frozen=True)
class Sent:
    """What sending a survey did: the survey sent, or why none was."""

    survey: Survey | None
    skipped: str = ""  # "not_resolved", "no_consent", "no_address", "sent_already"


@transaction.atomic
def survey_send_for_complaint(*, complaint_id: int) -> Sent:
    """Ask the customer of a resolved complaint how satisfied they are, once per resolution,
    if they may be e-mailed service messages now (the consent is read at this moment, not
    when the complaint was resolved)."""
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("contact")
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None or complaint.status != ComplaintStatus.RESOLVED:
        return Sent(None, "not_resolved")
    contact = complaint.contact
    if _surveys_of(complaint).filter(created_at__gte=complaint.resolved_at).exists():
        return Sent(None, "sent_already")
    if not has_consent(contact, ConsentChannel.EMAIL, ConsentPurpose.SERVICE):
        return Sent(None, "no_consent")
    if not contact.email:
        return Sent(None, "no_address")
    language = contact.language if contact.language in dict(settings.LANGUAGES) else ""
    survey = Survey.objects.create(
        kind=Survey.Kind.COMPLAINT_CSAT,
        contact=contact,
        subject_type=ContentType.objects.get_for_model(Complaint),
        subject_id=complaint.pk,
        language=language,
        sent_to=contact.email,
    )
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {"contact": contact, "complaint": complaint, "url": survey_url(survey)}
        subject = _("How did we handle your complaint?")
        body = render_to_string("service/survey_email.txt", context)
    send_mail(subject, body, None, [contact.email])
    survey.sent_at = timezone.now()
    survey.save(update_fields=["sent_at"])
    timeline.record(
        contact=contact,
        channel=Channel.COMPLAINT,
        direction=Direction.OUTBOUND,
        kind=kinds.SURVEY_SENT,
        params={"complaint": complaint.pk, "survey": survey.pk},
        source=complaint,
    )
    return Sent(survey)


@transaction.atomic
def survey_answer(*, token: str, score: Any, comment: str = "") -> Survey:
    """Record a customer's answer (once). ValidationError for a bad score or comment;
    SurveyLinkError for a link that cannot be answered."""
    survey = survey_from_token(token)
    survey = (
        Survey.objects.select_for_update(of=("self",)).select_related("contact").get(pk=survey.pk)
    )
    if survey.answered_at is not None:  # answered by a double click a moment ago
        raise AnsweredLink(_("This survey has been answered already. Thank you!"))
    errors: dict[str, list[str]] = {}
    try:
        value = int(score)
        if not 1 <= value <= 5:
            raise ValueError
    except (TypeError, ValueError):
        errors["score"] = [_("Choose a score from 1 to 5.")]
        value = 0
    try:
        comment = clean_text(comment, max_length=COMMENT_MAX, multiline=True)
    except ValidationError as exc:
        errors["comment"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    survey.answered_at = timezone.now()
    survey.score = value
    survey.comment = comment
    survey.save(update_fields=["answered_at", "score", "comment"])
    complaint = subject_of(survey)
    if isinstance(complaint, Complaint):
        _complaint_answered(complaint, survey)
    return survey


def _complaint_answered(complaint: Complaint, survey: Survey) -> None:
    Complaint.objects.filter(pk=complaint.pk).update(satisfaction=survey.score)
    complaint.satisfaction = survey.score
    timeline.record(
        contact=complaint.contact_id,
        channel=Channel.COMPLAINT,
        direction=Direction.INBOUND,
        kind=kinds.SURVEY_ANSWERED,
        params={"complaint": complaint.pk, "survey": survey.pk, "score": survey.score},
        body=survey.comment,
        source=complaint,
    )
    if survey.score is None or survey.score > LOW_SCORE:
        return
    if complaint.status in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED):
        complaint = complaint_reopen(
            actor=None,
            complaint=complaint,
            score=survey.score,
        )
    complaint = Complaint.objects.select_related("contact", "assignee__team__lead").get(
        pk=complaint.pk
    )
    for user in selectors.escalation_targets(complaint):
        notifications.notify(
            user=user,
            kind=notices.LOW_SATISFACTION,
            params={
                "complaint": complaint.pk,
                "customer": complaint.contact.full_name,
                "score": survey.score,
            },
            url=reverse("service:complaint_detail", args=[complaint.pk]),
            key=f"survey:{survey.pk}:low:{user.pk}",
        )
