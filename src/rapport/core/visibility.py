"""The one rule that decides which owned records a user may see, change or delete.

Every list, detail, search, export and API endpoint passes its queryset through `scope()`.
It fails closed: an unknown role or an anonymous user gets nothing.
"""

from typing import Literal, Protocol

from django.db.models import Model, QuerySet

Action = Literal["view", "change", "delete"]

SEE_ALL_ROLES = frozenset({"admin", "marketer", "analyst", "service_agent"})
CHANGE_ALL_ROLES = frozenset({"admin", "marketer", "service_agent"})
READ_ONLY_ROLES = frozenset({"analyst"})


class Viewer(Protocol):
    pk: int | None
    role: str
    is_active: bool
    is_authenticated: bool
    is_superuser: bool

    @property
    def colleague_ids(self) -> list[int]: ...


def _role(user: Viewer) -> str:
    return "admin" if user.is_superuser else user.role


def scope[M: Model](
    queryset: QuerySet[M],
    user: Viewer | None,
    action: Action = "view",
    *,
    owner_field: str = "owner",
) -> QuerySet[M]:
    """The part of `queryset` that `user` may act on."""
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    role = _role(user)
    if action == "view" and role in SEE_ALL_ROLES:
        return queryset
    if action == "change" and role in CHANGE_ALL_ROLES:
        return queryset
    if action == "delete" and role == "admin":
        return queryset
    if role == "sales_manager":
        return queryset.filter(**{f"{owner_field}_id__in": user.colleague_ids})
    return queryset.none()


def can_create(user: Viewer | None) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and _role(user) not in READ_ONLY_ROLES
    )


def can(user: Viewer | None, action: Action, obj: Model, *, owner_field: str = "owner") -> bool:
    """Whether `user` may act on one object (same rule as `scope`, without a query)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    role = _role(user)
    if (action == "view" and role in SEE_ALL_ROLES) or (
        action == "change" and role in CHANGE_ALL_ROLES
    ):
        return True
    if action == "delete" and role == "admin":
        return True
    if role == "sales_manager":
        return getattr(obj, f"{owner_field}_id") in user.colleague_ids
    return False
