"""Planned work in the demo, so that "my day", the calendar, the team's overdue view and the
contacts' next steps show a working day for every sales manager and service agent.

Each sales manager has, with their own customers (and open deals): overdue calls and tasks,
more due later today, the coming week's, a weekly series with its past occurrences done,
done activities with their outcomes (on the timeline) and a cancelled one; the coming ones
carry reminders. A service agent's plans follow up the complaints they work.

Deterministic (times are wall-clock slots in the assignee's zone, relative to `now`) and
written in bulk: one insert per table.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from rapport.accounts.models import User
from rapport.activities import recurrence
from rapport.activities import timeline_kinds as kinds
from rapport.activities.models import Activity, ActivityKind, ActivityReminder, ActivityStatus
from rapport.activities.services.activities import CHANNELS
from rapport.contacts.models import Contact
from rapport.demo.generate import EXTERNAL_ID_PREFIX
from rapport.sales.models import Deal
from rapport.service.models import Complaint, ComplaintStatus
from rapport.timeline.models import Direction
from rapport.timeline.services import Entry, record_many

K = ActivityKind
SERIES_RULE = "FREQ=WEEKLY;COUNT=12"
SERIES_WEEKS_AGO = 3


@dataclass(frozen=True)
class Slot:
    """One planned activity: when (`day` from today, at `time`, or "later today" as a share
    of what is left of the day), what, for whom, and how it ended."""

    kind: str
    subject: str
    day: int = 0
    time: dt.time | None = None
    later_today: float = 0.0  # 0 < share < 1: that far into the rest of today
    minutes: int = 0
    reminders: tuple[int, ...] = ()
    outcome: str = ""  # done (with these words) when set
    cancelled: bool = False
    deal: bool = False  # about one of the manager's open deals
    notes: str = ""


T = dt.time
SALES_DAY = (
    Slot(K.CALL, "Call back about the offer", day=-2, time=T(10), deal=True),
    Slot(K.TASK, "Send the visa checklist", day=-1, time=T(16)),
    Slot(K.EMAIL, "Send the hotel options", day=-1, time=T(11, 30)),
    Slot(K.CALL, "Confirm the flight times", later_today=0.25, reminders=(15,)),
    Slot(K.MEETING, "Meet to choose the hotel", later_today=0.5, minutes=45, reminders=(60, 15),
         notes="Bring the brochures for Crete and Rhodes."),
    Slot(K.TASK, "Prepare the travel documents", later_today=0.75, reminders=(30,)),
    Slot(K.CALL, "Ask about the school holiday dates", day=1, time=T(10), reminders=(1440, 15)),
    Slot(K.MEETING, "Sign the contract", day=2, time=T(14), minutes=60, reminders=(1440, 60),
         deal=True),
    Slot(K.EMAIL, "Send the early-booking offer", day=4, time=T(11, 30), reminders=(60,)),
    Slot(K.TASK, "Check the passport expiry dates", day=6, time=T(16, 30)),
    Slot(K.CALL, "Discuss the itinerary", day=-3, time=T(12), minutes=20,
         outcome="Agreed on seven nights by the sea; the offer goes out today."),
    Slot(K.MEETING, "Meeting at the office", day=-6, time=T(15), minutes=40,
         outcome="Chose the hotel; a deposit is paid by Friday."),
    Slot(K.EMAIL, "Send the booking confirmation", day=-1, time=T(9, 30),
         outcome="Confirmation and vouchers sent."),
    Slot(K.CALL, "Call about the excursion", day=-2, time=T(17), cancelled=True),
)  # fmt: skip
AGENT_DAY = (
    Slot(K.CALL, "Call back about the complaint", day=-1, time=T(10)),
    Slot(K.TASK, "Ask the hotel for its account of events", day=-1, time=T(15)),
    Slot(K.CALL, "Tell the customer what the supplier answered", later_today=0.3,
         reminders=(15,)),
    Slot(K.EMAIL, "Send the refund confirmation", later_today=0.7, reminders=(30,)),
    Slot(K.CALL, "Check the customer is satisfied", day=2, time=T(11), reminders=(1440, 15)),
    Slot(K.TASK, "Review the supplier's compensation offer", day=3, time=T(14, 30)),
    Slot(K.CALL, "First call about the complaint", day=-2, time=T(9, 30), minutes=15,
         outcome="Apologised and promised an answer from the hotel by tomorrow."),
    Slot(K.EMAIL, "Ask the customer for photos", day=-1, time=T(12),
         outcome="Photos of the room received."),
)  # fmt: skip
SERIES = Slot(K.CALL, "Weekly check-in with the corporate travel desk", time=T(9, 30),
              minutes=15, reminders=(15,))  # fmt: skip
SERIES_OUTCOMES = (
    "Two trips booked for next month.",
    "No new trips; they asked for a conference venue offer.",
    "Confirmed the team-building weekend.",
)


@dataclass
class _Planned:
    activity: Activity
    reminders: Sequence[int] = ()
    occurrences: list[Activity] = field(default_factory=list)


def _due(slot: Slot, user: User, now: dt.datetime) -> dt.datetime:
    zone = user.zone
    local_now = now.astimezone(zone)
    if slot.later_today:
        midnight = dt.datetime.combine(local_now.date() + dt.timedelta(days=1), T(), tzinfo=zone)
        left = midnight.astimezone(dt.UTC) - now
        due = now + left * slot.later_today
        # On the quarter hour when the day has room for it (never before now).
        if left > dt.timedelta(hours=1):
            due += dt.timedelta(minutes=15) - dt.timedelta(
                minutes=due.minute % 15, seconds=due.second, microseconds=due.microsecond
            )
        return due.replace(microsecond=0)
    day = local_now.date() + dt.timedelta(days=slot.day)
    return dt.datetime.combine(day, slot.time or T(10), tzinfo=zone).astimezone(dt.UTC)


def _activity(
    slot: Slot, user: User, contact: int | None, deal: int | None, now: dt.datetime,
    subject: str,
) -> Activity:  # fmt: skip
    due = _due(slot, user, now)
    activity = Activity(
        kind=slot.kind, subject=subject, notes=slot.notes, due_at=due,
        time_zone=user.zone.key, duration_minutes=slot.minutes, assignee_id=user.pk,
        contact_id=contact, deal_id=deal, created_by_id=user.pk,
    )  # fmt: skip
    if slot.outcome:
        activity.status, activity.outcome = ActivityStatus.DONE, slot.outcome
        activity.completed_at = min(now, due + dt.timedelta(minutes=slot.minutes or 10))
    elif slot.cancelled:
        activity.status, activity.completed_at = ActivityStatus.CANCELLED, due
    return activity


def _series(user: User, contact: int | None, now: dt.datetime) -> _Planned:
    """A weekly call that began a few weeks ago: its past occurrences done, each a row with
    its outcome, and the series due at its next one."""
    zone = user.zone
    first_day = now.astimezone(zone).date() - dt.timedelta(weeks=SERIES_WEEKS_AGO)
    start = dt.datetime.combine(first_day, SERIES.time or T(10), tzinfo=zone)
    rule = recurrence.clean(SERIES_RULE, start)
    past = recurrence.occurrences(rule, start, after=start, before=now.astimezone(zone))
    current = recurrence.next_after(rule, start, past[-1]) if past else start
    assert current is not None  # twelve weeks: three are past
    series = Activity(
        kind=SERIES.kind, subject=SERIES.subject, due_at=current.astimezone(dt.UTC),
        time_zone=zone.key, duration_minutes=SERIES.minutes, assignee_id=user.pk,
        contact_id=contact, recurrence=rule, starts_at=start.astimezone(dt.UTC),
        occurrence_at=current.astimezone(dt.UTC), created_by_id=user.pk,
    )  # fmt: skip
    done = [
        Activity(
            kind=SERIES.kind,
            subject=SERIES.subject,
            due_at=at.astimezone(dt.UTC),
            time_zone=zone.key,
            duration_minutes=SERIES.minutes,
            assignee_id=user.pk,
            contact_id=contact,
            occurrence_at=at.astimezone(dt.UTC),
            status=ActivityStatus.DONE,
            outcome=SERIES_OUTCOMES[n % len(SERIES_OUTCOMES)],
            completed_at=min(now, at.astimezone(dt.UTC) + dt.timedelta(minutes=SERIES.minutes)),
            created_by_id=user.pk,
        )
        for n, at in enumerate(past)
    ]
    return _Planned(series, SERIES.reminders, done)


def _manager_plans(user: User, now: dt.datetime) -> list[_Planned]:
    customers = list(
        Contact.objects.filter(owner=user, external_id__startswith=EXTERNAL_ID_PREFIX)
        .order_by("-id")
        .values_list("pk", flat=True)[: len(SALES_DAY) + 1]
    )
    if not customers:
        return []
    deals = list(
        Deal.objects.filter(owner=user, stage__kind="open")
        .order_by("-id")
        .values_list("pk", "contact_id", "title")[:4]
    )
    plans = []
    for n, slot in enumerate(SALES_DAY):
        contact, deal, subject = customers[n % len(customers)], None, slot.subject
        if slot.deal and deals:
            deal, contact, title = deals[n % len(deals)]
            subject = f"{slot.subject}: {title}"[:200]
        plans.append(_Planned(_activity(slot, user, contact, deal, now, subject), slot.reminders))
    # The corporate customer's weekly call: a customer who works for a company, if any.
    corporate = (
        Contact.objects.filter(
            owner=user, external_id__startswith=EXTERNAL_ID_PREFIX, company__isnull=False
        )
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )
    plans.append(_series(user, corporate or customers[-1], now))
    return plans


def _agent_plans(user: User, complaints: list[Complaint], now: dt.datetime) -> list[_Planned]:
    """Follow-ups of the complaints the agent works: the open ones' still to do, the done
    ones on complaints already answered."""
    mine = [c for c in complaints if c.assignee_id == user.pk]
    open_ = [c for c in mine if c.is_open] or mine
    answered = [c for c in open_ if c.status != ComplaintStatus.NEW] or open_
    if not mine:
        return []
    plans = []
    for n, slot in enumerate(AGENT_DAY):
        # a follow-up comes after its complaint: one due yesterday is about an older one
        due = _due(slot, user, now)

        def before(complaints: list[Complaint], due: dt.datetime = due) -> list[Complaint]:
            return [c for c in complaints if c.created_at is not None and c.created_at < due]

        pool = before(answered if slot.outcome else open_) or before(mine)
        if not pool:
            continue
        complaint = pool[n % len(pool)]
        subject = f"{slot.subject} #{complaint.pk}"
        activity = _activity(slot, user, complaint.contact_id, None, now, subject)
        activity.complaint_id = complaint.pk
        plans.append(_Planned(activity, slot.reminders))
    return plans


def _done_events(activities: list[Activity], users: dict[int, User]) -> list[Entry]:
    """The timeline entries of the done activities (as completing one records it)."""
    return [
        Entry(
            contact=a.contact_id,
            channel=CHANNELS[K(a.kind)],
            direction=Direction.INTERNAL if a.kind == K.TASK else Direction.OUTBOUND,
            occurred_at=a.completed_at,
            actor=users[a.assignee_id],
            kind=kinds.ACTIVITY_COMPLETED,
            params={"activity": a.pk, "kind": a.kind, "subject": a.subject},
            body=a.outcome,
            duration_seconds=a.duration_minutes * 60 if a.duration_minutes else None,
            source=a,
        )
        for a in activities
        if a.status == ActivityStatus.DONE and a.contact_id
    ]


@transaction.atomic
def ensure_activities(
    *, managers: list[User], agents: list[User], complaints: list[Complaint], now: dt.datetime
) -> dict[str, int]:
    """Write the managers' and agents' planned and done work; returns rows per table."""
    plans: list[_Planned] = []
    for manager in managers:
        plans += _manager_plans(manager, now)
    for agent in agents:
        plans += _agent_plans(agent, complaints, now)
    heads = Activity.objects.bulk_create([p.activity for p in plans])
    for plan in plans:
        for occurrence in plan.occurrences:
            occurrence.series = plan.activity
    occurrences = Activity.objects.bulk_create([o for p in plans for o in p.occurrences])
    ActivityReminder.objects.bulk_create(
        ActivityReminder(activity=p.activity, minutes_before=m, active_from=now)
        for p in plans
        if p.activity.status == ActivityStatus.PLANNED
        for m in p.reminders
    )
    # Planned a week before they were due (or today, for what comes later).
    everything = [*heads, *occurrences]
    for activity in everything:
        activity.created_at = min(now, activity.due_at - dt.timedelta(days=7))
    Activity.objects.bulk_update(everything, ["created_at"])
    users = {user.pk: user for user in (*managers, *agents)}
    events = record_many(_done_events(everything, users))
    return {
        "activities": len(heads) + len(occurrences),
        "reminders": sum(len(p.reminders) for p in plans if p.activity.status == "planned"),
        "timeline": len(events),
    }
