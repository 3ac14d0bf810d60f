"""Generating demo customers in batches, as plain rows ready for a bulk insert.

Each batch is drawn from its own random stream (seed, first index), so a batch is the same
whatever came before it. Random numbers are drawn per batch with numpy; the per-row Python
work is list indexing and string formatting. No Django model is instantiated here.
"""

import bisect
import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from rapport.contacts.search import terms_for
from rapport.demo import journey_rows, journeys, pools

Row = tuple[Any, ...]

# Column order of every table the generator fills (the loader inserts in this order).
COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts_contact": (
        "id", "created_at", "updated_at", "first_name", "last_name", "middle_name", "email",
        "phone", "birth_date", "gender", "language", "city", "country", "address",
        "lifecycle_stage", "source", "notes", "external_id", "custom", "version", "company_id",
        "owner_id", "referred_by_id",
    ),
    "contacts_contactemail": ("email", "kind", "is_primary", "contact_id"),
    "contacts_contactphone": ("number", "kind", "is_primary", "contact_id"),
    "contacts_searchterm": ("term", "contact_id"),
    "contacts_contact_tags": ("contact_id", "tag_id"),
    "contacts_contactrelation": ("kind", "created_at", "contact_id", "related_id"),
    "contacts_lifeevent": ("kind", "date", "recurring", "note", "created_at", "contact_id"),
    "contacts_consentevent": (
        "channel", "purpose", "status", "at", "source", "evidence", "recorded_by_id",
        "contact_id",
    ),
    # The current consents (`ConsentState`), as the events' writes would leave them.
    "contacts_consentstate": ("channel", "purpose", "status", "at", "contact_id"),
    "timeline_interaction": (
        "channel", "direction", "occurred_at", "summary", "body", "duration_seconds",
        "source_id", "created_at", "actor_id", "contact_id", "source_type_id", "kind", "params",
    ),
}  # fmt: skip
CONTACT_TABLES = tuple(COLUMNS)
COLUMNS.update(journey_rows.SALES_COLUMNS)

EXTERNAL_ID_PREFIX = "demo-"
HISTORY = dt.timedelta(days=3 * 365)
NOTES = (
    "Prefers early flights.",
    "Travels only with hand luggage.",
    "Vegetarian; ask hotels about meals.",
    "Needs a room on a low floor.",
    "Pays by bank transfer, company invoice.",
    "Likes quiet hotels without animation.",
)


def external_id(index: int) -> str:
    return f"{EXTERNAL_ID_PREFIX}{index:07d}"


@dataclass
class Context:
    """What every batch needs from the database: who owns customers, tag and company ids."""

    seed: int
    total: int  # size of the whole data set: creation times spread over it
    now: dt.datetime  # UTC
    manager_ids: list[int]
    actor_ids: list[int]  # other staff who also talk to customers (service agents)
    tag_ids: dict[str, int]
    company_ids: dict[str, list[int]] = field(default_factory=dict)  # per country
    sales: Any = None  # a sales_setup.SalesSetup: then each customer gets a sales story

    @property
    def window_start(self) -> int:
        return int(self.now.timestamp()) - int(HISTORY.total_seconds())


@cache
def _name_terms(name: str) -> tuple[str, ...]:
    return tuple(terms_for(names=[name], emails=[], phones=[]))


def _email_terms(email: str) -> set[str]:
    return terms_for(names=[], emails=[email], phones=[])


def _weighted(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], np.ndarray]:
    values = [v for v, _ in pairs]
    weights = np.array([w for _, w in pairs], dtype=float)
    return values, weights / weights.sum()


def _cumulative(pairs: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values, p = _weighted(pairs)
    return values, list(np.cumsum(p))


def _timestamps(epochs: np.ndarray) -> list[str]:
    """UTC epoch seconds → Django's stored form on SQLite ('YYYY-MM-DD HH:MM:SS')."""
    text = np.datetime_as_string(epochs.astype("datetime64[s]"), unit="s")
    return [t.replace("T", " ") for t in text.tolist()]


def _dates(days: np.ndarray) -> list[str]:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D").tolist()


@dataclass
class _Person:
    culture: pools.Culture
    female: bool
    surname: int
    country: str
    city: str
    street: str
    house: int
    flat: int
    owner: int
    age: float
    place: str  # in the household: single, head, spouse, child (not a user role)
    family: list[int] = field(default_factory=list)  # batch positions of the family


def _plan_people(ctx: Context, rng: np.random.Generator, n: int) -> list[_Person]:
    """Who is who: singles and families (spouses and children share a surname and home)."""
    cultures = pools.cultures()
    culture_p = np.array([c.weight for c in cultures])
    culture_idx = rng.choice(len(cultures), n, p=culture_p / culture_p.sum()).tolist()
    u = rng.random((n, 8)).tolist()
    ages = np.clip(rng.normal(42, 13, n), 18, 85).tolist()
    cities = {country: _cumulative(pairs) for country, pairs in pools.CITIES.items()}
    people: list[_Person] = []
    i = 0
    while i < n:
        r = u[i]
        culture = cultures[culture_idx[i]]
        countries, cum = _cumulative(culture.countries)
        country = countries[min(bisect.bisect(cum, r[0]), len(countries) - 1)]
        names, city_cum = cities[country]
        home = {
            "country": country,
            "city": names[min(bisect.bisect(city_cum, r[1]), len(names) - 1)],
            "street": pools.STREETS[country][int(r[2] * len(pools.STREETS[country]))],
            "house": 1 + int(r[3] * 120),
            "flat": 1 + int(r[4] * 200),
            "owner": ctx.manager_ids[int(r[5] * len(ctx.manager_ids))],
            "surname": int(r[6] * len(culture.last_male)),
        }
        age = ages[i]
        if r[7] < 0.12 and 25 <= age <= 70 and i + 1 < n:
            children = 0 if age > 55 else (0, 1, 1, 2)[int(r[7] * 100) % 4]
            size = min(2 + children, n - i)
            family = list(range(i, i + size))
            head_female = r[0] * 10 % 1 < 0.5
            people.append(
                _Person(culture, head_female, age=age, place="head", family=family, **home)
            )
            spouse_age = float(np.clip(age + (r[1] * 10 % 1 - 0.5) * 10, 20, 85))
            people.append(
                _Person(
                    culture, not head_female, age=spouse_age, place="spouse", family=family, **home
                )
            )
            for k in range(size - 2):
                child_age = max(1.0, min(age - 24, 1 + (r[2] * 10 ** (k + 1) % 1) * 20))
                people.append(
                    _Person(
                        culture,
                        (r[3] * 10 ** (k + 1)) % 1 < 0.5,
                        age=child_age,
                        place="child",
                        family=family,
                        **home,
                    )
                )
            i += size
        else:
            people.append(_Person(culture, r[7] * 10 % 1 < 0.55, age=age, place="single", **home))
            i += 1
    return people


def generate_batch(
    ctx: Context,
    *,
    start: int,
    count: int,
    first_id: int,
    sales_ids: journey_rows.Ids | None = None,
) -> tuple[dict[str, list[Row]], journeys.Plan | None]:
    """Rows for contacts `start`..`start+count-1` of the data set, with ids from `first_id`,
    and their sales plan. With `sales_ids` the plan's rows are included (ids from there);
    without, the caller expands the plan itself (in another process)."""
    rng = np.random.default_rng([ctx.seed, start])
    n = count
    people = _plan_people(ctx, rng, n)
    ids = list(range(first_id, first_id + n))
    now_epoch = int(ctx.now.timestamp())
    span = int(HISTORY.total_seconds())
    # Creation times grow with the index over the three years, so ids and dates agree.
    created = (
        now_epoch - span + ((start + np.arange(n) + rng.random(n)) / max(ctx.total, 1)) * span
    ).astype(np.int64)
    created = np.minimum(created, now_epoch - 60)
    updated = created + (rng.random(n) * (now_epoch - created)).astype(np.int64)
    created_s, updated_s = _timestamps(created), _timestamps(updated)
    today = now_epoch // 86400
    birth_days = (today - np.array([p.age for p in people]) * 365.25).astype(np.int64)
    birth_s = _dates(birth_days)
    stages, stage_p = _weighted(pools.LIFECYCLE)
    stage = [stages[k] for k in rng.choice(len(stages), n, p=stage_p).tolist()]
    sources, source_p = _weighted(pools.SOURCES)
    source = [sources[k] for k in rng.choice(len(sources), n, p=source_p).tolist()]
    # Corporate travellers: working-age people, some of them employed by a client company.
    company_draw = rng.random(n).tolist()
    companies: list[int | None] = []
    for k, person in enumerate(people):
        country_companies = ctx.company_ids.get(person.country)
        c = company_draw[k]
        companies.append(
            country_companies[int(c / 0.06 * len(country_companies))]
            if country_companies and 23 <= person.age <= 65 and c < 0.06
            else None
        )
    plan: journeys.Plan | None = None
    facts = journeys.Facts(
        ids=np.array(ids, np.int64),
        created=created,
        owner=np.array([p.owner for p in people], np.int64),
        company=np.array([c or 0 for c in companies], np.int64),
        minor=np.array([p.age < 18 for p in people]),
    )
    if ctx.sales is not None:
        # The sales story decides the lifecycle stage and the source (its first enquiry's).
        plan = journeys.plan(
            facts, seed=ctx.seed, start=start, now=now_epoch, window_start=ctx.window_start
        )
        stage, source = plan.stage, plan.source
    tag_names, tag_p = _weighted(pools.TAGS)
    tag_draw = rng.choice(len(tag_names), (n, 3), p=tag_p).tolist()
    tag_count = rng.choice(4, n, p=[0.15, 0.4, 0.3, 0.15]).tolist()
    u = rng.random((n, 12)).tolist()

    out: dict[str, list[Row]] = {table: [] for table in CONTACT_TABLES}
    contacts, emails, phones = (
        out["contacts_contact"],
        out["contacts_contactemail"],
        out["contacts_contactphone"],
    )
    terms, tags = out["contacts_searchterm"], out["contacts_contact_tags"]

    for k, person in enumerate(people):
        index = start + k
        cid = ids[k]
        r = u[k]
        culture = person.culture
        first_pool = culture.first_female if person.female else culture.first_male
        first = first_pool[int(r[0] * len(first_pool))]
        if not person.female:
            last = culture.last_male[person.surname]
        elif person.place == "child" or (person.place == "single" and r[1] < 0.5):
            last = culture.last_girl[person.surname]
        else:
            last = culture.last_female[person.surname]
        middle_pool = culture.middle_female if person.female else culture.middle_male
        middle = middle_pool[int(r[2] * len(middle_pool))] if middle_pool and r[3] < 0.6 else ""
        adult = person.age >= 18
        email = ""
        if adult or (person.age >= 14 and r[4] < 0.5):
            domain = pools.EMAIL_DOMAINS[int(r[5] * len(pools.EMAIL_DOMAINS))]
            email = f"{pools.email_local(first, last, int(r[6] * 4), index)}@{domain}"
            emails.append((email, "personal", True, cid))
            if adult and r[7] < 0.12:
                work_domain = pools.WORK_EMAIL_DOMAINS[int(r[8] * len(pools.WORK_EMAIL_DOMAINS))]
                work = f"{pools.email_local(first, last, 1, index)}@{work_domain}"
                emails.append((work, "work", False, cid))
        phone = ""
        phone_list: list[str] = []
        if (adult and r[9] < 0.95) or (person.age >= 14 and r[9] < 0.4):
            phone = pools.phone_number(person.country, index, 0)
            phones.append((phone, "mobile", True, cid))
            phone_list.append(phone)
            if adult and r[10] < 0.08:
                second = pools.phone_number(person.country, index, 1)
                phones.append((second, "work", False, cid))
                phone_list.append(second)
        company_id = companies[k]
        facts.first.append(first)
        facts.last.append(last)
        facts.email.append(email)
        facts.phone.append(phone)
        contacts.append(
            (
                cid, created_s[k], updated_s[k], first, last, middle, email, phone,
                None if r[4] * 10 % 1 < 0.08 else birth_s[k],
                "female" if person.female else "male", culture.code, person.city,
                person.country, pools.address(person.country, person.street, person.house,
                                              person.flat),
                stage[k], source[k], NOTES[int(r[8] * 60) % 60] if r[8] * 60 < len(NOTES) else "",
                external_id(index), "{}", 1, company_id, person.owner, None,
            )
        )  # fmt: skip

        # Search terms: exactly what rapport.contacts.search.reindex would write.
        words: set[str] = set()
        for name in (first, last, middle):
            if name:
                words.update(_name_terms(name))
        for row in emails[-2:]:
            if row[3] == cid:
                words |= _email_terms(row[0])
        for number in phone_list:
            words.update(pools.phone_terms(number, person.country))
        terms.extend((word, cid) for word in words)

        # Interests: family members travel with kids; corporate people travel on business.
        chosen = {tag_names[j] for j in tag_draw[k][: tag_count[k]]}
        if person.place != "single":
            chosen.add("family")
        if company_id:
            chosen.add("business-travel")
        tags.extend((cid, ctx.tag_ids[name]) for name in sorted(chosen))

    _add_families(out, people, ids, created_s)
    _add_referrals(ctx, start, contacts, stage, source)
    _add_life_events(ctx, out, people, ids, created, birth_days, rng)
    _add_consents(out, people, ids, created, now_epoch, rng, contacts)
    _add_interactions(ctx, out, people, ids, created, now_epoch, stage, rng)
    if plan is not None and sales_ids is not None:
        for table, rows in journey_rows.expand(ctx.sales, plan, sales_ids, now=now_epoch).items():
            out.setdefault(table, []).extend(rows)
    return out, plan


REFERRED = 0.8  # of the contacts who came through a referral, those whose referrer is known


def _add_referrals(
    ctx: Context, start: int, contacts: list[Row], stage: list[str], source: list[str]
) -> None:
    """Loyal customers bring their friends: most contacts whose source is a referral name a
    customer created before them (in the same batch, so never a circle) as their referrer.
    Its own random stream, so the rest of the data set stays as it was."""
    rng = np.random.default_rng([ctx.seed, start, 7])
    customers: list[int] = []
    draws = rng.random((len(contacts), 2)).tolist()
    for k, row in enumerate(contacts):
        if str(source[k]).lower() == "referral" and customers and draws[k][0] < REFERRED:
            referrer = customers[int(draws[k][1] * len(customers))]
            contacts[k] = (*row[:-1], referrer)
        if stage[k] == "customer":
            customers.append(row[0])


def _add_families(
    out: dict[str, list[Row]], people: list[_Person], ids: list[int], created_s: list[str]
) -> None:
    """Relations in both directions: spouses, parent ↔ child, siblings."""
    rows = out["contacts_contactrelation"]
    for person in people:
        if person.place != "head":
            continue
        head, spouse, *children = person.family
        at = created_s[person.family[-1]]
        rows.append(("spouse", at, ids[head], ids[spouse]))
        rows.append(("spouse", at, ids[spouse], ids[head]))
        for child in children:
            for parent in (head, spouse):
                rows.append(("child", at, ids[parent], ids[child]))
                rows.append(("parent", at, ids[child], ids[parent]))
        for a, b in itertools.permutations(children, 2):
            rows.append(("sibling", at, ids[a], ids[b]))


def _add_life_events(
    ctx: Context,
    out: dict[str, list[Row]],
    people: list[_Person],
    ids: list[int],
    created: np.ndarray,
    birth_days: np.ndarray,
    rng: np.random.Generator,
) -> None:
    rows = out["contacts_lifeevent"]
    today = int(ctx.now.timestamp()) // 86400
    u = rng.random((len(people), 3)).tolist()
    created_s = _timestamps(created)
    for k, person in enumerate(people):
        cid, at, r = ids[k], created_s[k], u[k]
        if person.place == "head":
            head, spouse, *children = person.family
            married_years = max(1.0, min(people[head].age, people[spouse].age) - 22) * r[0]
            wedding = _dates(np.array([today - int(married_years * 365.25)]))[0]
            for member in (head, spouse):
                rows.append(("anniversary", wedding, True, "", at, ids[member]))
                for child in children:
                    born = _dates(birth_days[child : child + 1])[0]
                    rows.append(("child_born", born, True, "", at, ids[member]))
        if person.place == "child":
            continue
        if r[1] < 0.04:
            moved = _dates(np.array([today - int(r[2] * 3 * 365)]))[0]
            rows.append(("moved", moved, False, person.city, at, cid))
        elif r[1] < 0.08:
            job = _dates(np.array([today - int(r[2] * 3 * 365)]))[0]
            rows.append(("new_job", job, False, "", at, cid))
        elif r[1] < 0.10 and person.age < 26:
            grad = _dates(np.array([today - int(r[2] * 2 * 365)]))[0]
            rows.append(("graduation", grad, False, "", at, cid))
        elif r[1] < 0.12 and person.age > 62:
            retired = _dates(np.array([today - int(r[2] * 3 * 365)]))[0]
            rows.append(("retirement", retired, False, "", at, cid))


def _add_consents(
    out: dict[str, list[Row]],
    people: list[_Person],
    ids: list[int],
    created: np.ndarray,
    now_epoch: int,
    rng: np.random.Generator,
    contacts: list[Row],
) -> None:
    """Grants when the customer came, some withdrawn later (the history stays); the state
    of each is its last event (a withdrawal is never before its grant)."""
    rows, states = out["contacts_consentevent"], out["contacts_consentstate"]
    n = len(people)
    u = rng.random((n, 8)).tolist()
    later = (created + rng.random(n) * (now_epoch - created)).astype(np.int64)
    created_s, later_s = _timestamps(created), _timestamps(later)
    # (channel, purpose, needs email?, needs phone?, probability of a grant)
    plan = (
        ("email", "service", True, False, 0.9),
        ("email", "marketing", True, False, 0.65),
        ("sms", "marketing", False, True, 0.35),
        ("messenger", "marketing", False, True, 0.25),
        ("phone", "service", False, True, 0.5),
        ("email", "profiling", True, False, 0.3),
    )
    for k in range(n):
        contact = contacts[k]
        has_email, has_phone = bool(contact[6]), bool(contact[7])
        r = u[k]
        owner = contact[21]
        source, evidence = pools.CONSENT_SOURCES[int(r[6] * len(pools.CONSENT_SOURCES))]
        evidence = evidence.format(n=1 + int(r[7] * 250))
        for j, (channel, purpose, needs_email, needs_phone, p) in enumerate(plan):
            if (needs_email and not has_email) or (needs_phone and not has_phone) or r[j] >= p:
                continue
            rows.append(
                (channel, purpose, "granted", created_s[k], source, evidence, owner, ids[k])
            )
            # About one grant in eight for marketing is withdrawn later.
            if purpose == "marketing" and r[j] < p * 0.12:
                how, why = pools.WITHDRAW_SOURCES[j % len(pools.WITHDRAW_SOURCES)]
                rows.append((channel, purpose, "withdrawn", later_s[k], how, why, None, ids[k]))
            states.append((channel, purpose, *rows[-1][2:4], ids[k]))


def _add_interactions(
    ctx: Context,
    out: dict[str, list[Row]],
    people: list[_Person],
    ids: list[int],
    created: np.ndarray,
    now_epoch: int,
    stage: list[str],
    rng: np.random.Generator,
) -> None:
    """Three years of calls, e-mails, messages, meetings and visits on each timeline.

    These stand for what staff logged by hand: their words are the summary, with no kind."""
    rows = out["timeline_interaction"]
    lam = np.array([pools.INTERACTIONS_PER_STAGE[s] for s in stage])
    counts = rng.poisson(lam)
    total = int(counts.sum())
    if not total:
        return
    owner_of = np.repeat(np.array([p.owner for p in people]), counts)
    contact_of = np.repeat(np.array(ids), counts).tolist()
    start_at = np.repeat(np.maximum(created, now_epoch - int(HISTORY.total_seconds())), counts)
    occurred = (start_at + rng.random(total) * (now_epoch - start_at)).astype(np.int64)
    occurred_s = _timestamps(occurred)
    templates = pools.INTERACTION_TEMPLATES
    t_p = np.array([t[4] for t in templates])
    template = rng.choice(len(templates), total, p=t_p / t_p.sum()).tolist()
    dest = rng.integers(0, len(pools.DESTINATIONS), total).tolist()
    nights = rng.choice([3, 5, 7, 7, 7, 10, 10, 14], total).tolist()
    party = rng.integers(0, len(pools.PARTY), total).tolist()
    duration = rng.integers(45, 1200, total).tolist()
    by_other = (rng.random(total) < 0.15).tolist()
    other = rng.integers(0, max(len(ctx.actor_ids), 1), total).tolist()
    actors = ctx.actor_ids or ctx.manager_ids
    owners = owner_of.tolist()
    for t in range(total):
        channel, direction, summary, timed, _ = templates[template[t]]
        text = summary.format(
            dest=pools.DESTINATIONS[dest[t]], nights=nights[t], people=pools.PARTY[party[t]]
        )
        rows.append(
            (
                channel, direction, occurred_s[t], text, "",
                duration[t] if timed else None, None, occurred_s[t],
                actors[other[t] % len(actors)] if by_other[t] else owners[t], contact_of[t], None,
                "", "{}",
            )
        )  # fmt: skip
