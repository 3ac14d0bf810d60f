"""Surveys sent to customers and answered once at a public page behind a signed token.

Four kinds: the satisfaction survey sent after a complaint is resolved (a low score reopens
the complaint for the team lead's review), the exit survey of a customer who stopped buying
(why, and would they come back), the feedback on a trip (its order) and the 0–10 "would you
recommend us?". Other apps ask with `survey_create` + `survey_url` (their own message carries
the link) or `survey_send` (an e-mail of ours, only with the customer's consent at the moment
of sending). Every answer lands on the timeline as `survey.answered` with its kind, score,
reason and recommendation score in the params, which scenarios trigger on.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.contacts.models import ConsentChannel, ConsentPurpose, Contact
from rapport.contacts.selectors import has_consent
from rapport.core import notifications
from rapport.core.text import clean_text
from rapport.sales.models import Order
from rapport.service import notices, selectors
from rapport.service import timeline_kinds as kinds
from rapport.service.models import Complaint, ComplaintStatus, ExitReason, Survey
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


def _language(contact: Contact, language: str | None) -> str:
    """The survey's language: the one asked for, else the customer's, when the site speaks
    it ("" = the site's default)."""
    spoken = dict(settings.LANGUAGES)
    if language is not None:
        if language and language not in spoken:
            raise ValidationError({"language": [_("This language is not one the site speaks.")]})
        return language
    return contact.language if contact.language in spoken else ""


def _check_subject(kind: str, contact: Contact, subject: Model | None) -> Model:
    """What the survey is about: the complaint or the order its kind needs (one of this
    customer's); for an exit or recommendation survey, the customer themself (the default)
    or one of their orders."""
    if subject is None and kind not in (Survey.Kind.COMPLAINT_CSAT, Survey.Kind.TRIP_FEEDBACK):
        return contact
    needed: dict[str, tuple[type[Model], ...]] = {
        Survey.Kind.COMPLAINT_CSAT: (Complaint,),
        Survey.Kind.TRIP_FEEDBACK: (Order,),
    }
    allowed = needed.get(kind, (Contact, Order))
    owner = subject.pk if isinstance(subject, Contact) else getattr(subject, "contact_id", None)
    if not isinstance(subject, allowed) or owner != contact.pk:
        messages: dict[str, str] = {
            Survey.Kind.COMPLAINT_CSAT: _("Name one of this customer's complaints."),
            Survey.Kind.TRIP_FEEDBACK: _("Name one of this customer's orders."),
        }
        message = messages.get(kind, _("Name this customer or one of their orders."))
        raise ValidationError({"subject": [message]})
    return subject


def survey_create(
    *, kind: str, contact: Contact, subject: Model | None = None, language: str | None = None
) -> Survey:
    """A survey of `kind` for `contact` about `subject` (default: the contact), ready to be
    linked to with `survey_url`. Asking again while the customer has not answered returns the
    same survey; a complaint's satisfaction survey is asked anew each time."""
    if kind not in Survey.Kind.values:
        raise ValidationError({"kind": [_("No such kind of survey.")]})
    about = _check_subject(kind, contact, subject)
    fields = {
        "kind": kind,
        "contact": contact,
        "subject_type": ContentType.objects.get_for_model(about),
        "subject_id": about.pk,
    }
    values = {"language": _language(contact, language)}
    if kind == Survey.Kind.COMPLAINT_CSAT:
        return Survey.objects.create(**fields, **values)
    open_ = Survey.objects.filter(**fields, answered_at__isnull=True)
    found = open_.first()
    if found is not None:
        return found
    try:
        with transaction.atomic():  # a savepoint: a concurrent ask made it first
            return Survey.objects.create(**fields, **values)
    except IntegrityError:
        return open_.get()


@dataclass(frozen=True)
class Sent:
    """What sending a survey did: the survey sent, or why none was."""

    survey: Survey | None
    skipped: str = ""  # "not_resolved", "no_consent", "no_address", "sent_already"


EMAIL_SUBJECTS = {
    Survey.Kind.COMPLAINT_CSAT: gettext_lazy("How did we handle your complaint?"),
    Survey.Kind.EXIT: gettext_lazy("We miss you: would you tell us why?"),
    Survey.Kind.TRIP_FEEDBACK: gettext_lazy("How was your trip?"),
    Survey.Kind.NPS: gettext_lazy("Would you recommend us?"),
}


@transaction.atomic
def survey_send(
    *,
    kind: str,
    contact: Contact,
    subject: Model | None = None,
    language: str | None = None,
    purpose: str = ConsentPurpose.SERVICE,
) -> Sent:
    """E-mail `contact` a survey (made by `survey_create`) if they may be e-mailed for
    `purpose` now (consent is read at this moment); once: an open survey sent already is not
    sent again."""
    if not has_consent(contact, ConsentChannel.EMAIL, purpose):
        return Sent(None, "no_consent")
    if not contact.email:
        return Sent(None, "no_address")
    survey = survey_create(kind=kind, contact=contact, subject=subject, language=language)
    survey = Survey.objects.select_for_update(of=("self",)).get(pk=survey.pk)
    if survey.sent_at is not None:
        return Sent(survey, "sent_already")
    about = subject_of(survey)
    with translation.override(survey.language or settings.LANGUAGE_CODE):
        context = {"contact": contact, "survey": survey, "about": about, "url": survey_url(survey)}
        title = str(EMAIL_SUBJECTS[Survey.Kind(survey.kind)])
        body = render_to_string("service/survey_email.txt", context)
    send_mail(title, body, None, [contact.email])
    survey_mark_sent(survey=survey, sent_to=contact.email, channel=Channel.EMAIL)
    return Sent(survey)


def _subject_params(survey: Survey) -> dict[str, Any]:
    """The survey's number, kind and what it is about, as its timeline events carry them."""
    params: dict[str, Any] = {"survey": survey.pk, "kind": survey.kind}
    model = ContentType.objects.get_for_id(survey.subject_type_id).model_class()
    if model is Complaint:
        params["complaint"] = survey.subject_id
    elif model is Order:
        params["order"] = survey.subject_id
    return params


def _timeline_source(survey: Survey) -> tuple[str, Model]:
    """The channel and source of a survey's timeline events: a complaint's satisfaction
    survey belongs to the complaint, the others are their own record."""
    if survey.kind == Survey.Kind.COMPLAINT_CSAT:
        complaint = subject_of(survey)
        if complaint is not None:
            return Channel.COMPLAINT, complaint
    return "", survey


def survey_mark_sent(*, survey: Survey, sent_to: str, channel: str = Channel.EMAIL) -> Survey:
    """Note that a survey's link went out (by our e-mail, or in another app's message to
    `sent_to` on `channel`), on the survey and the customer's timeline."""
    survey.sent_at = timezone.now()
    survey.sent_to = sent_to[:254]
    survey.save(update_fields=["sent_at", "sent_to"])
    own_channel, source = _timeline_source(survey)
    timeline.record(
        contact=survey.contact_id,
        channel=own_channel or channel,
        direction=Direction.OUTBOUND,
        kind=kinds.SURVEY_SENT,
        params=_subject_params(survey),
        source=source,
    )
    return survey


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
    if _surveys_of(complaint).filter(created_at__gte=complaint.resolved_at).exists():
        return Sent(None, "sent_already")
    return survey_send(
        kind=Survey.Kind.COMPLAINT_CSAT, contact=complaint.contact, subject=complaint
    )


def _one_to_five(value: Any, *, required: bool, message: str) -> int | None:
    if value in (None, "") and not required:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(message) from None
    if not 1 <= number <= 5:
        raise ValidationError(message)
    return number


def _clean_answer(
    survey: Survey, *, score: Any, reason: Any, nps: Any, comment: Any
) -> dict[str, Any]:
    """The answer's fields for the survey's kind; ValidationError naming each bad one."""
    errors: dict[str, list[str]] = {}
    answer: dict[str, Any] = {"score": None, "reason": "", "nps": None}
    kind = survey.kind
    try:
        answer["score"] = _one_to_five(
            score if kind != Survey.Kind.NPS else None,
            required=kind in (Survey.Kind.COMPLAINT_CSAT, Survey.Kind.TRIP_FEEDBACK),
            message=_("Choose a score from 1 to 5."),
        )
    except ValidationError as exc:
        errors["score"] = list(exc.messages)
    if kind == Survey.Kind.EXIT:
        if reason not in ExitReason.values:
            errors["reason"] = [_("Choose the reason that fits best.")]
        else:
            answer["reason"] = reason
    if kind == Survey.Kind.NPS:
        try:
            answer["nps"] = int(nps)
            if not 0 <= answer["nps"] <= 10:
                raise ValueError
        except (TypeError, ValueError):
            errors["nps"] = [_("Choose a score from 0 to 10.")]
    try:
        answer["comment"] = clean_text(comment, max_length=COMMENT_MAX, multiline=True)
    except ValidationError as exc:
        errors["comment"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    return answer


@transaction.atomic
def survey_answer(
    *,
    token: str,
    score: Any = None,
    comment: str = "",
    reason: str = "",
    nps: Any = None,
) -> Survey:
    """Record a customer's answer (once): a 1–5 `score` (satisfaction, the trip; "would you
    come back?" in an exit survey, optional there), the exit survey's `reason`, the 0–10
    `nps`, and a comment. ValidationError for a bad answer; SurveyLinkError for a link that
    cannot be answered."""
    survey = survey_from_token(token)
    survey = (
        Survey.objects.select_for_update(of=("self",)).select_related("contact").get(pk=survey.pk)
    )
    if survey.answered_at is not None:  # answered by a double click a moment ago
        raise AnsweredLink(_("This survey has been answered already. Thank you!"))
    answer = _clean_answer(survey, score=score, reason=reason, nps=nps, comment=comment)
    for field, value in answer.items():
        setattr(survey, field, value)
    survey.answered_at = timezone.now()
    survey.save(update_fields=["answered_at", *answer])
    channel, source = _timeline_source(survey)
    timeline.record(
        contact=survey.contact_id,
        channel=channel or Channel.WEB,
        direction=Direction.INBOUND,
        kind=kinds.SURVEY_ANSWERED,
        # "score" is the kind's own scale (what a scenario's "survey answered" trigger
        # compares): 1–5, or 0–10 for a recommendation survey, whose value is also "nps"
        params={
            **_subject_params(survey),
            "score": survey.nps if survey.kind == Survey.Kind.NPS else survey.score,
            "reason": survey.reason,
            "nps": survey.nps,
        },
        body=survey.comment,
        source=source,
    )
    if isinstance(source, Complaint):
        _complaint_answered(source, survey)
    return survey


def _complaint_answered(complaint: Complaint, survey: Survey) -> None:
    Complaint.objects.filter(pk=complaint.pk).update(satisfaction=survey.score)
    complaint.satisfaction = survey.score
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
