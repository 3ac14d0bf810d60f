"""Core's periodic jobs (core/schedule.py), imported from CoreConfig.ready()."""

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core import ratelimit
from rapport.core.models import JobRun
from rapport.core.schedule import periodic

# Runs are kept for the jobs page: a minute's job writes 1,440 a day, so plain successes go
# after a week; failures and interrupted runs stay a month for whoever looks into them.
KEEP_SUCCEEDED = dt.timedelta(days=7)
KEEP_TROUBLED = dt.timedelta(days=30)


def purge_job_runs(now: dt.datetime) -> int:
    """Delete finished runs older than they are kept for; how many."""
    finished = JobRun.objects.filter(status__in=[JobRun.Status.SUCCEEDED, JobRun.Status.FAILED])
    plain = Q(status=JobRun.Status.SUCCEEDED, error="", interrupted=0)
    deleted, _by_model = finished.filter(
        (plain & Q(finished_at__lt=now - KEEP_SUCCEEDED))
        | (~plain & Q(finished_at__lt=now - KEEP_TROUBLED))
    ).delete()
    return deleted


@periodic(
    "core.purge_expired", every=dt.timedelta(hours=1), title=_("Remove expired data and files")
)
def purge_expired() -> dict[str, Any]:
    """Uploads nobody confirmed (customer data), rate-limit windows and throttle events too
    old to count, and old job runs. The pages that create them sweep as they go; this covers
    the hours nobody visits them."""
    from rapport.core.views.imports import remove_abandoned_uploads

    now = timezone.now()
    return {
        "abandoned_uploads": remove_abandoned_uploads(),
        **ratelimit.purge_expired(now),
        "job_runs": purge_job_runs(now),
    }
