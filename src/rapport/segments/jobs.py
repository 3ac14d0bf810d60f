"""Segments' periodic job (core/schedule.py), imported from SegmentsConfig.ready().

Every quarter of an hour it refreshes the segments when the customer analytics finished a
refresh since the segments' last one (metrics-based rules then change), and at least once a
day whatever happened (birthdays and "in the last N days" move with the calendar). Analytics
cannot call segments (it sits below them), so segments watch its runs instead.
"""

import datetime as dt
from typing import Any

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.analytics.models import AnalyticsRun
from rapport.core.schedule import periodic
from rapport.segments.models import Segment

DAILY = dt.timedelta(hours=24)


def refresh_due(now: dt.datetime) -> bool:
    """Whether a refresh is due: an analytics refresh finished after the oldest segment
    refresh, a segment was never refreshed, or the oldest refresh is a day old."""
    segments = Segment.objects.all()
    if not segments.exists():
        return False
    if segments.filter(refreshed_at__isnull=True).exists():
        return True
    oldest = segments.aggregate(oldest=Min("refreshed_at"))["oldest"]
    if now - oldest >= DAILY:
        return True
    return AnalyticsRun.objects.filter(
        kind="customers", status=AnalyticsRun.Status.DONE, finished_at__gt=oldest
    ).exists()


@periodic(
    "segments.refresh",
    every=dt.timedelta(minutes=15),
    title=_(
        "Refresh segments after the analytics refresh (and daily): sizes, who entered and left"
    ),
    max_attempts=3,
    backoff=dt.timedelta(minutes=2),
)
def refresh_segments() -> dict[str, Any]:
    from rapport.segments.services import refresh_all

    now = timezone.now()
    if not refresh_due(now):
        return {"segments": 0}
    return {"segments": refresh_all(now=now)}
