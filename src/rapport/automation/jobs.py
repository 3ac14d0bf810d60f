"""The automation app's periodic jobs (core/schedule.py), imported from AutomationConfig.ready().

Three jobs, so that each one's state shows on the jobs page on its own: the intake turns new
events into runs, the runner takes runs through their due steps, and the scan starts the runs
whose date has come (birthdays, trips, lapses). Each is idempotent: the intake and the scan
are guarded by unique rows, the runner by leases and one RunStep row per run × step.
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.automation.intake import prune, run_intake
from rapport.automation.runner import run_due
from rapport.automation.scans import scan
from rapport.core.schedule import periodic


@periodic(
    "automation.intake",
    every=dt.timedelta(seconds=10),
    title=_("Start scenario runs from new events"),
)
def intake_events() -> dict[str, Any]:
    return run_intake().as_dict()


@periodic(
    "automation.steps",
    every=dt.timedelta(seconds=10),
    title=_("Take scenario runs through due steps"),
)
def take_steps() -> dict[str, Any]:
    return run_due().as_dict()


@periodic(
    "automation.scan",
    every=dt.timedelta(minutes=15),
    title=_("Start scenario runs whose date has come"),
)
def scan_dates() -> dict[str, Any]:
    now = timezone.now()
    return {**scan(now).as_dict(), "events_pruned": prune(now)}
