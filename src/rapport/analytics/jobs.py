"""Analytics' periodic jobs (core/schedule.py), imported from AnalyticsConfig.ready()."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from rapport.core.schedule import JobContext, periodic


@periodic(
    "analytics.refresh",
    at="02:30",
    title=_("Recompute customer and product metrics and the analytics reports"),
    max_attempts=5,
    backoff=dt.timedelta(minutes=5),
    takes_context=True,
)
def nightly_refresh(context: JobContext) -> dict[str, Any]:
    """The whole refresh as of the last complete day before the run's slot (a retry or a
    late run computes the same day again: idempotent)."""
    # imported here: every process loads this module at start (the app's ready()), and only
    # the worker that runs the job needs Polars, SciPy and statsmodels
    from rapport.analytics.refresh import refresh_customers
    from rapport.analytics.services import refresh_acquisition

    slot_day = context.slot.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    as_of = slot_day if context.manual else slot_day - dt.timedelta(days=1)
    run = refresh_customers(as_of=as_of)
    refresh_acquisition(as_of=as_of)
    return {
        "as_of": as_of.isoformat(),
        "customers": run.customers,
        "seconds": round(run.seconds, 1),
    }
