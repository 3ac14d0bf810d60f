"""The service app's periodic jobs (core/schedule.py), imported from ServiceConfig.ready()."""

import dataclasses
import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from rapport.core.schedule import periodic
from rapport.service.services.sla_check import sla_check

# A warning at 80 % of a one-hour SLA comes 12 minutes early: five minutes between checks
# keeps it before the deadline, and an escalation at most five minutes after the breach.
EVERY = dt.timedelta(minutes=5)


@periodic("service.sla_check", every=EVERY, title=_("Warn and escalate complaints on their SLA"))
def check_complaint_deadlines() -> dict[str, Any]:
    """Record replies logged on the timeline as first responses, warn assignees before a
    deadline and escalate breaches to the team lead; idempotent (notification keys)."""
    return dataclasses.asdict(sla_check())
