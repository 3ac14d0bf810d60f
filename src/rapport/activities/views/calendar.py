"""The calendar: a week or a month of one's own activities (a team lead's or administrator's:
of the people they answer for, with `team=1`), in the viewer's zone, recurring series expanded
to their occurrences. Shown as a list of days, which reads the same on a phone.

Not yet here: dragging to reschedule (each entry links to the activity, where it is moved)."""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render

from rapport.activities import selectors
from rapport.activities.models import Activity, ActivityStatus
from rapport.core.http import Request, date_or_none

WEEK, MONTH = "week", "month"


def _window(view: str, day: dt.date) -> tuple[dt.date, dt.date]:
    if view == MONTH:
        first = day.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return first, following
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=7)


@login_required
def calendar(request: Request) -> HttpResponse:
    user: Any = request.user
    zone = user.zone
    view = MONTH if request.GET.get("view") == MONTH else WEEK
    today = dt.datetime.now(zone).date()
    picked = date_or_none(request.GET.get("start"))
    first, end = _window(view, picked if isinstance(picked, dt.date) else today)
    after = dt.datetime.combine(first, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    before = dt.datetime.combine(end, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    people = selectors.overseen(user)
    team = people is not None and request.GET.get("team") == "1"
    whose = (
        Q(assignee__in=people) | Q(assignee=user)
        if team and people is not None
        else Q(assignee=user)
    )
    found = (
        selectors.activities_for(user)
        .filter(whose, due_at__lt=before)
        .filter(Q(status=ActivityStatus.PLANNED, recurrence__gt="") | Q(due_at__gte=after))
        .select_related("assignee", "contact")
        .order_by("due_at", "id")
    )
    days: dict[dt.date, list[tuple[dt.datetime, Activity]]] = defaultdict(list)
    for activity in found:
        moments = (
            selectors.occurrences(activity, after, before)
            if activity.status == ActivityStatus.PLANNED
            else [activity.due_at]
        )
        for moment in moments:
            local = moment.astimezone(zone)
            days[local.date()].append((local, activity))
    span = (end - first).days
    listed = [
        (
            first + dt.timedelta(days=n),
            sorted(days.get(first + dt.timedelta(days=n), []), key=lambda x: (x[0], x[1].pk)),
        )
        for n in range(span)
    ]
    step = _window(view, first - dt.timedelta(days=1))[0]
    return render(
        request,
        "activities/calendar.html",
        {
            "view": view,
            "days": listed,
            "today": today,
            "previous": step,
            "next": end,
            "team": team,
            "can_team": people is not None,
            "zone": zone,
        },
    )
