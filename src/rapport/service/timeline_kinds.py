"""The timeline events the service app writes, and how each is worded when shown.

Params hold the complaint's number, codes, and the names people chose (a category's, a root
cause's) as they were at the time, so the timeline still tells what happened after a cause
is renamed or retired.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import pgettext

from rapport.service import survey_maths
from rapport.service.models import ComplaintStatus, ExitReason, Severity
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


def _survey_kind(params: Mapping[str, Any]) -> str:
    # rows written before surveys had kinds are all complaint satisfaction surveys
    return str(params.get("kind") or "complaint_csat")


@register(SURVEY_SENT)
def _survey_sent(params: Mapping[str, Any], item: Rendered) -> str:
    kind = _survey_kind(params)
    if kind == "exit":
        return pgettext("timeline", "Exit survey sent: why did they stop buying?")
    if kind == "trip_feedback":
        return pgettext("timeline", "Trip feedback survey sent about order #%(id)s") % {
            "id": params.get("order", "")
        }
    if kind == "nps":
        return pgettext("timeline", "Recommendation survey sent (0–10)")
    return pgettext("timeline", "Satisfaction survey sent about complaint #%(id)s") % {
        "id": params["complaint"]
    }


@register(SURVEY_ANSWERED)
def _survey_answered(params: Mapping[str, Any], item: Rendered) -> str:
    kind = _survey_kind(params)
    if kind == "exit":
        reason = choice_label(ExitReason, params["reason"])
        if params.get("score"):
            return pgettext(
                "timeline", "Exit survey answered: %(reason)s; would come back: %(score)s of 5"
            ) % {"reason": reason, "score": params["score"]}
        return pgettext("timeline", "Exit survey answered: %(reason)s") % {"reason": reason}
    if kind == "trip_feedback":
        return pgettext("timeline", "Trip of order #%(id)s rated %(score)s of 5") % {
            "id": params.get("order", ""),
            "score": params["score"],
        }
    if kind == "nps":
        bucket = {
            "promoter": pgettext("nps", "a promoter"),
            "passive": pgettext("nps", "a passive"),
            "detractor": pgettext("nps", "a detractor"),
        }[survey_maths.bucket(int(params["nps"]))]
        return pgettext("timeline", "Would recommend us: %(score)s of 10 (%(bucket)s)") % {
            "score": params["nps"],
            "bucket": bucket,
        }
    return pgettext("timeline", "Satisfaction with complaint #%(id)s: %(score)s of 5") % {
        "id": params["complaint"],
        "score": params["score"],
    }
