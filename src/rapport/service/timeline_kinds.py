"""The timeline events the service app writes, and how each is worded when shown.

Params hold the complaint's number, codes, and the names people chose (a category's, a root
cause's) as they were at the time, so the timeline still tells what happened after a cause
is renamed or retired.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import pgettext

from rapport.service.models import ComplaintStatus, Severity
from rapport.timeline.rendering import Rendered, choice_label, register

COMPLAINT_REGISTERED = "complaint.registered"
COMPLAINT_STATUS_CHANGED = "complaint.status_changed"
COMPLAINT_RESOLVED = "complaint.resolved"
COMPLAINT_REOPENED = "complaint.reopened"
SURVEY_SENT = "survey.sent"
SURVEY_ANSWERED = "survey.answered"


@register(COMPLAINT_REGISTERED)
def _registered(params: Mapping[str, Any], item: Rendered) -> str:
    values = {"id": params["complaint"], "severity": choice_label(Severity, params["severity"])}
    if params.get("category_name"):
        return pgettext("timeline", "Complaint #%(id)s registered: %(category)s, %(severity)s") % {
            **values,
            "category": params["category_name"],
        }
    return pgettext("timeline", "Complaint #%(id)s registered, %(severity)s") % values


@register(COMPLAINT_STATUS_CHANGED)
def _status_changed(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Complaint #%(id)s: %(old)s → %(new)s") % {
        "id": params["complaint"],
        "old": choice_label(ComplaintStatus, params["old"]),
        "new": choice_label(ComplaintStatus, params["new"]),
    }


@register(COMPLAINT_RESOLVED)
def _resolved(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Complaint #%(id)s resolved; root cause: %(cause)s") % {
        "id": params["complaint"],
        "cause": params["root_cause_name"],
    }


@register(COMPLAINT_REOPENED)
def _reopened(params: Mapping[str, Any], item: Rendered) -> str:
    values = {"id": params["complaint"]}
    if params.get("score"):
        return pgettext(
            "timeline", "Complaint #%(id)s reopened after a satisfaction score of %(score)s/5"
        ) % {**values, "score": params["score"]}
    return pgettext("timeline", "Complaint #%(id)s reopened") % values


@register(SURVEY_SENT)
def _survey_sent(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Satisfaction survey sent about complaint #%(id)s") % {
        "id": params["complaint"]
    }


@register(SURVEY_ANSWERED)
def _survey_answered(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Satisfaction with complaint #%(id)s: %(score)s of 5") % {
        "id": params["complaint"],
        "score": params["score"],
    }
