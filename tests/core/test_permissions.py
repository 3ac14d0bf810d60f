"""The one role rule (core/permissions.py): its table, how it fails closed, and that nothing
else in the code decides by role."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser

from rapport.accounts.models import Role
from rapport.core import permissions, visibility
from rapport.sales.models import Lead
from rapport.sales.selectors import leads_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SRC = Path(permissions.__file__).resolve().parents[1]
# Where asking for a role is the point: the rule itself, the field, the back office and the
# demo staff (it creates the users), and the bench's bare WSGI baseline, which loads the user
# row with raw SQL (the decision is still the rule's). Migrations are history.
ALLOWED = {"core/visibility.py", "accounts/models.py", "accounts/admin.py"}
ALLOWED_DIRS = ("demo/", "migrations/")
PY_PATTERNS = [
    re.compile(r"\.role\b"),
    re.compile(r"is_superuser"),
    re.compile(r"\brole\s*(==|!=|\bin\b|\bnot in\b)"),
    re.compile(r"""getattr\([^)]*["']role["']"""),
    re.compile(r"""\brole(__in)?\s*=\s*(Role\.|["'\[(])"""),
    re.compile(r"\bRole\.[A-Z_]+"),
]
HTML_PATTERNS = [re.compile(r"user\.role|is_superuser|\.is_admin")]


def _offences() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*")):
        relative = path.relative_to(SRC).as_posix()
        if relative in ALLOWED or relative.startswith(ALLOWED_DIRS) or "/migrations/" in relative:
            continue
        patterns = {".py": PY_PATTERNS, ".html": HTML_PATTERNS}.get(path.suffix)
        if not patterns:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(p.search(line) for p in patterns):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_nothing_but_the_rule_asks_for_a_role():
    assert _offences() == []


def test_the_grep_sees_each_way_of_asking():
    samples = [
        "if user.role == 'admin':",
        "if not user.is_superuser:",
        "if role in SEE_ALL:",
        'role = getattr(actor, "role", None)',
        'User.objects.exclude(role="analyst")',
        "owner = actor if x == Role.SALES_MANAGER else None",
    ]
    assert [bool(p.search(line)) for p, line in zip(PY_PATTERNS, samples, strict=True)] == [
        True
    ] * len(samples)


def test_every_role_of_the_model_is_in_the_table_and_every_kind_in_every_role():
    kinds = set(permissions.Kind.__args__)
    assert set(permissions.RULES) == set(Role.values)
    within = {role: set(rights) <= kinds for role, rights in permissions.RULES.items()}
    assert within == dict.fromkeys(Role.values, True)


def test_a_superuser_counts_as_admin_whatever_their_role_field_says(users):
    boss = UserFactory(username="boss", role=Role.SALES_MANAGER, is_superuser=True)
    stray = Lead.objects.create(email="stray@example.com", owner=users["manager2"])

    assert visibility.role_of(boss) == "admin"
    assert permissions.is_admin(boss) is True
    assert stray in leads_for(boss)  # it used to see only its own leads
    assert visibility.can(boss, "delete", stray) is True


@pytest.mark.parametrize("kind", permissions.Kind.__args__)
@pytest.mark.parametrize("action", ["view", "change", "delete", "create"])
def test_unknown_roles_anonymous_and_inactive_users_get_nothing(users, kind, action):
    intern = UserFactory(username="intern", role="intern")
    gone = UserFactory(username="gone", role=Role.ADMIN, is_active=False)

    for user in (intern, gone, AnonymousUser(), None):
        assert permissions.reach(user, kind, action) == "none"


def test_unknown_kinds_and_actions_are_refused(users):
    assert permissions.allows(users["admin"], "spaceships", "view") is False
    assert permissions.allows(users["admin"], "contacts", "launch") is False


def test_unassigned_leads_are_every_sales_managers_to_work_but_not_to_delete(users):
    free = Lead.objects.create(email="free@example.com")
    theirs = Lead.objects.create(email="theirs@example.com", owner=users["manager2"])

    assert set(leads_for(users["manager"])) == {free}
    assert set(leads_for(users["manager"], "change")) == {free}
    assert set(leads_for(users["manager"], "delete")) == set()
    assert visibility.can(users["manager"], "change", free) is True
    assert visibility.can(users["manager"], "view", theirs) is False


@pytest.mark.parametrize(
    ("role", "owns"),
    [("admin", True), ("manager", True), ("marketer", True), ("agent", True), ("analyst", False)],
)
def test_who_may_own_records(users, role, owns):
    assert permissions.may_own(users[role]) is owns
    assert permissions.owners().filter(pk=users[role].pk).exists() is owns


def test_complaints_are_worked_by_agents_everywhere_and_by_managers_for_their_team(users):
    from rapport.accounts.models import User

    UserFactory(username="boss", role=Role.SERVICE_AGENT, is_superuser=True)  # counts as admin
    workers = User.objects.filter(visibility.holders_q("complaints", "change"))
    readers = User.objects.filter(visibility.holders_q("complaints", "view"))
    deleters = User.objects.filter(visibility.holders_q("complaints", "delete"))

    assert sorted(u.username for u in workers) == sorted(
        ["admin", "agent", "boss", "manager", "manager2", "mate"]
    )
    assert sorted(u.username for u in readers) == sorted(
        ["admin", "agent", "analyst", "boss", "manager", "manager2", "marketer", "mate"]
    )
    assert sorted(u.username for u in deleters) == ["admin", "boss"]
    assert permissions.reach(users["manager"], "complaints", "change") == "team"
    assert permissions.reach(users["agent"], "complaints", "change") == "all"
    assert permissions.reach(users["marketer"], "complaints", "change") == "none"
    assert permissions.reach(users["manager"], "service_setup", "change") == "none"


def test_whoever_reads_campaigns_sees_every_customer_so_their_reports_count_no_hidden_one():
    # A campaign's report counts its recipients, conversions and revenue without scoping them
    # to the reader: that is right only while every role that reads campaigns reaches every
    # contact. Giving a team-scoped role the campaigns must come with a scoped report.
    readers = {role for role in permissions.RULES if permissions.RULES[role].get("campaigns")}
    assert readers == {"admin", "marketer", "analyst"}
    assert {role: permissions.RULES[role]["contacts"]["view"] for role in readers} == dict.fromkeys(
        readers, "all"
    )
