"""The per-user calendar feed at a secret address: no sign-in (calendar programs cannot), the
secret is the capability; an unknown or revoked one is a 404."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.activities import ical
from rapport.activities.models import Activity, ActivityStatus

# How far back closed activities stay in the feed (planned ones are always there).
HISTORY_DAYS = 90


def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    user = get_user_model().objects.filter(calendar_secret=secret, is_active=True).first()
    if not secret or user is None:
        raise Http404
    since = timezone.now() - dt.timedelta(days=HISTORY_DAYS)
    # Only the user's own work: what is assigned to them, never their team's.
    activities = (
        Activity.objects.filter(assignee=user)
        .filter(Q(status=ActivityStatus.PLANNED) | Q(completed_at__gte=since))
        .prefetch_related("reminders")
        .order_by("due_at", "id")
    )
    body = ical.calendar(activities, _("Rapport: %(name)s") % {"name": user})
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="rapport.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
