"""Background analytics work (Django tasks; run by `rapport worker`)."""

import datetime as dt

from django.tasks import task

from rapport.analytics.services import refresh_acquisition


@task()
def refresh_acquisition_task(as_of: str | None = None) -> int:
    """Recompute the acquisition cells; returns how many input rows were read."""
    run = refresh_acquisition(as_of=dt.date.fromisoformat(as_of) if as_of else None)
    return run.rows_read
