"""Reads of activities, scoped to what the viewer may see (the role rule's "activities" kind,
reached through the assignee or the customer's owner), and a series' occurrences."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from rapport.activities import recurrence
from rapport.activities.models import ACTIVITY_OWNERS, Activity, ActivityStatus
from rapport.contacts.models import Contact
from rapport.core import permissions, visibility

PANEL_UPCOMING = 10
PANEL_DONE = 10


def activities_for(user: Any, action: visibility.Action = "view") -> QuerySet[Activity]:
    return visibility.scope(Activity.objects.all(), user, action, owner_field=ACTIVITY_OWNERS)


# What an activity links to: (field, the rule's kind, the path to that record's owner).
LINKS = (
    ("contact", "contacts", "contact__owner"),
    ("deal", "deals", "deal__owner"),
    ("complaint", "complaints", "complaint__contact__owner"),
)


def with_shown_links(activities: QuerySet[Activity], user: Any) -> QuerySet[Activity]:
    """Annotate `shown_contact_id`, `shown_deal_id` and `shown_complaint_id`: the
    activity's customer, deal and complaint when `user` may see them, else None. An activity
    one sees as its assignee may be on a customer since handed to another team; a list or
    export must not name them."""
    shown = {}
    for name, kind, path in LINKS:
        visible = visibility.condition(user, kind, owner_field=path)  # type: ignore[arg-type]
        shown[f"shown_{name}_id"] = (
            F(f"{name}_id")
            if visible is None
            else Case(When(visible, then=F(f"{name}_id")), default=Value(None))
        )
    return activities.annotate(**shown)


def can(user: Any, action: visibility.Action, activity: Activity) -> bool:
    """Whether `user` may act on one activity (the rule `activities_for` applies)."""
    return visibility.can(user, action, activity, owner_field=ACTIVITY_OWNERS)


def overdue(activities: QuerySet[Activity], now: dt.datetime | None = None) -> QuerySet[Activity]:
    return activities.filter(status=ActivityStatus.PLANNED, due_at__lt=now or timezone.now())


def occurrences(
    activity: Activity,
    after: dt.datetime,
    before: dt.datetime,
    *,
    limit: int = recurrence.MAX_OCCURRENCES,
) -> list[dt.datetime]:
    """When the activity is due within [after, before), in UTC: a one-off's due time, or the
    planned occurrences of a series (its current one, which may have been moved, then the
    rule's following ones), at most `limit`."""
    if activity.status != ActivityStatus.PLANNED:
        return []
    found = [activity.due_at] if after <= activity.due_at < before else []
    if activity.recurrence and activity.starts_at and activity.occurrence_at:
        zone = ZoneInfo(activity.time_zone)
        later = recurrence.occurrences(
            activity.recurrence,
            activity.starts_at.astimezone(zone),
            after=max(after, activity.occurrence_at).astimezone(zone),
            before=before.astimezone(zone),
            limit=limit + 1,
        )
        found += [m.astimezone(dt.UTC) for m in later if m > activity.occurrence_at]
    return sorted(found)[:limit]


@dataclass
class ContactActivities:
    """The activities section of a contact's 360° page."""

    next_step: Activity | None
    overdue: list[Activity] = field(default_factory=list)
    upcoming: list[Activity] = field(default_factory=list)
    done: list[Activity] = field(default_factory=list)
    can_plan: bool = False


def for_contact(user: Any, contact: Contact) -> ContactActivities:
    """What is planned with a customer: the next step (the earliest planned activity still
    ahead), what is overdue, what comes after, and the latest done."""
    now = timezone.now()
    # the complaint is read with the row: whoever handles it may work the activity
    mine = activities_for(user).filter(contact=contact).select_related("assignee", "complaint")
    planned = mine.filter(status=ActivityStatus.PLANNED).order_by("due_at", "id")
    late = list(planned.filter(due_at__lt=now)[:PANEL_UPCOMING])
    ahead = list(planned.filter(due_at__gte=now)[: PANEL_UPCOMING + 1])
    done = list(
        mine.exclude(status=ActivityStatus.PLANNED).order_by("-completed_at", "-id")[:PANEL_DONE]
    )
    for activity in (*late, *ahead, *done):
        activity.contact = contact  # the page's own: no query per row for the rule below
        activity.may_change = can(user, "change", activity)  # type: ignore[attr-defined]
    return ContactActivities(
        next_step=ahead[0] if ahead else None,
        overdue=late,
        upcoming=ahead[1:],
        done=done,
        can_plan=visibility.can_create(user, "activities")
        and visibility.can(user, "change", contact),
    )


def next_steps(user: Any, contacts: list[Contact]) -> dict[int, Activity]:
    """Each contact's next step: its earliest planned activity `user` may see (an overdue
    one first: it is still owed), by contact id; one query for the whole list page, the
    first of each contact picked by a window over the (contact, status, due) index."""
    if not contacts:
        return {}
    first = Window(RowNumber(), partition_by=[F("contact_id")], order_by=[F("due_at"), F("id")])
    planned = (
        activities_for(user)
        .filter(contact_id__in=[c.pk for c in contacts], status=ActivityStatus.PLANNED)
        .annotate(place=first)
        .filter(place=1)
        .only("id", "kind", "subject", "due_at", "status", "contact_id")
    )
    return {activity.contact_id: activity for activity in planned if activity.contact_id}


def put_next_steps(contacts: list[Contact], user: Any) -> None:
    """The contact list's "next step" column: `next_step` on each contact of the page."""
    found = next_steps(user, contacts)
    for contact in contacts:
        contact.next_step = found.get(contact.pk)  # type: ignore[attr-defined]


@dataclass
class ComplaintFollowUps:
    """The follow-ups section of a complaint's page."""

    planned: list[Activity]
    done: list[Activity]
    can_plan: bool


def for_complaint(user: Any, complaint: Any) -> ComplaintFollowUps:
    """The activities that follow up `complaint` which `user` may see: the planned ones
    soonest first, then the latest closed; and whether `user` may plan one."""
    follow_ups = activities_for(user).filter(complaint=complaint).select_related("assignee")
    planned = follow_ups.filter(status=ActivityStatus.PLANNED).order_by("due_at", "id")
    closed = follow_ups.exclude(status=ActivityStatus.PLANNED).order_by("-completed_at", "-id")
    return ComplaintFollowUps(
        planned=list(planned[:PANEL_UPCOMING]),
        done=list(closed[:PANEL_DONE]),
        can_plan=visibility.can_create(user, "activities")
        and visibility.can(user, "change", complaint.contact),
    )


# How many rows each part of "my day" shows: a manager with thousands of open activities still
# gets a page in a few queries; the counts say how many there are and the list links to all.
DAY_ROWS = 25
DAY_AHEAD = 7  # "upcoming": the days after today
# What a row of "my day" shows (and the dashboard counts): the rest of a row is not read.
DAY_FIELDS = (
    "id", "kind", "subject", "due_at", "status", "time_zone", "recurrence", "assignee",
    "contact", "contact__first_name", "contact__last_name",
)  # fmt: skip


@dataclass
class MyDay:
    """A user's own planned work, split at the start and end of their today (in their zone)."""

    overdue: list[Activity]
    today: list[Activity]
    upcoming: list[Activity]
    overdue_count: int
    today_start: dt.datetime
    tomorrow_start: dt.datetime
    ahead_end: dt.datetime


def day_bounds(zone: ZoneInfo, now: dt.datetime) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """The starts of today, of tomorrow and of the day after the upcoming week in `zone`, in
    UTC (local midnights, so a day across a daylight-saving change has its 23 or 25 hours)."""
    today = now.astimezone(zone).date()
    midnight = [
        dt.datetime.combine(today + dt.timedelta(days=n), dt.time(), tzinfo=zone).astimezone(dt.UTC)
        for n in (0, 1, 1 + DAY_AHEAD)
    ]
    return midnight[0], midnight[1], midnight[2]


def my_day(user: Any, now: dt.datetime | None = None) -> MyDay:
    """`user`'s planned activities: overdue (the oldest first), due today, and in the next
    DAY_AHEAD days, each at most DAY_ROWS; three queries on the (assignee, status, due) index,
    and a count of the overdue ones when there are more than a list shows.
    A series shows once, at its current occurrence: that is the one to do."""
    now = now or timezone.now()
    start, tomorrow, end = day_bounds(user.zone, now)
    # One's own assignments are always within one's reach (own ⊂ team ⊂ all), so the rule's
    # wider filter (which joins the customer's owner) is not needed here. Only the columns a
    # row shows are read: a page of 75 rows builds 150 model instances per request.
    mine = (
        Activity.objects.filter(assignee=user, status=ActivityStatus.PLANNED)
        .select_related("contact")
        .only(*DAY_FIELDS)
    )
    late = mine.filter(due_at__lt=now)
    rows = DAY_ROWS
    overdue = list(late.order_by("due_at", "id")[:rows])
    return MyDay(
        overdue=overdue,
        today=list(
            mine.filter(due_at__gte=now, due_at__lt=tomorrow).order_by("due_at", "id")[:rows]
        ),
        upcoming=list(
            mine.filter(due_at__gte=max(now, tomorrow), due_at__lt=end).order_by("due_at", "id")[
                :rows
            ]
        ),
        # a short list is all there is: counted only when the list was cut
        overdue_count=late.count() if len(overdue) == rows else len(overdue),
        today_start=start,
        tomorrow_start=tomorrow,
        ahead_end=end,
    )


def overseen(user: Any) -> QuerySet[Any] | None:
    """The people whose overdue work `user` answers for: every sales manager for an
    administrator, the members of the teams they lead for a team lead; None for others."""
    users = get_user_model().objects.filter(is_active=True)
    if permissions.is_admin(user):
        return users.filter(visibility.sellers_q())
    if user.is_authenticated and user.led_teams.exists():
        return users.filter(team__lead=user).exclude(pk=user.pk)
    return None


def overdue_per_person(people: QuerySet[Any], now: dt.datetime | None = None) -> list[Any]:
    """`people` with `overdue` (their planned activities past due, a count), the most behind
    first: one grouped query."""
    now = now or timezone.now()
    late = Count(
        "activities",
        filter=Q(activities__status=ActivityStatus.PLANNED, activities__due_at__lt=now),
    )
    return list(people.annotate(overdue=late).order_by("-overdue", "username"))
