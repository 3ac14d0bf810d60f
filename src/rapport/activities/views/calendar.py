"""The calendar: a week or a month of one's own activities (a team lead's or administrator's:
of the people they answer for, with `team=1`), in the viewer's zone, recurring series expanded
to their occurrences. The month is a 7-column grid on wide screens and a list of days on a
phone (CSS only). An activity is moved by dragging it onto another day (activities/calendar.js,
keeping its time of day) or with its "Move to…" form; both post to `calendar_reschedule`, which
answers with the calendar again (HTMX)."""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from rapport.activities import selectors
from rapport.activities.models import Activity, ActivityStatus
from rapport.activities.views.my_day import AT, mine, move, told
from rapport.core.http import Request, date_or_none

WEEK, MONTH = "week", "month"
# Which occurrences of a series a move takes: the current one, or it and every later one.
THIS, FOLLOWING = "this", "following"
SCOPES = (THIS, FOLLOWING)


def _window(view: str, day: dt.date) -> tuple[dt.date, dt.date]:
    if view == MONTH:
        first = day.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return first, following
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=7)


def _context(request: Request, query: QueryDict, announce: str = "", error: str = "") -> Any:
    """The days shown for `query` (view, start, team: from the page's URL, or posted back by
    a move so the same period comes back)."""
    user: Any = request.user
    zone = user.zone
    view = MONTH if query.get("view") == MONTH else WEEK
    today = dt.datetime.now(zone).date()
    picked = date_or_none(query.get("start"))
    first, end = _window(view, picked if isinstance(picked, dt.date) else today)
    after = dt.datetime.combine(first, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    before = dt.datetime.combine(end, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    people = selectors.overseen(user)
    team = people is not None and query.get("team") == "1"
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
    return {
        "view": view,
        "days": listed,
        "nothing": not days,  # nothing planned or done in the whole period
        # the month grid's empty cells before the 1st (weeks start on Monday)
        "lead": range(first.weekday()) if view == MONTH else range(0),
        "today": today,
        "start": first,
        "previous": step,
        "next": end,
        "team": team,
        "can_team": people is not None,
        "zone": zone,
        "announce": announce,
        "error": error,
        "move_url": reverse("activities:calendar_reschedule"),
    }


@login_required
def calendar(request: Request) -> HttpResponse:
    return render(request, "activities/calendar.html", _context(request, request.GET))


def _asked(request: Request, activity: Activity) -> dict[str, Any] | None:
    """For a series moved without saying which occurrences (`scope`): what the dialog that
    asks "only this one, or this and the following?" shows and posts back; None when there
    is nothing to ask (a one-off, a scope given, or a time the move will refuse anyway)."""
    if not activity.recurrence or request.POST.get("scope") in SCOPES:
        return None
    raw = request.POST.get("due_at", "")
    try:
        picked = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        return None  # the move names what to fix
    return {"activity": activity, "due_at": raw, "when": picked.replace(tzinfo=None)}


@login_required
@require_POST
def calendar_reschedule(request: Request) -> HttpResponse:
    """Move an activity to `due_at` (wall-clock time in the viewer's zone, as the drop or the
    "Move to…" form sends it); 404 for one the user cannot see, 403 for one they may not
    change; the calendar of the same period comes back with the result announced. A
    recurring one moves its current occurrence (`scope=this`) or it and the following ones
    (`scope=following`); without a scope the calendar comes back asking which, in a dialog."""
    activity = mine(request)
    ask = _asked(request, activity)
    if ask is not None:
        context = _context(request, request.POST)
        context["ask"] = ask
        template = "activities/calendar.html"
        return render(request, f"{template}#grid" if request.htmx else template, context)
    following = request.POST.get("scope") == FOLLOWING
    announce, error = move(request, activity, AT, following=following)
    if not request.htmx:
        kept = {k: request.POST[k] for k in ("view", "start", "team") if request.POST.get(k)}
        return told(request, announce, error, f"{reverse('activities:calendar')}?{urlencode(kept)}")
    context = _context(request, request.POST, announce, error)
    context["moved"] = activity.pk
    return render(request, "activities/calendar.html#grid", context)
