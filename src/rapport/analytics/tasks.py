"""Background analytics work (Django tasks; run by `rapport worker`)."""

import datetime as dt

from django.tasks import task

from rapport.analytics.refresh import refresh_customers
from rapport.analytics.services import refresh_acquisition


@task()
def refresh_acquisition_task(as_of: str | None = None) -> int:
    """Recompute the acquisition cells; returns how many input rows were read."""
    run = refresh_acquisition(as_of=dt.date.fromisoformat(as_of) if as_of else None)
    return run.rows_read


@task()
def refresh_analytics_task(as_of: str | None = None) -> int:
    """Everything `rapport analytics refresh` recomputes (the admins' "Refresh now" button and
    the nightly job): customer and product metrics, then the acquisition cells. Idempotent:
    a second run as of the same day replaces the first's figures. Returns the customer run's
    id (its steps, warnings and fits are on the AnalyticsRun row)."""
    day = dt.date.fromisoformat(as_of) if as_of else None
    run = refresh_customers(as_of=day)
    refresh_acquisition(as_of=day)
    return run.pk
