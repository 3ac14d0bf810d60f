"""Reads of complaints (scoped to what the viewer may see) and of the service set-up."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from rapport.contacts.search import search
from rapport.contacts.selectors import contacts_for
from rapport.core import visibility
from rapport.service import sla
from rapport.service.models import (
    BusinessHours,
    Complaint,
    ComplaintCategory,
    Holiday,
    RootCause,
    SlaPolicy,
    Survey,
)

OWNER_FIELD = "contact__owner"


def complaints_for(user: Any, action: visibility.Action = "view") -> QuerySet[Complaint]:
    """Complaints follow their customer's visibility; those who work every complaint (the
    service agents) see them all."""
    return visibility.scope(Complaint.objects.all(), user, action, owner_field=OWNER_FIELD)


def surveys_for(user: Any) -> QuerySet[Survey]:
    """Surveys follow their customer: those of the contacts `user` may see."""
    condition = visibility.condition(user, "contacts", "view", owner_field=OWNER_FIELD)
    return Survey.objects.all() if condition is None else Survey.objects.filter(condition)


def can(user: Any, action: visibility.Action, complaint: Complaint) -> bool:
    return visibility.can(user, action, complaint, owner_field=OWNER_FIELD)


def complaints_matching(complaints: QuerySet[Complaint], user: Any, q: str) -> QuerySet[Complaint]:
    """`complaints` numbered `q` ("#12" or "12") or whose customer (one `user` may see)
    matches it, or whose description holds it."""
    digits = q.lstrip("#")
    number = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 19 else None
    if q.startswith("#") and number is not None:
        return complaints.filter(pk=number)
    match = Q(contact__in=search(contacts_for(user), q).values("pk")) | Q(description__icontains=q)
    if number is not None:
        match |= Q(pk=number)
    return complaints.filter(match)


def assignees() -> QuerySet[Any]:
    """The users a complaint may be assigned to: those whose role works complaints."""
    return (
        get_user_model()
        .objects.filter(visibility.holders_q("complaints", "change"))
        .order_by("first_name", "last_name", "username")
    )


def categories(*, active_only: bool = False) -> QuerySet[ComplaintCategory]:
    found = ComplaintCategory.objects.order_by("name")
    return found.filter(is_active=True) if active_only else found


def root_causes(*, active_only: bool = False) -> list[RootCause]:
    """The taxonomy in reading order: each top-level cause followed by the causes under it."""
    causes = RootCause.objects.select_related("parent")
    if active_only:
        causes = causes.filter(is_active=True).filter(
            Q(parent__isnull=True) | Q(parent__is_active=True)
        )
    ordered = sorted(
        causes, key=lambda c: (c.parent.name if c.parent else c.name, bool(c.parent_id), c.name)
    )
    return ordered


def business_calendar(today: dt.date | None = None) -> sla.BusinessCalendar:
    """Opening hours and holidays in the site's time zone, as the SLA maths reads them."""
    today = today or timezone.localdate()
    hours: dict[int, list[sla.Window]] = {}
    for row in BusinessHours.objects.all():
        hours.setdefault(row.weekday, []).append(row.window)
    fixed: list[dt.date] = []
    yearly: list[dt.date] = []
    for day, every_year in Holiday.objects.values_list("date", "every_year"):
        (yearly if every_year else fixed).append(day)
    years = range(today.year - 1, today.year + 4)
    return sla.BusinessCalendar(
        zone=ZoneInfo(settings.TIME_ZONE),
        hours=hours,
        holidays=sla.yearly_dates(fixed, yearly, years),
    )


def policies() -> dict[str, SlaPolicy]:
    return {policy.severity: policy for policy in SlaPolicy.objects.all()}


def administrators() -> list[Any]:
    return list(get_user_model().objects.filter(visibility.admins_q()).order_by("pk"))


def escalation_targets(complaint: Complaint, *, admins: list[Any] | None = None) -> list[Any]:
    """Who answers for a complaint beyond its assignee: the lead of the assignee's team when
    they may see it, else every administrator (`admins`, when the caller has read them)."""
    assignee = complaint.assignee
    team = assignee.team if assignee is not None else None
    lead = team.lead if team is not None else None
    if lead is not None and lead.is_active and can(lead, "view", complaint):
        return [lead]
    return administrators() if admins is None else admins
