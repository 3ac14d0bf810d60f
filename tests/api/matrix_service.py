"""The permission matrix rows for the complaint endpoints (see tests/api/permissions.py):
complaints follow their customer like orders do, except that service agents work every one,
marketers and analysts only read them, and only the administrator deletes one."""

from typing import Any

from rapport.service import services
from rapport.service.models import Complaint, ComplaintCategory, RootCause, Survey
from rapport.service.services.surveys import survey_token
from tests.api.conftest import API, make_contact
from tests.api.permissions import (
    MAY_SEE,
    MAY_SEE_SOUTH,
    REPORT,
    ROLES,
    Endpoint,
    Policy,
)


def _only(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


COMPLAINTS = Policy(
    may_see=MAY_SEE,
    may_change=_only("admin", "manager", "manager_mate", "agent"),
    may_delete=_only("admin"),
    may_create=_only("admin", "manager", "manager_mate", "manager2", "agent"),
)


def service_world(users: dict[str, Any]) -> dict[str, Any]:
    manager, south = users["manager"], users["manager2"]
    complainant = make_contact(manager, first_name="Ieva", email="ieva@example.lt")
    south_complainant = make_contact(south, first_name="Petras", email="petras@example.lt")
    cause = RootCause.objects.create(name="Transfer late")
    resolved = services.complaint_register(
        actor=manager, contact=complainant, description="Lost luggage"
    )
    services.complaint_resolve(
        actor=manager, complaint=resolved, root_cause=cause.pk, resolution="Found it"
    )
    return {
        "complainant": complainant,
        "complaint": services.complaint_register(
            actor=manager, contact=complainant, description="The transfer never came"
        ),
        "resolved_complaint": Complaint.objects.get(pk=resolved.pk),
        "south_complaint": services.complaint_register(
            actor=south, contact=south_complainant, description="Cold pool"
        ),
        "cause": cause,
        "complaint_category": ComplaintCategory.objects.create(name="Transfer"),
    }


def _answered_surveys(w: dict[str, Any]) -> None:
    """An exit, a recommendation and a trip survey of each team's customer in the sales
    world (the trip about their order), answered today. Made by the survey endpoints' rows
    only, so that no other endpoint's list or count changes."""
    if "north_exit_survey" in w:
        return
    for team, order in (("north", w["order"]), ("south", w["south_order"])):
        asked = {
            "exit": (services.survey_create(kind="exit", contact=order.contact),
                     {"reason": "price"}),
            "nps": (services.survey_create(kind="nps", contact=order.contact), {"nps": 9}),
            "trip": (services.survey_create(kind="trip_feedback", contact=order.contact,
                                            subject=order), {"score": 4}),
        }  # fmt: skip
        for name, (survey, answer) in asked.items():
            w[f"{team}_{name}_survey"] = services.survey_answer(
                token=survey_token(survey), **answer
            )


def _survey(name: str):
    def target(w: dict[str, Any]) -> Survey:
        _answered_surveys(w)
        return w[f"north_{name}_survey"]

    return target


def _surveys(name: str):
    return lambda w: [
        (w[f"north_{name}_survey"], MAY_SEE),
        (w[f"south_{name}_survey"], MAY_SEE_SOUTH),
    ]


def _(key: str):
    return lambda w: w[key]


def _complaints(w: dict[str, Any]):
    return [(w["complaint"], MAY_SEE), (w["resolved_complaint"], MAY_SEE),
            (w["south_complaint"], MAY_SEE_SOUTH),
            # the complaint whose follow-up is in the activities' world
            (w["followed_complaint"], MAY_SEE)]  # fmt: skip


SERVICE_ENDPOINTS = [
    Endpoint("list complaints", "GET", lambda w: f"{API}/complaints", "list", _("complaint"),
             policy=COMPLAINTS, rows=_complaints),
    Endpoint("register complaint", "POST", lambda w: f"{API}/complaints", "create_for",
             _("complaint"), policy=COMPLAINTS, success=201, ref_field="contact",
             body=lambda w: {"contact": w["complainant"].pk, "description": "Dirty room",
                             "severity": "high"}),
    Endpoint("read complaint", "GET", lambda w: f"{API}/complaints/{w['complaint'].pk}", "read",
             _("complaint"), policy=COMPLAINTS),
    Endpoint("change complaint", "PATCH", lambda w: f"{API}/complaints/{w['complaint'].pk}",
             "change", _("complaint"), policy=COMPLAINTS,
             body=lambda w: {"category": w["complaint_category"].pk, "severity": "low"}),
    Endpoint("move complaint", "POST",
             lambda w: f"{API}/complaints/{w['complaint'].pk}/status", "change", _("complaint"),
             policy=COMPLAINTS, body=lambda w: {"status": "in_progress"}),
    Endpoint("resolve complaint", "POST",
             lambda w: f"{API}/complaints/{w['complaint'].pk}/resolve", "change", _("complaint"),
             policy=COMPLAINTS,
             body=lambda w: {"root_cause": w["cause"].pk, "resolution": "Paid the taxi"}),
    Endpoint("reopen complaint", "POST",
             lambda w: f"{API}/complaints/{w['resolved_complaint'].pk}/reopen", "change",
             _("resolved_complaint"), policy=COMPLAINTS, body=lambda w: {"note": "Still lost"}),
    Endpoint("delete complaint", "DELETE", lambda w: f"{API}/complaints/{w['complaint'].pk}",
             "delete", _("complaint"), policy=COMPLAINTS, success=204),
    Endpoint("list root causes", "GET", lambda w: f"{API}/root-causes", "list", _("cause"),
             policy=REPORT),
    Endpoint("list complaint categories", "GET", lambda w: f"{API}/complaint-categories", "list",
             _("complaint_category"), policy=REPORT),
    Endpoint("root-cause report", "GET", lambda w: f"{API}/analytics/root-causes", "report",
             _("cause"), policy=REPORT, rows=_complaints, count=lambda body: body["complaints"]),
    # surveys follow their customer: every role reads what the customers it sees answered
    Endpoint("exit-reason report", "GET", lambda w: f"{API}/analytics/exit-reasons", "report",
             _survey("exit"), policy=REPORT, rows=_surveys("exit"),
             count=lambda body: body["answered"]),
    Endpoint("NPS report", "GET", lambda w: f"{API}/analytics/nps", "report",
             _survey("nps"), policy=REPORT, rows=_surveys("nps"),
             count=lambda body: body["promoters"]),
    Endpoint("trip-feedback report", "GET", lambda w: f"{API}/analytics/trip-feedback", "report",
             _survey("trip"), policy=REPORT, rows=_surveys("trip"),
             count=lambda body: body["answered"]),
]  # fmt: skip
