"""A reusable permission matrix for API endpoints (netbox's `APIViewTestCases` idea, as data).

Every record in a test world is owned by `manager` (team North). For each role in the
`users` fixture the tables below say what it may do to such a record; `check()` proves an
endpoint obeys them: reads of what one may not see → 404, writes one may not make → 403
(404 when one cannot even see the record), success otherwise, and a refused write changes
nothing. Later apps describe their endpoints with `Endpoint` and call `check()` too.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Model
from django.forms.models import model_to_dict
from django.test import Client

ROLES = ["admin", "manager", "manager_mate", "manager2", "marketer", "agent", "analyst"]

# What each role may do to a record owned by a sales manager of team North.
MAY_SEE = {role: role != "manager2" for role in ROLES}
MAY_CHANGE = {role: MAY_SEE[role] and role != "analyst" for role in ROLES}
MAY_DELETE = {role: role in {"admin", "manager", "manager_mate"} for role in ROLES}
MAY_CREATE = {role: role != "analyst" for role in ROLES}

Kind = Literal["list", "read", "change", "delete", "create", "create_for"]


@dataclass(frozen=True)
class Policy:
    """Who may do what to the record an endpoint acts on."""

    may_see: dict[str, bool]
    may_change: dict[str, bool]
    may_delete: dict[str, bool]
    may_create: dict[str, bool]


def _only(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


# Records owned by a sales manager of team North (contacts, leads, deals, orders…).
OWNED = Policy(MAY_SEE, MAY_CHANGE, MAY_DELETE, MAY_CREATE)
# Shared set-up everyone reads and only some roles edit.
EVERYONE = _only(*ROLES)
CATALOG = Policy(EVERYONE, _only("admin", "marketer"), _only("admin", "marketer"),
                 _only("admin", "marketer"))  # fmt: skip
ADMIN_ONLY = Policy(EVERYONE, _only("admin"), _only("admin"), _only("admin"))
# Marketing spend is a business figure: sales managers and agents do not read it.
SPEND = Policy(_only("admin", "marketer", "analyst"), _only("admin", "marketer"),
               _only("admin", "marketer"), _only("admin", "marketer"))  # fmt: skip
REPORT = Policy(EVERYONE, EVERYONE, EVERYONE, EVERYONE)


@dataclass(frozen=True)
class Endpoint:
    """One operation. `target(world)` is the record it reads or writes (for `create`, any
    record of the model it creates; for `create_for`, the record the new one belongs to,
    named in the body: 422 naming `ref_field` when invisible)."""

    name: str
    method: str
    path: Callable[[dict[str, Any]], str]
    kind: Kind
    target: Callable[[dict[str, Any]], Model]
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    success: int = 200
    ref_field: str = ""
    policy: Policy = OWNED

    def __str__(self) -> str:
        return self.name


def expected_status(endpoint: Endpoint, role: str) -> int:
    policy = endpoint.policy
    if endpoint.kind == "list":
        return 200
    if endpoint.kind == "create":
        return endpoint.success if policy.may_create[role] else 403
    if not policy.may_see[role]:
        return 422 if endpoint.kind == "create_for" else 404
    if endpoint.kind == "read":
        return endpoint.success
    allowed = policy.may_delete if endpoint.kind == "delete" else policy.may_change
    return endpoint.success if allowed[role] else 403


def _state(model_object: Model) -> tuple[bool, dict[str, Any] | None, int]:
    model = type(model_object)
    row = model._default_manager.filter(pk=model_object.pk).first()
    return (row is not None, model_to_dict(row) if row else None, model._default_manager.count())


def check(endpoint: Endpoint, role: str, client: Client, world: dict[str, Any]) -> None:
    target = endpoint.target(world)
    before = _state(target)
    method = getattr(client, endpoint.method.lower())
    kwargs: dict[str, Any] = {}
    if endpoint.body is not None:
        kwargs = {"data": endpoint.body(world), "content_type": "application/json"}

    response = method(endpoint.path(world), **kwargs)

    expected = expected_status(endpoint, role)
    assert response.status_code == expected, (role, endpoint.name, response.content)
    if expected >= 400:
        body = response.json()
        assert set(body) >= {"detail", "errors"}
        assert _state(target) == before, f"{role} was refused {endpoint.name} but it acted"
        if expected == 422:
            assert [e["field"] for e in body["errors"]] == [endpoint.ref_field]
    if endpoint.kind == "list":
        ids = [item["id"] for item in response.json()["items"]]
        assert ids == ([target.pk] if endpoint.policy.may_see[role] else []), (role, endpoint.name)
