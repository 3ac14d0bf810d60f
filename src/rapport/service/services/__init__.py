"""Every write of the service app: complaints, their set-up, and surveys."""

from rapport.service.services.complaints import (
    complaint_assign,
    complaint_change_status,
    complaint_delete,
    complaint_register,
    complaint_reopen,
    complaint_resolve,
    complaint_update,
    sla_deadlines,
)
from rapport.service.services.sla_check import sla_check
from rapport.service.services.surveys import (
    survey_answer,
    survey_create,
    survey_mark_sent,
    survey_send,
    survey_send_for_complaint,
    survey_url,
)

__all__ = [
    "complaint_assign",
    "complaint_change_status",
    "complaint_delete",
    "complaint_register",
    "complaint_reopen",
    "complaint_resolve",
    "complaint_update",
    "sla_check",
    "sla_deadlines",
    "survey_answer",
    "survey_create",
    "survey_mark_sent",
    "survey_send",
    "survey_send_for_complaint",
    "survey_url",
]
