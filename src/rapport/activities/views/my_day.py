"""'My day': the signed-in user's overdue, today's and coming activities in their own zone,
each done or moved with one click (HTMX swaps the page's lists), and for a team lead or an
administrator the overdue work of each person they answer for."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.activities import selectors, services
from rapport.activities.models import Activity, ActivityKind
from rapport.core.dates import format_for
from rapport.core.http import Request, get_visible_or_404, int_or_none
from rapport.core.stamps import Stamp

TEMPLATE = "activities/my_day.html"
# The reschedule buttons: one hour later, the same time tomorrow, or a time picked.
LATER = "hour"
TOMORROW = "tomorrow"
AT = "at"


# What differs from row to row of the lists; the rest of a row is the template's `row` part.
ROW_FIELDS = ("url", "subject", "kind", "due_iso", "due", "contact", "pk", "scope")


def rows(request: Request, day: selectors.MyDay, zone: ZoneInfo) -> dict[str, list[SafeString]]:
    """Each list's rows as HTML, from the template's `row` part rendered once (a Stamp): the
    page must stay fast with 75 rows (see rapport.core.stamps)."""
    stamp = Stamp(
        f"{TEMPLATE}#row",
        ROW_FIELDS,
        {
            "complete_url": reverse("activities:day_complete"),
            "move_url": reverse("activities:day_reschedule"),
            "csrf_input": format_html(
                '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
            ),
        },
    )
    prefix = reverse("activities:activity_list")  # + "<pk>/": an activity's page
    # a repeating activity's buttons move this occurrence or it and the following ones
    scope = render_to_string(f"{TEMPLATE}#scope")
    labels = {value: str(label) for value, label in ActivityKind.choices}
    # what the `date` filter would use for SHORT_DATETIME_FORMAT, looked up once
    shown = get_format(format_for("SHORT_DATETIME_FORMAT") or "SHORT_DATETIME_FORMAT")

    def row(activity: Activity) -> SafeString:
        due = timezone.localtime(activity.due_at, zone)
        contact = activity.contact
        return stamp.fill(
            {
                "url": f"{prefix}{activity.pk}/",
                "subject": activity.subject,
                "kind": labels.get(activity.kind, activity.kind),
                "due_iso": due.isoformat(),  # the `date` filter's "c"
                "due": dateformat.format(due, shown),
                "contact": f" · {contact.full_name}" if contact is not None else "",
                "pk": activity.pk,
                "scope": scope if activity.recurrence else "",
            }
        )

    return {
        "overdue": [row(a) for a in day.overdue],
        "today": [row(a) for a in day.today],
        "upcoming": [row(a) for a in day.upcoming],
    }


def _context(request: Request, announce: str = "", error: str = "") -> Any:
    user: Any = request.user
    people = selectors.overseen(user)
    day = selectors.my_day(user)
    return {
        "day": day,
        "rows": rows(request, day, user.zone),
        "zone": user.zone,
        "team": None if people is None else selectors.overdue_per_person(people),
        "announce": announce,
        "error": error,
    }


def _render(request: Request, announce: str = "", error: str = "") -> Any:
    context = _context(request, announce, error)
    if request.htmx:
        return render(request, f"{TEMPLATE}#lists", context)
    return render(request, TEMPLATE, context)


@login_required
def my_day(request: Request) -> HttpResponse:
    return _render(request)


def mine(request: Request) -> Activity:
    """The posted activity: 404 when the user cannot see it, 403 when they may not change it."""
    pk = int_or_none(request.POST.get("activity"))
    if pk is None:
        raise Http404
    activity = get_visible_or_404(selectors.activities_for(request.user), pk)
    if not selectors.can(request.user, "change", activity):
        raise PermissionDenied
    return activity


def told(request: Request, announce: str, error: str, to: str) -> HttpResponse:
    """Without htmx (no scripts, or a form sent before htmx took it over): what happened or
    why not is kept for the next page, which the browser is sent to."""
    if error:
        messages.error(request, error)
    elif announce:
        messages.success(request, announce)
    return redirect(to)


def _failed(activity: Activity, exc: ValidationError) -> str:
    return f"{activity.subject}: {' '.join(exc.messages)}"


@login_required
@require_POST
def day_complete(request: Request) -> HttpResponse:
    """Done, with the outcome if one was typed."""
    activity = mine(request)
    error = ""
    announce = ""
    try:
        services.activity_complete(
            actor=request.user, activity=activity, outcome=request.POST.get("outcome", "")
        )
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:  # Conflict included
        error = _failed(activity, exc)
    else:
        announce = _("Done: %(subject)s.") % {"subject": activity.subject}
    if not request.htmx:
        return told(request, announce, error, reverse("activities:my_day"))
    return _render(request, announce, error)


def new_time(activity: Activity, choice: str, picked: str, zone: ZoneInfo, now: dt.datetime) -> Any:
    """Where a reschedule button moves the activity: an hour later (from now when it is
    already late), the same wall-clock time in its own zone on the day after its due day (or
    after today, when late), or the time picked (wall-clock time in the viewer's zone)."""
    if choice == LATER:
        later = max(activity.due_at, now) + dt.timedelta(hours=1)
        return later.replace(second=0, microsecond=0)
    if choice == TOMORROW:
        own = ZoneInfo(activity.time_zone)
        due = activity.due_at.astimezone(own)
        day = max(due.date(), now.astimezone(own).date()) + dt.timedelta(days=1)
        # naive: the service checks the wall-clock time exists in the activity's zone that day
        return dt.datetime.combine(day, due.time())
    if choice == AT:
        try:
            moment = dt.datetime.fromisoformat(picked.strip())
        except ValueError:
            return picked  # the service names what to fix
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    raise ValidationError(_("Choose when to move it: in an hour, tomorrow or at a time."))


def move(
    request: Request, activity: Activity, choice: str, *, following: bool = False
) -> tuple[str, str]:
    """Reschedule as `choice` says (with the posted `due_at` for AT), a series' current
    occurrence only or, with `following`, it and every later one: (announcement, error); a
    refusal becomes a 403. My day's buttons and the calendar's drag and form share it."""
    user: Any = request.user
    try:
        due = new_time(activity, choice, request.POST.get("due_at", ""), user.zone, timezone.now())
        moved = services.activity_reschedule(
            actor=user, activity=activity, due_at=due, following=following
        )
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:  # Conflict included
        return "", _failed(activity, exc)
    values = {
        "subject": moved.subject,
        "when": timezone.localtime(moved.due_at, user.zone).strftime("%Y-%m-%d %H:%M"),
    }
    if following:
        return _("Moved: %(subject)s and the following occurrences, from %(when)s.") % values, ""
    return _("Moved: %(subject)s, now %(when)s.") % values, ""


@login_required
@require_POST
def day_reschedule(request: Request) -> HttpResponse:
    activity = mine(request)
    following = request.POST.get("scope") == "following"
    announce, error = move(request, activity, request.POST.get("to", ""), following=following)
    if not request.htmx:
        return told(request, announce, error, reverse("activities:my_day"))
    return _render(request, announce, error)
