"""The travel agency's staff, tags and corporate customers: a few ORM rows, created once."""

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from rapport.accounts.models import Role, Team, User
from rapport.contacts.models import Company, Tag
from rapport.core import visibility
from rapport.demo import pools

DEMO_PASSWORD = "rapport-demo"  # noqa: S105 (printed for the demo; never a real account)
KYIV, VILNIUS = "Kyiv office", "Vilnius office"


@dataclass(frozen=True)
class StaffMember:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str | None = None
    language: str = ""


# The logins the README and `rapport demo` print come first.
STAFF = (
    StaffMember("admin", "Iryna", "Bondarenko", Role.ADMIN, language="uk"),
    StaffMember("manager", "Oksana", "Melnyk", Role.SALES_MANAGER, KYIV, "uk"),
    StaffMember("manager2", "Rūta", "Kazlauskienė", Role.SALES_MANAGER, VILNIUS, "lt"),
    StaffMember("marketer", "Emily", "Clarke", Role.MARKETER, language="en"),
    StaffMember("agent", "Dmytro", "Shevchuk", Role.SERVICE_AGENT, language="uk"),
    StaffMember("analyst", "Tomas", "Petrauskas", Role.ANALYST, language="lt"),
    StaffMember("andrii", "Andrii", "Kovalenko", Role.SALES_MANAGER, KYIV, "uk"),
    StaffMember("natalia", "Natalia", "Sokolova", Role.SALES_MANAGER, KYIV, "ru"),
    StaffMember("lukas", "Lukas", "Jankauskas", Role.SALES_MANAGER, VILNIUS, "lt"),
    StaffMember("egle", "Eglė", "Žukauskaitė", Role.SALES_MANAGER, VILNIUS, "lt"),
)
LOGINS = STAFF[:6]


@transaction.atomic
def ensure_staff() -> dict[str, User]:
    """The demo users and teams; existing ones are left exactly as they are."""
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in (KYIV, VILNIUS)}
    users: dict[str, User] = {}
    password = ""  # hashed once: a hash costs a third of a second by design
    for member in STAFF:
        user = User.objects.filter(username=member.username).first()
        if user is None:
            user = User(
                username=member.username,
                first_name=member.first_name,
                last_name=member.last_name,
                email=f"{member.username}@agency.example.com",
                role=member.role,
                team=teams[member.team] if member.team else None,
                language=member.language,
                **visibility.django_flags(member.role),
            )
            password = password or make_password(DEMO_PASSWORD)
            user.password = password
            user.save()
        users[member.username] = user
    return users


def ensure_tags() -> dict[str, int]:
    for name, _ in pools.TAGS:
        Tag.objects.get_or_create(name=name)
    return dict(Tag.objects.filter(name__in=[n for n, _ in pools.TAGS]).values_list("name", "id"))


def company_external_id(index: int) -> str:
    return f"demo-co-{index:05d}"


@transaction.atomic
def ensure_companies(count: int, owners: list[User]) -> dict[str, list[int]]:
    """`count` corporate customers (numbered, so a bigger data set only adds the missing ones)."""
    existing = set(
        Company.objects.filter(external_id__startswith="demo-co-").values_list(
            "external_id", flat=True
        )
    )
    countries = list(pools.COMPANY_NAMES)
    new = []
    for index in range(count):
        if company_external_id(index) in existing:
            continue
        country = countries[index % len(countries)]
        names = pools.COMPANY_NAMES[country]
        name = names[(index // len(countries)) % len(names)]
        branch = index // (len(countries) * len(names))
        cities = pools.CITIES[country]
        new.append(
            Company(
                name=f"{name} #{branch + 1}" if branch else name,
                industry=pools.INDUSTRIES[index % len(pools.INDUSTRIES)],
                city=cities[index % len(cities)][0],
                country=country,
                website=f"https://company{index}.example.com",
                email=f"travel@company{index}.example.com",
                external_id=company_external_id(index),
                owner=owners[index % len(owners)],
            )
        )
    Company.objects.bulk_create(new, batch_size=1000)
    by_country: dict[str, list[int]] = {c: [] for c in countries}
    for pk, country in (
        Company.objects.filter(external_id__startswith="demo-co-")
        .order_by("id")
        .values_list("id", "country")
    ):
        by_country.setdefault(country, []).append(pk)
    return by_country
