"""The permission matrix rows for activities, `me` and notifications (see
tests/api/permissions.py). North's activity is assigned to `manager` on his customer; South's
to `manager2` on hers. Everyone who helps customers reads the plans; a sales team works its
own, marketers and agents only what is assigned to them, and whoever handles a complaint its
follow-ups (North's follow-up call is the manager's, its complaint the agent's); the analyst
reads."""

from typing import Any

from rapport.activities import services
from rapport.core.models import Notification
from rapport.service import services as service
from tests.activities.conftest import soon
from tests.api.conftest import API, make_contact
from tests.api.permissions import (
    MAY_CREATE,
    MAY_SEE,
    MAY_SEE_SOUTH,
    OWNED,
    ROLES,
    Endpoint,
    Policy,
)


def _only(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


# North's activity: the team works it; others who see the customer only read it.
TEAM_WORK = _only("admin", "manager", "manager_mate")
ACTIVITY = Policy(MAY_SEE, TEAM_WORK, TEAM_WORK, MAY_CREATE)
# North's follow-up of a complaint the agent handles: the agent works it as well.
FOLLOW_UP_WORK = _only("admin", "manager", "manager_mate", "agent")
FOLLOW_UP = Policy(MAY_SEE, FOLLOW_UP_WORK, FOLLOW_UP_WORK, MAY_CREATE)
EVERYONE = _only(*ROLES)
# One's own notification: nobody else reads or marks it.
OWN = Policy(_only("manager"), _only("manager"), _only("manager"), _only("manager"))
SELF = Policy(EVERYONE, EVERYONE, EVERYONE, EVERYONE)


def activities_world(users: dict[str, Any], contact: Any, south_contact: Any) -> dict[str, Any]:
    # on a customer of its own, so that the contact's rows in other lists stay as they are
    complainant = make_contact(users["manager"], first_name="Taras", email="taras@example.com")
    complaint = service.complaint_register(  # the agent's own (no notification to anyone)
        actor=users["agent"], contact=complainant, description="No transfer"
    )
    return {
        "followed_complaint": complaint,
        "follow_up": services.activity_create(
            actor=users["manager"],
            data={
                "subject": "Call back about the transfer",
                "complaint": complaint.pk,
                "due_at": soon(),
            },
        ),
        "activity": services.activity_create(
            actor=users["manager"],
            data={"subject": "Call Olena", "contact": contact.pk, "due_at": soon()},
        ),
        "south_activity": services.activity_create(
            actor=users["manager2"],
            data={"subject": "Call Olena South", "contact": south_contact.pk, "due_at": soon()},
        ),
        "notification": Notification.objects.create(
            user=users["manager"], kind="tests.unknown", params={}
        ),
        "me": users["manager"],
    }


def _(key: str):
    return lambda w: w[key]


def _activities(w: dict[str, Any]):
    return [
        (w["activity"], MAY_SEE),
        (w["south_activity"], MAY_SEE_SOUTH),
        (w["follow_up"], MAY_SEE),
    ]


ACTIVITY_ENDPOINTS = [
    Endpoint("list activities", "GET", lambda w: f"{API}/activities", "list", _("activity"),
             rows=_activities),
    # planned for a customer named in the body: whoever may work with that customer
    Endpoint("create activity", "POST", lambda w: f"{API}/activities", "create_for",
             _("activity"), success=201, ref_field="contact", policy=OWNED,
             body=lambda w: {"subject": "Follow up", "contact": w["contact"].pk,
                             "due_at": soon(3).isoformat()}),
    Endpoint("read activity", "GET", lambda w: f"{API}/activities/{w['activity'].pk}", "read",
             _("activity"), policy=ACTIVITY),
    Endpoint("change activity", "PATCH", lambda w: f"{API}/activities/{w['activity'].pk}",
             "change", _("activity"), body=lambda w: {"subject": "Call Olena back"},
             policy=ACTIVITY),
    Endpoint("complete activity", "POST",
             lambda w: f"{API}/activities/{w['activity'].pk}/complete", "change",
             _("activity"), body=lambda w: {"outcome": "Booked"}, policy=ACTIVITY),
    Endpoint("move activity", "POST", lambda w: f"{API}/activities/{w['activity'].pk}/move",
             "change", _("activity"), body=lambda w: {"due_at": soon(4).isoformat()},
             policy=ACTIVITY),
    Endpoint("delete activity", "DELETE", lambda w: f"{API}/activities/{w['activity'].pk}",
             "delete", _("activity"), success=204, policy=ACTIVITY),
    # a complaint's follow-up: its handler (the agent) works it too
    Endpoint("change follow-up", "PATCH", lambda w: f"{API}/activities/{w['follow_up'].pk}",
             "change", _("follow_up"), body=lambda w: {"subject": "Call back today"},
             policy=FOLLOW_UP),
    Endpoint("complete follow-up", "POST",
             lambda w: f"{API}/activities/{w['follow_up'].pk}/complete", "change",
             _("follow_up"), body=lambda w: {"outcome": "Refund agreed"}, policy=FOLLOW_UP),
    Endpoint("move follow-up", "POST", lambda w: f"{API}/activities/{w['follow_up'].pk}/move",
             "change", _("follow_up"), body=lambda w: {"due_at": soon(4).isoformat()},
             policy=FOLLOW_UP),
    Endpoint("delete follow-up", "DELETE", lambda w: f"{API}/activities/{w['follow_up'].pk}",
             "delete", _("follow_up"), success=204, policy=FOLLOW_UP),
    # the caller's own
    Endpoint("me", "GET", lambda w: f"{API}/me", "read", _("me"), policy=SELF),
    Endpoint("list notifications", "GET", lambda w: f"{API}/notifications", "list",
             _("notification"), policy=OWN),
    Endpoint("read notification", "POST",
             lambda w: f"{API}/notifications/{w['notification'].pk}/read", "read",
             _("notification"), policy=OWN),
]  # fmt: skip
