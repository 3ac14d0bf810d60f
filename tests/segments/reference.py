"""A plain-Python reference evaluator of segment rules, over plain data, and a writer that puts
the same data in the database: the compiler's SQL must select exactly the contacts this
evaluator does (tests/segments/test_reference.py, on random data and rules).

Written from the rule language's definition (docs/segments.md), not from the compiler: it
walks each contact's own rows one by one, as a person would check them.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from rapport.analytics.models import CustomerMetrics, ExchangeRate
from rapport.catalog.models import Category, Product
from rapport.contacts.models import (
    ConsentEvent,
    Contact,
    ContactRelation,
    CustomField,
    LifeEvent,
    Tag,
)
from rapport.sales.models import Order, OrderLine
from rapport.segments.rules import All, Any_, Condition, Node, Not, Op, annual_days, day_interval
from rapport.timeline.models import Interaction

ZONE = ZoneInfo(settings.TIME_ZONE)
USD_RATE = Decimal("0.5")
USD_RATE_FROM = dt.date(2020, 1, 1)


@dataclass
class OrderRow:
    at: dt.datetime
    status: str
    total: Decimal
    currency: str
    products: list[int]


@dataclass
class Person:
    first_name: str
    city: str
    gender: str
    lifecycle_stage: str
    birth_date: dt.date | None
    created_at: dt.datetime
    owner: int  # index into the world's owners
    tags: set[str] = field(default_factory=set)
    custom: dict[str, Any] = field(default_factory=dict)
    consents: list[tuple[str, str, str, dt.datetime]] = field(default_factory=list)
    orders: list[OrderRow] = field(default_factory=list)
    metrics: dict[str, Any] | None = None
    touches: list[tuple[str, dt.datetime]] = field(default_factory=list)
    life_events: list[tuple[str, dt.date]] = field(default_factory=list)
    relations: set[str] = field(default_factory=set)
    pk: int = 0
    consent_ids: list[int] = field(default_factory=list)


@dataclass
class World:
    people: list[Person]
    products: list[tuple[str, int | None]]  # (name, category index)
    categories: list[tuple[str, int | None]]  # (name, parent index)
    owner_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    category_ids: list[int] = field(default_factory=list)


CUSTOM = [
    ("vip", CustomField.FieldType.BOOLEAN, []),
    ("pets", CustomField.FieldType.NUMBER, []),
    ("note", CustomField.FieldType.TEXT, []),
    ("since", CustomField.FieldType.DATE, []),
    ("hobbies", CustomField.FieldType.MULTI_CHOICE, ["golf", "diving", "ski"]),
]


def write(world: World, owners: list[Any]) -> None:
    """Puts the world in the database (ids written back into it)."""
    world.owner_ids = [o.pk for o in owners]
    for key, kind, choices in CUSTOM:
        CustomField.objects.get_or_create(
            entity="contact",
            key=key,
            defaults={"label": key, "field_type": kind, "choices": choices},
        )
    ExchangeRate.objects.get_or_create(
        currency="USD", valid_from=USD_RATE_FROM, defaults={"rate": USD_RATE}
    )
    world.category_ids = []
    for name, parent in world.categories:
        parent_obj = None if parent is None else Category.objects.get(pk=world.category_ids[parent])
        world.category_ids.append(Category.objects.create(name=name, parent=parent_obj).pk)
    world.product_ids = [
        Product.objects.create(
            name=name,
            price=Decimal(100),
            currency="EUR",
            category_id=None if cat is None else world.category_ids[cat],
        ).pk
        for name, cat in world.products
    ]
    for person in world.people:
        contact = Contact.objects.create(
            first_name=person.first_name,
            city=person.city,
            gender=person.gender,
            lifecycle_stage=person.lifecycle_stage,
            birth_date=person.birth_date,
            owner_id=world.owner_ids[person.owner],
            custom=person.custom,
        )
        Contact.objects.filter(pk=contact.pk).update(created_at=person.created_at)
        person.pk = contact.pk
        for name in sorted(person.tags):
            contact.tags.add(Tag.objects.get_or_create(name=name)[0])
        for channel, purpose, status, at in person.consents:
            event = ConsentEvent.objects.create(
                contact=contact,
                channel=channel,
                purpose=purpose,
                status=status,
                at=at,
                source="test",
            )
            person.consent_ids.append(event.pk)
        for row in person.orders:
            order = Order.objects.create(
                contact=contact,
                order_date=row.at,
                status=row.status,
                total=row.total,
                currency=row.currency,
            )
            for index in row.products:
                OrderLine.objects.create(
                    order=order,
                    product_id=world.product_ids[index],
                    unit_price=row.total,
                    line_total=row.total,
                )
        if person.metrics is not None:
            CustomerMetrics.objects.create(contact=contact, **_metric_row(person.metrics))
        for channel, at in person.touches:
            Interaction.objects.create(
                contact=contact, channel=channel, occurred_at=at, direction="inbound"
            )
        for kind, day in person.life_events:
            LifeEvent.objects.create(contact=contact, kind=kind, date=day)
    first = world.people[0].pk
    for person in world.people[1:]:
        for kind in sorted(person.relations):
            ContactRelation.objects.create(contact_id=person.pk, related_id=first, kind=kind)
            break  # one relation per pair (unique): the first kind


def _metric_row(metrics: dict[str, Any]) -> dict[str, Any]:
    day = dt.date(2026, 1, 1)
    return {
        "as_of": day,
        "computed_at": timezone.now(),
        "currency": "EUR",
        "orders": 1,
        "first_purchase": day,
        "last_purchase": metrics.get("last_purchase", day),
        "recency_days": 1,
        "frequency": 0,
        "T_days": 1,
        "total_revenue": Decimal(0),
        "monetary": Decimal(0),
        **{k: v for k, v in metrics.items() if k != "last_purchase"},
    }


# --- the evaluator ---------------------------------------------------------------------------


def members(world: World, node: Node, now: dt.datetime) -> set[int]:
    return {p.pk for p in world.people if holds(world, p, node, now)}


def holds(world: World, person: Person, node: Node, now: dt.datetime) -> bool:
    if isinstance(node, All):
        return all(holds(world, person, child, now) for child in node.children)
    if isinstance(node, Any_):
        return any(holds(world, person, child, now) for child in node.children)
    if isinstance(node, Not):
        return not holds(world, person, node.child, now)
    return _condition(world, person, node, now)


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZONE).date()


def _in_days(cond: Condition, day: dt.date | None, today: dt.date) -> bool:
    if day is None:
        return False
    if cond.op == Op.WITHIN_NEXT_DAYS and cond.spec.annual:
        return day.month * 100 + day.day in annual_days(today, int(cond.value))  # type: ignore[arg-type]
    low, high = day_interval(cond.op, cond.value, today)
    return (low is None or day >= low) and (high is None or day < high)


def _scalar(cond: Condition, value: Any, today: dt.date) -> bool:
    """A condition on one value (None: the value is missing)."""
    op, x = cond.op, cond.value
    empty = value is None or value == ""
    if op == Op.IS_EMPTY:
        return empty
    if op == Op.IS_NOT_EMPTY:
        return not empty
    if op == Op.NE:
        return not _scalar(_with(cond, Op.EQ), value, today)
    if op == Op.NOT_IN:
        return not _scalar(_with(cond, Op.IN), value, today)
    if value is None:
        return False
    if isinstance(value, dt.datetime):
        value = _local_day(value)
    if isinstance(value, dt.date):
        return _in_days(cond, value, today)
    if op == Op.EQ:
        return value == x
    if op == Op.IN:
        return value in x  # type: ignore[operator]
    if op == Op.CONTAINS:
        return str(x).lower() in str(value).lower()
    if op == Op.STARTS_WITH:
        return str(value).lower().startswith(str(x).lower())
    if op == Op.BETWEEN:
        return x[0] <= value <= x[1]  # type: ignore[index]
    return {Op.LT: value < x, Op.LTE: value <= x, Op.GT: value > x, Op.GTE: value >= x}[op]  # type: ignore[operator]


def _with(cond: Condition, op: Op) -> Condition:
    return Condition(cond.spec, op, cond.value, cond.path, cond.window_days)


def _counted(cond: Condition, person: Person, now: dt.datetime) -> list[OrderRow]:
    rows = [o for o in person.orders if o.status in ("booked", "paid")]
    if cond.window_days is not None:
        since = now - dt.timedelta(days=cond.window_days)
        rows = [o for o in rows if since <= o.at <= now]
    return rows


def _category_matches(world: World, product: int, ids: set[int]) -> bool:
    cat = world.products[product][1]
    if cat is None:
        return False
    parent = world.categories[cat][1]
    return world.category_ids[cat] in ids or (
        parent is not None and world.category_ids[parent] in ids
    )


def _condition(world: World, person: Person, cond: Condition, now: dt.datetime) -> bool:
    today = _local_day(now)
    family, params = cond.spec.family, cond.spec.params
    op = cond.op
    values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
    if family == "contact":
        column = params[0]
        value = world.owner_ids[person.owner] if column == "owner_id" else getattr(person, column)
        return _scalar(cond, value, today)
    if family == "custom":
        value = person.custom.get(params[0])
        if cond.spec.type.value == "tags":
            chosen = value if isinstance(value, list) else []
            if op == Op.IS_EMPTY:
                return not chosen
            if op == Op.IS_NOT_EMPTY:
                return bool(chosen)
            hit = any(v in chosen for v in values)
            return not hit if op == Op.NOT_IN else hit
        if cond.spec.type.value == "date" and value is not None:
            value = dt.date.fromisoformat(value)
        return _scalar(cond, value, today)
    if family == "tags":
        if op == Op.IS_EMPTY:
            return not person.tags
        if op == Op.IS_NOT_EMPTY:
            return bool(person.tags)
        hit = any(v in person.tags for v in values)
        return not hit if op == Op.NOT_IN else hit
    if family == "consent":
        channel, purpose = params
        events = [
            (at, status, pk)
            for (ch, pu, status, at), pk in zip(person.consents, person.consent_ids, strict=True)
            if ch == channel and pu == purpose
        ]
        state = max(events)[1] if events else "none"
        return _scalar(cond, state, today)
    if family == "orders_count":
        return _scalar(cond, len(_counted(cond, person, now)), today)
    if family == "orders_revenue":
        total = Decimal(0)
        for row in _counted(cond, person, now):
            if row.currency == "EUR":
                total += row.total
            elif _local_day(row.at) >= USD_RATE_FROM:
                total += row.total * USD_RATE
        return _scalar(cond, total, today)
    if family == "orders_date":
        days = [_local_day(o.at) for o in _counted(cond, person, now)]
        if op in (Op.IS_EMPTY, Op.IS_NOT_EMPTY):
            return bool(days) == (op == Op.IS_NOT_EMPTY)
        return bool(days) and _in_days(
            cond, min(days) if params[0] == "first" else max(days), today
        )
    if family in ("orders_product", "orders_category"):
        bought = [i for o in _counted(cond, person, now) for i in o.products]
        ids = set(values)
        if family == "orders_product":
            hit = any(world.product_ids[i] in ids for i in bought)
        else:
            hit = any(_category_matches(world, i, ids) for i in bought)
        return not hit if op in (Op.NE, Op.NOT_IN) else hit
    if family == "metrics":
        value = None if person.metrics is None else person.metrics.get(params[0])
        return _scalar(cond, value, today)
    if family == "timeline_count":
        rows = person.touches
        if cond.window_days is not None:
            since = now - dt.timedelta(days=cond.window_days)
            rows = [t for t in rows if since <= t[1] <= now]
        return _scalar(cond, len(rows), today)
    if family == "timeline_last":
        times = [at for ch, at in person.touches if ch == params[0]]
        if op in (Op.IS_EMPTY, Op.IS_NOT_EMPTY):
            return bool(times) == (op == Op.IS_NOT_EMPTY)
        return bool(times) and _in_days(cond, _local_day(max(times)), today)
    if family == "life_event":
        days = [day for kind, day in person.life_events if kind == params[0]]
        if op in (Op.IS_EMPTY, Op.IS_NOT_EMPTY):
            return bool(days) == (op == Op.IS_NOT_EMPTY)
        return any(_in_days(cond, day, today) for day in days)
    if family == "birthday":
        day = person.birth_date
        return day is not None and day.month * 100 + day.day in annual_days(today, int(cond.value))  # type: ignore[arg-type]
    if family == "related":
        has = params[0] in person.relations and world.people.index(person) > 0
        return has == (op == Op.IS_NOT_EMPTY)
    raise AssertionError(family)
