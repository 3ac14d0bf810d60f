"""The one role rule: what each role may see, change, delete and create, per kind of record.

It is data — `RULES[role][kind][action]` is a `Reach` — so that a reader sees every role's
rights on one screen. Only `core.visibility` reads a user's role field (`role_of`, and the
user-table filters built from this table); nothing else asks (tests/core/test_permissions.py
greps for it). `core.visibility` also turns a reach into a queryset filter for owned records;
services, selectors, views and templates ask `allows()` for everything else. It fails
closed: an anonymous or inactive user, an unknown role, an unknown kind or an unknown action
reach nothing.
"""

from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

Action = Literal["view", "change", "delete", "create"]
Kind = Literal[
    # records a sales manager owns (they and their team see them; others by role)
    "contacts",
    "companies",
    "interactions",
    "leads",
    "deals",
    "orders",
    # planned work (calls, meetings, tasks, e-mails): reached through its assignee, its
    # customer's owner or the assignee of the complaint it follows up
    # (activities.models.ACTIVITY_OWNERS)
    "activities",
    # complaints follow their customer: a sales manager sees those of the team's customers
    "complaints",
    # shared set-up and figures
    "catalog",  # products and categories
    "marketing",  # lead sources, tracking numbers, web forms
    "spend",  # marketing spend per source (a business figure)
    "pipelines",  # pipelines, stages, lost reasons
    "analytics",  # acquisition report and funnel; "change" = recompute
    "custom_fields",
    "users",  # users, teams, other people's API tokens, the administration site
    "jobs",  # periodic jobs (core/schedule.py): their state; "change" = run one now
    "service_setup",  # complaint categories, root causes, SLA policies, business hours
    # segments (rules and static lists): owned; members are contacts, so whoever looks at a
    # segment sees only the members their "contacts" reach allows
    "segments",
    # campaigns and their outbox (the messages): the marketer's work; the analyst reads them
    "campaigns",
    # trigger scenarios (their flows, versions and reports): the marketer's work; everyone
    # who serves customers reads them (why did my customer get this?); a run's log is seen
    # through its contact's reach
    "scenarios",
]
Reach = Literal["all", "team", "team_or_unowned", "own", "none"]
"""How far an allowed action reaches: every record, the records of the user's team (their
own included), those plus records nobody owns yet (unassigned leads), only the user's own
(an activity assigned to them, or on their own customer), or nothing."""

ADMIN = "admin"

_OWNED_KINDS: tuple[Kind, ...] = ("contacts", "companies", "interactions", "deals", "orders")
_SETUP_KINDS: tuple[Kind, ...] = ("catalog", "marketing", "pipelines", "custom_fields", "users")


def _rights(
    view: Reach = "none", change: Reach = "none", delete: Reach = "none", create: Reach = "none"
) -> dict[Action, Reach]:
    return {"view": view, "change": change, "delete": delete, "create": create}


_EVERYTHING = _rights("all", "all", "all", "all")
_READ = _rights("all")
# Marketers and service agents work on every customer but never delete one: deleting (and
# merging away, which deletes) is for the owner's team and the administrator.
_HELPER = _rights("all", "all", "none", "all")
_TEAM = _rights("team", "team", "team", "all")
# Activities: everyone who helps any customer reads the plans made for them, and works (moves,
# completes, deletes) only what is theirs; a sales team works its customers' plans together.
# A service agent's "own" reaches the follow-ups of the complaints assigned to them, whoever is
# to do them: the complaint's assignee is one of an activity's owner paths (ACTIVITY_OWNERS).
_OWN_WORK = _rights("all", "own", "own", "all")
# A complaint is a record of how the business served someone: the people who work it change
# it, and only the administrator deletes one (a duplicate, a mistake), so no problem is hidden.
_WORK_TEAM = _rights("team", "team", "none", "all")
_WORK_ALL = _rights("all", "all", "none", "all")

RULES: dict[str, dict[Kind, dict[Action, Reach]]] = {
    ADMIN: dict.fromkeys((*_OWNED_KINDS, "leads", "activities", *_SETUP_KINDS), _EVERYTHING)
    | {"spend": _EVERYTHING, "analytics": _rights("all", "all"), "jobs": _rights("all", "all")}
    | {"complaints": _EVERYTHING, "service_setup": _EVERYTHING, "segments": _EVERYTHING}
    | {"campaigns": _EVERYTHING, "scenarios": _EVERYTHING},
    "sales_manager": dict.fromkeys((*_OWNED_KINDS, "activities"), _TEAM)
    | dict.fromkeys(("catalog", "marketing", "pipelines", "custom_fields"), _READ)
    # New leads nobody owns yet are every sales manager's to pick up (not to delete).
    | {"leads": _rights("team_or_unowned", "team_or_unowned", "team", "all")}
    | {"analytics": _rights("team")}
    # Their team's customers' complaints, to work and to register; the set-up is read-only.
    | {"complaints": _WORK_TEAM, "service_setup": _READ}
    # Their team's segments (for their own follow-ups); the marketers' are not theirs.
    | {"segments": _TEAM, "scenarios": _READ},
    "marketer": dict.fromkeys((*_OWNED_KINDS, "leads"), _HELPER)
    | dict.fromkeys(("catalog", "marketing", "spend"), _EVERYTHING)
    | dict.fromkeys(("pipelines", "custom_fields"), _READ)
    | {"analytics": _rights("all", "all"), "activities": _OWN_WORK}
    # Marketers read complaints and their causes (what to stop promising, whom not to
    # target this week) but do not work them.
    | {"complaints": _READ, "service_setup": _READ}
    # Segmenting the audience is the marketer's first job: every segment is theirs to work.
    | {"segments": _EVERYTHING}
    # Campaigns are theirs: planning, launching, steering, reading what went out.
    | {"campaigns": _EVERYTHING, "scenarios": _EVERYTHING},
    # Service agents help any customer; marketing money and the figures are not theirs to read
    # (the report shows revenue and spend), so the report and funnel refuse them everywhere.
    "service_agent": dict.fromkeys((*_OWNED_KINDS, "leads"), _HELPER)
    | dict.fromkeys(("catalog", "marketing", "pipelines", "custom_fields"), _READ)
    | {"activities": _OWN_WORK}
    # Every complaint is theirs to work, whoever owns the customer.
    | {"complaints": _WORK_ALL, "service_setup": _READ, "segments": _READ, "scenarios": _READ},
    # Read-only: sees everything, changes nothing, owns nothing; may ask for a recomputation.
    "analyst": dict.fromkeys((*_OWNED_KINDS, "leads", "activities", "spend", *_SETUP_KINDS), _READ)
    | {"analytics": _rights("all", "all"), "complaints": _READ, "service_setup": _READ}
    | {"segments": _READ, "campaigns": _READ, "scenarios": _READ},
}

# The roles whose members may own records (be a contact's, lead's, deal's owner).
OWNER_ROLES = frozenset({ADMIN, "sales_manager", "marketer", "service_agent"})


def _role(user: Any) -> str | None:
    from rapport.core.visibility import role_of  # visibility imports this module

    return role_of(user)


def reach(user: Any, kind: str, action: str) -> Reach:
    """How far `action` on `kind` reaches for `user`."""
    role = _role(user)
    if role is None:
        return "none"
    rights: dict[str, Reach] = RULES[role].get(kind, {})  # type: ignore[call-overload]
    return rights.get(action, "none")


def allows(user: Any, kind: str, action: str) -> bool:
    """Whether `user` may `action` at least some records of `kind`."""
    return reach(user, kind, action) != "none"


def is_admin(user: Any) -> bool:
    """Whether `user` runs the whole business (users, pipelines, the administration site)."""
    return _role(user) == ADMIN


def may_own(user: Any) -> bool:
    """Whether records may be assigned to `user` (the read-only analyst owns nothing)."""
    return _role(user) in OWNER_ROLES  # the role as role_of decides it, superusers included


def sells(user: Any) -> bool:
    """Whether `user` is a sales manager (new leads they create are theirs)."""
    return getattr(user, "is_active", False) and _role(user) == "sales_manager"


def owners() -> "QuerySet[Any]":
    """The users records may be assigned to (see `may_own`): every owner field's choices and
    every service's check of a submitted owner go through it."""
    from rapport.core.visibility import owners_q  # visibility imports this module

    return get_user_model().objects.filter(owners_q())


# The roles whose day is a to-do list: after signing in they land on "my day" (their overdue,
# today's and coming activities) rather than the overview.
DAY_ROLES = frozenset({"sales_manager", "service_agent"})


def starts_on_my_day(user: Any) -> bool:
    """Whether signing in opens `user`'s "my day" page (see DAY_ROLES)."""
    return _role(user) in DAY_ROLES
