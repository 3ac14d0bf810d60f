"""The permission matrix rows for segments (see tests/api/permissions.py). North's segments
belong to `manager`; South's to `manager2`. A sales team works its own segments, marketers
and the administrator every segment; agents and the analyst read them."""

import base64
from typing import Any

from rapport.segments import services
from tests.api.conftest import API
from tests.api.permissions import MAY_SEE, MAY_SEE_SOUTH, ROLES, Endpoint, Policy


def _only(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


WORK = _only("admin", "manager", "manager_mate", "marketer")
SEGMENT = Policy(
    MAY_SEE, WORK, WORK, _only("admin", "manager", "manager_mate", "manager2", "marketer")
)
EVERYONE = _only(*ROLES)
OPEN = Policy(EVERYONE, EVERYONE, EVERYONE, EVERYONE)


def segments_world(users: dict[str, Any], contact: Any) -> dict[str, Any]:
    rule = {"field": "city", "op": "eq", "value": "Vilnius"}
    static = services.segment_create(
        actor=users["manager"], data={"name": "Called back", "kind": "static"}
    )
    services.members_add(actor=users["manager"], segment=static, contact_ids=[contact.pk])
    return {
        "segment": services.segment_create(
            actor=users["manager"], data={"name": "Vilnius", "rule": rule}
        ),
        "south_segment": services.segment_create(
            actor=users["manager2"], data={"name": "Vilnius South", "rule": rule}
        ),
        "static_segment": static,
    }


def _(key: str):
    return lambda w: w[key]


def _seg(key: str, tail: str = ""):
    return lambda w: f"{API}/segments/{w[key].pk}{tail}"


SEGMENT_ENDPOINTS = [
    Endpoint(
        "list segments",
        "GET",
        lambda w: f"{API}/segments",
        "list",
        _("segment"),
        rows=lambda w: [
            (w["segment"], MAY_SEE),
            (w["south_segment"], MAY_SEE_SOUTH),
            (w["static_segment"], MAY_SEE),
            (w["campaign_segment"], MAY_SEE),  # made by campaigns_world
        ],
    ),
    Endpoint(
        "create segment",
        "POST",
        lambda w: f"{API}/segments",
        "create",
        _("segment"),
        success=201,
        policy=SEGMENT,
        body=lambda w: {"name": "Kyiv", "rule": {"field": "city", "op": "eq", "value": "Kyiv"}},
    ),
    Endpoint(
        "segment fields",
        "GET",
        lambda w: f"{API}/segments/fields",
        "report",
        _("segment"),
        policy=OPEN,
    ),
    Endpoint(
        "preview segment",
        "POST",
        lambda w: f"{API}/segments/preview",
        "report",
        _("segment"),
        policy=OPEN,
        body=lambda w: {"rule": {"field": "city", "op": "eq", "value": "Vilnius"}},
    ),
    Endpoint("read segment", "GET", _seg("segment"), "read", _("segment"), policy=SEGMENT),
    Endpoint(
        "change segment",
        "PATCH",
        _seg("segment"),
        "change",
        _("segment"),
        body=lambda w: {"name": "Vilnius people"},
        policy=SEGMENT,
    ),
    Endpoint(
        "delete segment",
        "DELETE",
        _seg("segment"),
        "delete",
        _("segment"),
        success=204,
        policy=SEGMENT,
    ),
    Endpoint(
        "segment members", "GET", _seg("segment", "/members"), "read", _("segment"), policy=SEGMENT
    ),
    Endpoint(
        "segment history", "GET", _seg("segment", "/history"), "read", _("segment"), policy=SEGMENT
    ),
    Endpoint(
        "refresh segment",
        "POST",
        _seg("segment", "/refresh"),
        "change",
        _("segment"),
        policy=SEGMENT,
    ),
    Endpoint(
        "add segment members",
        "POST",
        _seg("static_segment", "/members"),
        "change",
        _("static_segment"),
        policy=SEGMENT,
        body=lambda w: {"contacts": [w["contact"].pk]},
    ),
    Endpoint(
        "import segment members",
        "POST",
        _seg("static_segment", "/members/import"),
        "change",
        _("static_segment"),
        policy=SEGMENT,
        body=lambda w: {"file": base64.b64encode(b"email\nolena@example.com\n").decode()},
    ),
    Endpoint(
        "remove segment member",
        "DELETE",
        lambda w: f"{API}/segments/{w['static_segment'].pk}/members/{w['contact'].pk}",
        "change",
        _("static_segment"),
        success=204,
        policy=SEGMENT,
    ),
]
