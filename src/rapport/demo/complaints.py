"""Complaints in the demo, so that the complaint list, the SLA warnings and the root-cause
report have something to show for every login: each sales manager's customers complained
recently (a complaint in every status, some past their SLA deadlines and some within) and
over the past year (resolved and closed ones with their root causes and answered satisfaction
surveys, one reopened after a low score).

Deterministic (no random draws: the plan is index arithmetic, times are relative to `now`)
and written in bulk: a few dozen complaints with their history, surveys and timeline events
in a handful of queries. Deadlines come from the service's own SLA arithmetic.
"""

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import OuterRef, Subquery

from rapport.contacts.models import Contact
from rapport.demo.generate import EXTERNAL_ID_PREFIX
from rapport.sales.models import Order, OrderLine
from rapport.service import selectors
from rapport.service import timeline_kinds as kinds
from rapport.service.models import (
    Complaint,
    ComplaintCategory,
    ComplaintStatus,
    ComplaintStatusChange,
    RootCause,
    SlaPolicy,
    Survey,
)
from rapport.service.services import sla_deadlines
from rapport.service.sla import BusinessCalendar
from rapport.timeline.models import Channel, Direction
from rapport.timeline.services import Entry, record_many

S = ComplaintStatus
CATEGORIES = ("Hotel", "Transfer", "Flights", "Excursions and guides", "Booking and documents")
CAUSES: dict[str, tuple[str, ...]] = {
    "Supplier": ("Hotel overbooked", "Room not as described", "Transfer late or missing"),
    "Airline": ("Flight delayed", "Schedule changed"),
    "Our process": ("Wrong dates booked", "Documents sent late", "Slow reply"),
    "Customer": ("Misread the offer",),
}


@dataclass(frozen=True)
class Case:
    """What a customer complained about, and how it ended."""

    category: str
    channel: str
    description: str
    cause: tuple[str, str]  # (top-level cause, cause under it)
    resolution: str
    comment: str  # the customer's words in the satisfaction survey


CASES = (
    Case("Hotel", "phone", "The hotel had no room for us on arrival; we waited four hours.",
         ("Supplier", "Hotel overbooked"), "Moved to a better hotel nearby and refunded a night.",
         "Sorted quickly once we called."),
    Case("Transfer", "messenger", "Nobody met us at the airport; we took a taxi ourselves.",
         ("Supplier", "Transfer late or missing"), "Refunded the taxi fare and the transfer.",
         "Fair, but it spoiled the first evening."),
    Case("Flights", "email", "The flight was moved by six hours and nobody told us.",
         ("Airline", "Schedule changed"), "Rebooked the transfer and added a late check-out.",
         "Thank you for the late check-out."),
    Case("Booking and documents", "email", "The vouchers came the evening before departure.",
         ("Our process", "Documents sent late"), "Apologised; vouchers now go out a week before.",
         ""),
    Case("Hotel", "visit", "The room faced the car park, not the sea as the offer said.",
         ("Supplier", "Room not as described"), "The hotel moved us; partial refund agreed.",
         "The new room was lovely."),
    Case("Booking and documents", "phone", "The booking was made for the wrong week.",
         ("Our process", "Wrong dates booked"), "Rebooked the right week at our cost.",
         "Mistakes happen, it was fixed."),
    Case("Excursions and guides", "social", "The guide spoke only Spanish on an English tour.",
         ("Supplier", "Room not as described"), "Refunded the excursion.", ""),
    Case("Flights", "phone", "Our flight was four hours late and we missed the dinner.",
         ("Airline", "Flight delayed"), "Helped claim the airline's compensation.",
         "Good help with the claim."),
    Case("Hotel", "web", "Breakfast was not included although we paid for it.",
         ("Customer", "Misread the offer"), "Explained the board basis; a goodwill voucher.",
         "I should have read more carefully."),
    Case("Transfer", "email", "We asked three times about the transfer and got no answer.",
         ("Our process", "Slow reply"), "Answered and confirmed; replies now within a day.",
         "Took too long."),
)  # fmt: skip

# The recent complaints of each manager's customers: (status, hours since registered,
# severity). A new low one and an in-progress low one are well within their SLA; the
# critical one waited past its hour for a first response, the normal one in progress for
# six days is past its resolution deadline.
RECENT = (
    (S.NEW, 1.5, "low"),
    (S.NEW, 30, "critical"),
    (S.IN_PROGRESS, 5, "low"),
    (S.IN_PROGRESS, 6 * 24, "normal"),
    (S.WAITING, 20, "high"),
)
# Each manager's history: how many resolved or closed complaints, hours to the first
# response and to resolution (some late: a breached SLA stays on the record), scores.
HISTORY = 6
RESPONSE_HOURS = (0.5, 2, 5, 1, 0.3, 3)
RESOLUTION_HOURS = (3, 20, 50, 8, 100, 30)
SCORES = (5, 4, 5, None, 3, 4)  # None: the survey went out and was never answered
LOW_SCORE = 2  # the reopened complaint's score (a low score reopens, as the service does)


def _case(index: int) -> Case:
    """The story of the `index`-th complaint: stepping by 3 through the ten cases (coprime)
    so that a case does not always come with the same status."""
    return CASES[index * 3 % len(CASES)]


def ensure_taxonomy() -> tuple[dict[str, int], dict[tuple[str, str], RootCause]]:
    """The categories and root causes the demo's complaints use (admin-editable later)."""
    categories = {
        name: ComplaintCategory.objects.get_or_create(name=name)[0].pk for name in CATEGORIES
    }
    causes: dict[tuple[str, str], RootCause] = {}
    for top, children in CAUSES.items():
        parent = RootCause.objects.get_or_create(name=top, parent=None)[0]
        for name in children:
            causes[top, name] = RootCause.objects.get_or_create(name=name, parent=parent)[0]
    return categories, causes


def _customers(manager_id: int, need: int) -> list[tuple[int, int | None, int | None]]:
    """(contact, order, product) for the manager's customers who bought most recently, then
    any of their customers: a complaint is usually about a trip."""
    product = OrderLine.objects.filter(order=OuterRef("pk")).order_by("id").values("product")[:1]
    bought = list(
        Order.objects.filter(
            contact__owner_id=manager_id,
            contact__external_id__startswith=EXTERNAL_ID_PREFIX,
            status__in=("booked", "paid"),
        )
        .annotate(first_product=Subquery(product))
        .order_by("-order_date", "-id")
        .values_list("contact_id", "pk", "first_product")[: need * 3]
    )
    found: list[tuple[int, int | None, int | None]] = []
    seen: set[int] = set()
    for contact, order, item in bought:
        if contact not in seen:
            seen.add(contact)
            found.append((contact, order, item))
    if len(found) < need:
        others = Contact.objects.filter(
            owner_id=manager_id, external_id__startswith=EXTERNAL_ID_PREFIX
        ).exclude(pk__in=seen)
        found += [(pk, None, None) for pk in others.order_by("-id").values_list("pk", flat=True)]
    return found[:need]


@dataclass
class _Plan:
    """One complaint and what happened to it, before it is written."""

    complaint: Complaint
    case: Case
    created: dt.datetime
    steps: list[tuple[str, ComplaintStatus, dt.datetime]]  # (from, to, at)
    score: int | None = None
    surveyed_at: dt.datetime | None = None


def _complaint(
    *, contact: tuple[int, int | None, int | None], case: Case, severity: str,
    created: dt.datetime, assignee: int | None, registered_by: int, category: int,
) -> Complaint:  # fmt: skip
    complaint = Complaint(
        contact_id=contact[0],
        order_id=contact[1],
        product_id=contact[2],
        channel=case.channel,
        category_id=category,
        severity=severity,
        description=case.description,
        assignee_id=assignee,
        status=S.NEW,
        clock_started_at=created,
        created_by_id=registered_by,
    )
    for name, value in _deadlines(severity, created).items():
        setattr(complaint, name, value)
    return complaint


@cache
def _sla() -> tuple[dict[str, SlaPolicy], BusinessCalendar]:
    return selectors.policies(), selectors.business_calendar()


def _deadlines(severity: str, start: dt.datetime, *, response: bool = True) -> dict[str, Any]:
    policies, calendar = _sla()
    return sla_deadlines(severity, start, response=response, policies=policies, calendar=calendar)


def _late(moment: dt.datetime | None, due: dt.datetime | None) -> bool:
    return moment is not None and due is not None and moment > due


def _recent(plan: list[_Plan], *, contact: Any, k: int, now: dt.datetime, **who: Any) -> None:
    status, hours, severity = RECENT[k % len(RECENT)]
    case = _case(k)
    created = now - dt.timedelta(hours=hours)
    complaint = _complaint(contact=contact, case=case, severity=severity, created=created, **who)
    steps = [("", S.NEW, created)]
    if status != S.NEW:
        responded = created + dt.timedelta(hours=min(1.0, hours / 4))
        complaint.first_responded_at = responded
        steps.append((S.NEW, S.IN_PROGRESS, responded))
        if status == S.WAITING:
            steps.append((S.IN_PROGRESS, S.WAITING, responded + dt.timedelta(hours=hours / 4)))
    complaint.status = status
    complaint.breached = complaint.overdue(now) or _late(
        complaint.first_responded_at, complaint.first_response_due
    )
    plan.append(_Plan(complaint, case, created, steps))


def _past(
    plan: list[_Plan], *, contact: Any, k: int, j: int, reopen: bool, now: dt.datetime,
    causes: dict[tuple[str, str], RootCause], **who: Any,
) -> None:  # fmt: skip
    """A complaint from the past year, resolved (and closed three days later, every other
    one), with its survey; `reopen`: its customer scored it low and it is being worked
    again."""
    case = _case(k)
    days = 9 if reopen else 10 + (k * 53) % 340
    created = now - dt.timedelta(days=days, hours=(k * 7) % 10)
    severity = ("normal", "low", "high", "normal", "normal", "low")[j % 6]
    complaint = _complaint(contact=contact, case=case, severity=severity, created=created, **who)
    responded = created + dt.timedelta(hours=RESPONSE_HOURS[j % 6])
    resolved = created + dt.timedelta(hours=RESOLUTION_HOURS[j % 6])
    complaint.first_responded_at, complaint.resolved_at = responded, resolved
    complaint.root_cause = causes[case.cause]
    complaint.resolution = case.resolution
    complaint.breached = _late(responded, complaint.first_response_due) or _late(
        resolved, complaint.resolution_due
    )
    steps = [("", S.NEW, created), (S.NEW, S.IN_PROGRESS, responded),
             (S.IN_PROGRESS, S.RESOLVED, resolved)]  # fmt: skip
    complaint.status = S.RESOLVED
    score = LOW_SCORE if reopen else SCORES[j % len(SCORES)]
    surveyed = resolved + dt.timedelta(hours=1)
    if reopen:
        reopened = surveyed + dt.timedelta(days=1)
        steps.append((S.RESOLVED, S.IN_PROGRESS, reopened))
        complaint.status, complaint.resolved_at = S.IN_PROGRESS, None
        complaint.clock_started_at = reopened
        for name, value in _deadlines(severity, reopened, response=False).items():
            setattr(complaint, name, value)
    elif j % 2 == 0:
        complaint.status, complaint.closed_at = S.CLOSED, resolved + dt.timedelta(days=3)
        steps.append((S.RESOLVED, S.CLOSED, complaint.closed_at))
    complaint.satisfaction = score
    plan.append(_Plan(complaint, case, created, steps, score=score, surveyed_at=surveyed))


def _events(item: _Plan, survey: Survey | None, staff: dict[int, Any]) -> list[Entry]:
    """The complaint's timeline: registered, each move, the survey sent and answered."""
    complaint = item.complaint
    actor = staff.get(complaint.created_by_id or 0)
    entries = [
        Entry(
            contact=complaint.contact_id, channel=Channel.COMPLAINT, direction=Direction.INBOUND,
            occurred_at=item.created, kind=kinds.COMPLAINT_REGISTERED, body=complaint.description,
            actor=actor,
            params={"complaint": complaint.pk, "severity": complaint.severity,
                    "category_name": item.case.category},
            source=complaint,
        )
    ]  # fmt: skip
    worker = staff.get(complaint.assignee_id or 0, actor)
    for old, new, at in item.steps[1:]:
        kind = kinds.COMPLAINT_STATUS_CHANGED
        params: dict[str, Any] = {"old": old, "new": new}
        if new == S.RESOLVED:
            label = complaint.root_cause.label if complaint.root_cause else ""
            kind, params = kinds.COMPLAINT_RESOLVED, {"root_cause_name": label}
        elif old == S.RESOLVED and new == S.IN_PROGRESS:
            kind, params = kinds.COMPLAINT_REOPENED, {"old": old, "score": item.score}
        entries.append(
            Entry(contact=complaint.contact_id, channel=Channel.COMPLAINT,
                  direction=Direction.INTERNAL, occurred_at=at, kind=kind,
                  params={"complaint": complaint.pk, **params},
                  actor=None if kind == kinds.COMPLAINT_REOPENED else worker, source=complaint)
        )  # fmt: skip
    if survey is not None and survey.sent_at is not None:
        entries.append(
            Entry(contact=complaint.contact_id, channel=Channel.COMPLAINT,
                  direction=Direction.OUTBOUND, occurred_at=survey.sent_at, kind=kinds.SURVEY_SENT,
                  params={"complaint": complaint.pk, "survey": survey.pk}, source=complaint)
        )  # fmt: skip
    if survey is not None and survey.answered_at is not None:
        entries.append(
            Entry(contact=complaint.contact_id, channel=Channel.COMPLAINT,
                  direction=Direction.INBOUND, occurred_at=survey.answered_at,
                  kind=kinds.SURVEY_ANSWERED, body=survey.comment,
                  params={"complaint": complaint.pk, "survey": survey.pk, "score": survey.score},
                  source=complaint)
        )  # fmt: skip
    return entries


@transaction.atomic
def ensure_complaints(
    *, manager_ids: list[int], agent_ids: list[int], now: dt.datetime
) -> list[Complaint]:
    """Write every manager's customers' complaints (recent and past) with their history,
    surveys and timeline; return the complaints."""
    categories, causes = ensure_taxonomy()
    _sla.cache_clear()  # the set-up as it is now, read once for the whole load
    plan: list[_Plan] = []
    for m, manager in enumerate(manager_ids):
        customers = _customers(manager, len(RECENT) + HISTORY)
        if not customers:
            continue
        for k in range(len(RECENT) + HISTORY):
            contact = customers[k % len(customers)]
            index = m * (len(RECENT) + HISTORY) + k
            case = _case(index)
            # Two in three go to a service agent; the rest the manager works themselves.
            agent = agent_ids[index % len(agent_ids)] if agent_ids else manager
            assignee = manager if index % 3 == 2 else agent
            who = {"assignee": assignee, "registered_by": agent, "category": categories[
                case.category]}  # fmt: skip
            if k < len(RECENT):
                _recent(plan, contact=contact, k=index, now=now, **who)
            else:
                j = k - len(RECENT)
                reopen = m % 3 == 0 and j == HISTORY - 1
                _past(plan, contact=contact, k=index, j=j, reopen=reopen, now=now, causes=causes,
                      **who)  # fmt: skip
    complaints = Complaint.objects.bulk_create([item.complaint for item in plan])
    for item in plan:  # creation times are the story's, not the load's
        item.complaint.created_at = item.created
        item.complaint.updated_at = item.steps[-1][2]
    Complaint.objects.bulk_update(complaints, ["created_at", "updated_at"])
    ComplaintStatusChange.objects.bulk_create(
        ComplaintStatusChange(
            complaint=item.complaint, from_status=old, to_status=new, at=at,
            actor_id=None if old == S.RESOLVED and new == S.IN_PROGRESS
            else item.complaint.assignee_id or item.complaint.created_by_id,
        )
        for item in plan
        for old, new, at in item.steps
    )  # fmt: skip
    surveys = _surveys(plan)
    staff = get_user_model().objects.in_bulk([*manager_ids, *agent_ids])
    record_many(
        [entry for item in plan for entry in _events(item, surveys.get(item.complaint.pk), staff)]
    )
    return complaints


def _surveys(plan: list[_Plan]) -> dict[int, Survey]:
    """The satisfaction surveys of the resolved complaints, sent an hour after resolution and
    answered (when they were) the next day."""
    subject_type = ContentType.objects.get_for_model(Complaint)
    addresses = {
        pk: (email, language)
        for pk, email, language in Contact.objects.filter(
            pk__in=[item.complaint.contact_id for item in plan if item.surveyed_at]
        ).values_list("pk", "email", "language")
    }
    surveys: dict[int, Survey] = {}
    for item in plan:
        if item.surveyed_at is None:
            continue
        complaint = item.complaint
        surveys[complaint.pk] = Survey(
            kind=Survey.Kind.COMPLAINT_CSAT,
            contact_id=complaint.contact_id,
            subject_type=subject_type,
            subject_id=complaint.pk,
            sent_to=addresses.get(complaint.contact_id, ("", ""))[0],
            language=addresses.get(complaint.contact_id, ("", ""))[1],
            sent_at=item.surveyed_at,
            answered_at=item.surveyed_at + dt.timedelta(hours=20) if item.score else None,
            score=item.score,
            comment=item.case.comment if item.score else "",
        )
    Survey.objects.bulk_create(surveys.values())
    for survey in surveys.values():
        survey.created_at = survey.sent_at or survey.created_at
    Survey.objects.bulk_update(surveys.values(), ["created_at"])
    return surveys
