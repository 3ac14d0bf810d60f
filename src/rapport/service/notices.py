"""The notifications the service app sends (core.notifications), worded when read in the
reader's language: SLA warnings and breaches, assignments, low satisfaction scores."""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rapport.core import notifications

SLA_WARNING = "service.sla_warning"
SLA_BREACH = "service.sla_breach"
ASSIGNED = "service.assigned"
LOW_SATISFACTION = "service.low_satisfaction"

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"


def _deadline(params: Mapping[str, Any]) -> str:
    if params["deadline"] == FIRST_RESPONSE:
        return pgettext("sla", "first response")
    return pgettext("sla", "resolution")


def _when(params: Mapping[str, Any]) -> str:
    """The deadline in the active time zone and format."""
    moment = timezone.localtime(dt.datetime.fromisoformat(params["due"]))
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def _warning(params: Mapping[str, Any]) -> str:
    return _("Complaint #%(id)s (%(customer)s): the %(deadline)s is due by %(due)s.") % {
        "id": params["complaint"],
        "customer": params["customer"],
        "deadline": _deadline(params),
        "due": _when(params),
    }


def _breach(params: Mapping[str, Any]) -> str:
    assignee = params.get("assignee") or _("nobody")
    return _(
        "Complaint #%(id)s (%(customer)s) missed its %(deadline)s deadline of %(due)s; "
        "assigned to %(assignee)s."
    ) % {
        "id": params["complaint"],
        "customer": params["customer"],
        "deadline": _deadline(params),
        "due": _when(params),
        "assignee": assignee,
    }


def _assigned(params: Mapping[str, Any]) -> str:
    return _("Complaint #%(id)s (%(customer)s) is assigned to you.") % {
        "id": params["complaint"],
        "customer": params["customer"],
    }


def _low_satisfaction(params: Mapping[str, Any]) -> str:
    return _(
        "%(customer)s rated the handling of complaint #%(id)s %(score)s of 5; "
        "it is reopened for your review."
    ) % {"id": params["complaint"], "customer": params["customer"], "score": params["score"]}


notifications.register(SLA_WARNING, _warning)
notifications.register(SLA_BREACH, _breach)
notifications.register(ASSIGNED, _assigned)
notifications.register(LOW_SATISFACTION, _low_satisfaction)
