"""A reusable permission matrix for API endpoints (netbox's `APIViewTestCases` idea, as data).

The record each endpoint acts on is owned by `manager` (team North); the world also holds
records of `manager2` (team South) and an unassigned lead. For each role in the `users`
fixture the tables below say what it may do to such records; `check()` proves an endpoint
obeys them: reads of what one may not see → 404, writes one may not make → 403 (404 when one
cannot even see the record), reports one may not read → 403, success otherwise, and a
refused write changes nothing. It also checks the *content*: a list holds exactly the rows
the role may see (North's, South's, unassigned), and a report counts exactly those. The
tables are written out by hand, independently of `core.permissions`, so that a change to
the rule shows up here. Later apps describe their endpoints with `Endpoint` and call
`check()` too.
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
# Who sees a record owned by team South's sales manager, and a lead nobody owns yet.
MAY_SEE_SOUTH = {role: role not in {"manager", "manager_mate"} for role in ROLES}
MAY_SEE_UNASSIGNED = dict.fromkeys(ROLES, True)

Kind = Literal["list", "read", "report", "change", "delete", "create", "create_for"]
Rows = Callable[[dict[str, Any]], list[tuple[Model, dict[str, bool]]]]


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
# Figures (acquisition, funnel): a service agent helps customers but reads no business figures.
FIGURES = Policy(_only(*(r for r in ROLES if r != "agent")), EVERYONE, EVERYONE, EVERYONE)


@dataclass(frozen=True)
class Endpoint:
    """One operation. `target(world)` is the record it reads or writes (for `create`, any
    record of the model it creates; for `create_for`, the record the new one belongs to,
    named in the body: 422 naming `ref_field` when invisible). `rows(world)` are the records
    a list or report covers, each with who may see it (default: the target, by the policy);
    a report's `count(body)` must equal how many of them the role sees."""

    name: str
    method: str
    path: Callable[[dict[str, Any]], str]
    kind: Kind
    target: Callable[[dict[str, Any]], Model]
    body: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    success: int = 200
    ref_field: str = ""
    policy: Policy = OWNED
    rows: Rows | None = None
    count: Callable[[dict[str, Any]], int] | None = None

    def __str__(self) -> str:
        return self.name


def expected_status(endpoint: Endpoint, role: str) -> int:
    policy = endpoint.policy
    if endpoint.kind == "list":
        return 200
    if endpoint.kind == "create":
        return endpoint.success if policy.may_create[role] else 403
    if endpoint.kind == "report":
        return endpoint.success if policy.may_see[role] else 403
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
    if expected >= 400 or endpoint.kind not in ("list", "report"):
        return
    rows = endpoint.rows(world) if endpoint.rows else [(target, endpoint.policy.may_see)]
    seen = sorted(obj.pk for obj, who in rows if who[role])
    if endpoint.kind == "list":
        ids = sorted(item["id"] for item in response.json()["items"])
        assert ids == seen, (role, endpoint.name)
    elif endpoint.count is not None:
        assert endpoint.count(response.json()) == len(seen), (role, endpoint.name)
