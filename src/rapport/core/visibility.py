"""Which owned records a user may see, change or delete, as a queryset filter or a yes/no.

Every list, detail, search, export and API endpoint passes its queryset through `scope()`.
What each role may do comes from the one rule in `core.permissions`; this module applies its
reach (everything, the team's, the team's plus unassigned, the user's own, nothing) to records
through their owner. A record may have more than one path to an owner (an activity is its
assignee's and its customer's owner's): `owner_field` then names them all, and reaching any
one of them is enough. It fails closed: an unknown role, an anonymous or inactive user, or a
model the rule does not name gets nothing.
"""

import operator
from functools import reduce
from typing import Any, Literal, Protocol

from django.db.models import Model, Q, QuerySet

from rapport.core import permissions

Action = Literal["view", "change", "delete"]

# The kind of record each owned model is, in the rule's terms.
MODEL_KINDS: dict[str, permissions.Kind] = {
    "contacts.contact": "contacts",
    "contacts.company": "companies",
    "timeline.interaction": "interactions",
    "sales.lead": "leads",
    "sales.deal": "deals",
    "sales.order": "orders",
    "activities.activity": "activities",
    "service.complaint": "complaints",
    "segments.segment": "segments",
    "campaigns.campaign": "campaigns",
    "campaigns.message": "campaigns",
    "automation.scenario": "scenarios",
}

# One path to the owning user ("owner", "contact__owner"), or several, any of which will do.
type OwnerField = str | tuple[str, ...]


class Viewer(Protocol):
    pk: int | None
    is_active: bool
    is_authenticated: bool

    @property
    def colleague_ids(self) -> list[int]: ...


def _kind(model: type[Model]) -> str:
    return MODEL_KINDS.get(model._meta.label_lower, "")


def _paths(owner_field: OwnerField) -> tuple[str, ...]:
    return (owner_field,) if isinstance(owner_field, str) else owner_field


def _path_filter(reach: permissions.Reach, user: Any, path: str) -> Q:
    if reach == "own":
        return Q(**{f"{path}_id": user.pk})
    team = Q(**{f"{path}_id__in": user.colleague_ids})
    if reach == "team_or_unowned":
        return team | Q(**{f"{path}__isnull": True})
    return team


def _reach_filter(reach: permissions.Reach, user: Any, owner_field: OwnerField) -> Q | None:
    """The filter a reach puts on records (None: all of them)."""
    if reach == "all":
        return None
    if reach == "none":
        return Q(pk__in=[])
    return reduce(operator.or_, (_path_filter(reach, user, p) for p in _paths(owner_field)))


def condition(
    user: Viewer | None,
    kind: permissions.Kind,
    action: Action = "view",
    *,
    owner_field: OwnerField,
) -> Q | None:
    """The filter `scope` would put on records of `kind`, over a related path such as
    "contact__owner" (None: no filter; an empty-set Q: nothing)."""
    return _reach_filter(permissions.reach(user, kind, action), user, owner_field)


def scope[M: Model](
    queryset: QuerySet[M],
    user: Viewer | None,
    action: Action = "view",
    *,
    owner_field: OwnerField = "owner",
) -> QuerySet[M]:
    """The part of `queryset` that `user` may act on."""
    reach = permissions.reach(user, _kind(queryset.model), action)
    if reach == "none":
        return queryset.none()
    condition = _reach_filter(reach, user, owner_field)
    return queryset if condition is None else queryset.filter(condition)


def can_create(user: Viewer | None, kind: permissions.Kind) -> bool:
    """Whether `user` may create records of `kind`."""
    return permissions.allows(user, kind, "create")


def shown_id(user: Viewer | None, obj: Model | None, *, owner_field: OwnerField = "owner") -> Any:
    """`obj`'s id if `user` may see it, else None: an answer may say that a record was
    linked to something, but never names a record the caller could not open."""
    if obj is None or not can(user, "view", obj, owner_field=owner_field):
        return None
    return obj.pk


def can(
    user: Viewer | None, action: Action, obj: Model, *, owner_field: OwnerField = "owner"
) -> bool:
    """Whether `user` may act on one object (same rule as `scope`, without a query)."""
    reach = permissions.reach(user, _kind(type(obj)), action)
    if reach in ("all", "none"):
        return reach == "all"
    return any(_reaches(reach, user, obj, path) for path in _paths(owner_field))


def _reaches(reach: permissions.Reach, user: Any, obj: Model, owner_field: str) -> bool:
    *path, last = owner_field.split("__")
    holder: Any = obj
    for part in path:
        holder = getattr(holder, part)
        if holder is None:  # no record on this path (an activity without a customer)
            return False
    owner_id = getattr(holder, f"{last}_id")
    if owner_id is None:
        return reach == "team_or_unowned"
    if reach == "own":
        return bool(owner_id == user.pk)
    return owner_id in user.colleague_ids


# --- who holds a role: the one place that reads a user's role field ----------------------


def role_of(user: Any) -> str | None:
    """The role the rule applies to `user` (None: nothing is allowed). A superuser made with
    `createsuperuser` counts as an administrator — here, and nowhere else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not getattr(user, "is_active", False):
        return None
    if getattr(user, "is_superuser", False):
        return permissions.ADMIN
    role = getattr(user, "role", None)
    return role if role in permissions.RULES else None


def django_flags(role: str) -> dict[str, bool]:
    """The Django admin flags a new user of `role` gets: an administrator may use the admin
    site as a superuser, every other role neither."""
    admin = role == permissions.ADMIN
    return {"is_staff": admin, "is_superuser": admin}


def owners_q() -> Q:
    """The users records may be assigned to, as a filter on the user table (see `may_own`)."""
    return Q(is_active=True) & (Q(is_superuser=True) | Q(role__in=sorted(permissions.OWNER_ROLES)))


def sellers_q() -> Q:
    """Active sales managers: the people leads are routed to and reports are grouped by."""
    return Q(is_active=True, role="sales_manager")


def holders_q(kind: permissions.Kind, action: permissions.Action) -> Q:
    """Active users whose role allows `action` on some records of `kind`, as a filter on the
    user table (who may be assigned a complaint: those who may change complaints)."""
    roles = sorted(
        role
        for role, rights in permissions.RULES.items()
        if rights.get(kind, {}).get(action, "none") != "none"
    )
    allowed = Q(role__in=roles)
    # a superuser is an administrator whatever their role field says (see `role_of`)
    superusers = Q(is_superuser=True)
    allowed = allowed | superusers if permissions.ADMIN in roles else allowed & ~superusers
    return Q(is_active=True) & allowed


def admins_q() -> Q:
    """Administrators (superusers included), as a filter on the user table."""
    return Q(is_active=True) & (Q(is_superuser=True) | Q(role=permissions.ADMIN))
