"""The compiler's one SQL statement selects exactly the contacts the plain-Python reference
evaluator selects, on random data and random rules (run on SQLite and, with DATABASE_URL,
on PostgreSQL)."""

import datetime as dt
import os
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.contacts.models import Contact
from rapport.segments import selectors
from rapport.segments.catalog import field_catalog
from rapport.segments.rules import parse
from tests.factories import UserFactory
from tests.segments import reference
from tests.segments.reference import ZONE, OrderRow, Person, World

# "now" just before the new year (birthdays across it), and in a February without the 29th.
NOWS = [
    dt.datetime(2026, 12, 24, 15, 30, tzinfo=ZONE),
    dt.datetime(2027, 2, 20, 9, 0, tzinfo=ZONE),
]
DAYS = [
    dt.date(1980, 1, 2),
    dt.date(1990, 12, 31),
    dt.date(2000, 2, 29),
    dt.date(1985, 2, 28),
    dt.date(1970, 3, 1),
    dt.date(2026, 12, 24),
    dt.date(2027, 1, 5),
    dt.date(2026, 6, 1),
]
CITIES = ["Vilnius", "Kyiv", "Riga", ""]
TAGS = ["beach", "ski", "kids"]
CHANNELS = ["email", "sms"]
PURPOSES = ["marketing", "service"]


def _moment(draw: Any, base: dt.datetime) -> dt.datetime:
    # whole hours across ±3 years around now, local midnights and day ends included
    hours = draw(st.integers(-3 * 365 * 24, 30 * 24))
    return base + dt.timedelta(hours=hours)


@st.composite
def people(draw: Any, now: dt.datetime) -> list[Person]:
    count = draw(st.integers(1, 7))
    found = []
    for i in range(count):
        custom: dict[str, Any] = {}
        if draw(st.booleans()):
            custom["vip"] = draw(st.booleans())
        if draw(st.booleans()):
            custom["pets"] = draw(st.integers(0, 3))
        if draw(st.booleans()):
            custom["note"] = draw(st.sampled_from(["Likes sea", "likes SKI", "", "Quiet"]))
        if draw(st.booleans()):
            custom["since"] = draw(st.sampled_from(DAYS)).isoformat()
        if draw(st.booleans()):
            custom["hobbies"] = draw(
                st.lists(st.sampled_from(["golf", "diving", "ski"]), max_size=2, unique=True)
            )
        orders = [
            OrderRow(
                at=_moment(draw, now),
                status=draw(st.sampled_from(["booked", "paid", "cancelled"])),
                total=Decimal(draw(st.integers(0, 3)) * 100),
                currency=draw(st.sampled_from(["EUR", "EUR", "USD"])),
                products=draw(st.lists(st.integers(0, 2), max_size=2, unique=True)),
            )
            for _ in range(draw(st.integers(0, 3)))
        ]
        metrics = None
        if draw(st.booleans()):
            metrics = {
                "rfm_segment": draw(st.sampled_from(["champions", "lost", "new", ""])),
                "r_score": draw(st.one_of(st.none(), st.integers(1, 5))),
                "churn_risk": draw(st.one_of(st.none(), st.sampled_from([0.1, 0.5, 0.9]))),
                "clv_365d": draw(st.one_of(st.none(), st.sampled_from([Decimal(0), Decimal(500)]))),
                "last_purchase": draw(st.sampled_from(DAYS)),
            }
        found.append(
            Person(
                first_name=draw(st.sampled_from(["Olena", "Taras", "Ieva"])),
                city=draw(st.sampled_from(CITIES)),
                gender=draw(st.sampled_from(["", "female", "male"])),
                lifecycle_stage=draw(st.sampled_from(["prospect", "customer"])),
                birth_date=draw(st.one_of(st.none(), st.sampled_from(DAYS))),
                created_at=_moment(draw, now),
                owner=draw(st.integers(0, 1)),
                tags=set(draw(st.lists(st.sampled_from(TAGS), max_size=2))),
                custom=custom,
                consents=[
                    (
                        draw(st.sampled_from(CHANNELS)),
                        draw(st.sampled_from(PURPOSES)),
                        draw(st.sampled_from(["granted", "withdrawn"])),
                        # few distinct instants: ties between grant and withdrawal happen
                        now - dt.timedelta(days=draw(st.integers(0, 2))),
                    )
                    for _ in range(draw(st.integers(0, 3)))
                ],
                orders=orders,
                metrics=metrics,
                touches=[
                    (draw(st.sampled_from(["email", "phone"])), _moment(draw, now))
                    for _ in range(draw(st.integers(0, 2)))
                ],
                life_events=[
                    (
                        draw(st.sampled_from(["child_born", "anniversary"])),
                        draw(st.sampled_from(DAYS)),
                    )
                    for _ in range(draw(st.integers(0, 1)))
                ],
                relations=set()
                if i == 0
                else set(draw(st.lists(st.sampled_from(["child", "spouse"]), max_size=1))),
            )
        )
    return found


def _day(draw: Any) -> str:
    return draw(st.sampled_from(DAYS)).isoformat()


def _days_ops(draw: Any, *, annual: bool = False, future: bool = True) -> dict[str, Any]:
    ops = [
        "eq",
        "lt",
        "lte",
        "gt",
        "gte",
        "between",
        "within_last_days",
        "is_empty",
        "is_not_empty",
    ]
    if future:
        ops.append("within_next_days")
    op = draw(st.sampled_from(ops))
    if op in ("is_empty", "is_not_empty"):
        return {"op": op}
    if op in ("within_last_days", "within_next_days"):
        return {"op": op, "value": draw(st.sampled_from([0, 1, 7, 14, 30, 365]))}
    if op == "between":
        a, b = sorted([draw(st.sampled_from(DAYS)), draw(st.sampled_from(DAYS))])
        return {"op": op, "value": [a.isoformat(), b.isoformat()]}
    return {"op": op, "value": _day(draw)}


def _number_ops(draw: Any, values: list[Any]) -> dict[str, Any]:
    op = draw(
        st.sampled_from(
            ["eq", "ne", "lt", "lte", "gt", "gte", "between", "is_empty", "is_not_empty"]
        )
    )
    if op in ("is_empty", "is_not_empty"):
        return {"op": op}
    if op == "between":
        return {
            "op": op,
            "value": sorted(
                [draw(st.sampled_from(values)), draw(st.sampled_from(values))], key=float
            ),
        }
    return {"op": op, "value": draw(st.sampled_from(values))}


def _choice_ops(draw: Any, values: list[Any], *, empty: bool = True) -> dict[str, Any]:
    ops = ["eq", "ne", "in", "not_in"] + (["is_empty", "is_not_empty"] if empty else [])
    op = draw(st.sampled_from(ops))
    if op in ("is_empty", "is_not_empty"):
        return {"op": op}
    if op in ("in", "not_in"):
        return {"op": op, "value": draw(st.lists(st.sampled_from(values), min_size=1, max_size=3))}
    return {"op": op, "value": draw(st.sampled_from(values))}


def _set_ops(draw: Any, values: list[str]) -> dict[str, Any]:
    op = draw(st.sampled_from(["contains", "in", "not_in", "is_empty", "is_not_empty"]))
    if op in ("is_empty", "is_not_empty"):
        return {"op": op}
    if op == "contains":
        return {"op": op, "value": draw(st.sampled_from(values))}
    return {"op": op, "value": draw(st.lists(st.sampled_from(values), min_size=1, max_size=2))}


def _text_ops(draw: Any, values: list[str]) -> dict[str, Any]:
    op = draw(
        st.sampled_from(
            ["eq", "ne", "in", "not_in", "contains", "starts_with", "is_empty", "is_not_empty"]
        )
    )
    if op in ("is_empty", "is_not_empty"):
        return {"op": op}
    if op in ("in", "not_in"):
        return {"op": op, "value": draw(st.lists(st.sampled_from(values), min_size=1, max_size=2))}
    if op in ("contains", "starts_with"):
        return {"op": op, "value": draw(st.sampled_from(["i", "li", "SKI", "ky", "q"]))}
    return {"op": op, "value": draw(st.sampled_from(values))}


def _window(draw: Any) -> dict[str, Any]:
    days = draw(st.one_of(st.none(), st.sampled_from([1, 30, 365, 1000])))
    return {} if days is None else {"window_days": days}


@st.composite
def conditions(draw: Any, world: World) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            [
                "city",
                "gender",
                "lifecycle_stage",
                "owner",
                "first_name",
                "birth_date",
                "birthday",
                "created_at",
                "tags",
                "consent",
                "orders.count",
                "orders.revenue",
                "orders.first_date",
                "orders.last_date",
                "orders.product",
                "orders.category",
                "metrics.rfm_segment",
                "metrics.r_score",
                "metrics.churn_risk",
                "metrics.clv_365d",
                "metrics.last_purchase",
                "timeline.count",
                "timeline.last_at",
                "life_events",
                "related",
                "custom.vip",
                "custom.pets",
                "custom.note",
                "custom.since",
                "custom.hobbies",
            ]
        )
    )
    if kind == "city":
        return {"field": kind, **_text_ops(draw, [*CITIES[:3], "Vil"])}
    if kind == "first_name":
        return {"field": kind, **_text_ops(draw, ["Olena", "Ieva"])}
    if kind == "gender":
        return {"field": kind, **_choice_ops(draw, ["female", "male", "other"])}
    if kind == "lifecycle_stage":
        return {"field": kind, **_choice_ops(draw, ["prospect", "customer", "lead"])}
    if kind == "owner":
        return {"field": kind, **_choice_ops(draw, world.owner_ids, empty=False)}
    if kind in ("birth_date", "created_at", "metrics.last_purchase"):
        return {"field": kind, **_days_ops(draw)}
    if kind == "birthday":
        return {
            "field": kind,
            "op": "within_next_days",
            "value": draw(st.sampled_from([0, 5, 7, 14, 60, 366])),
        }
    if kind == "tags":
        return {"field": kind, **_set_ops(draw, TAGS)}
    if kind == "consent":
        field = f"consent.{draw(st.sampled_from(CHANNELS))}.{draw(st.sampled_from(PURPOSES))}"
        return {"field": field, **_choice_ops(draw, ["granted", "withdrawn", "none"], empty=False)}
    if kind == "orders.count":
        return {"field": kind, **_number_ops(draw, [0, 1, 2]), **_window(draw)}
    if kind == "orders.revenue":
        return {"field": kind, **_number_ops(draw, [0, 50, 100, "150.00", 300]), **_window(draw)}
    if kind in ("orders.first_date", "orders.last_date"):
        return {"field": kind, **_days_ops(draw, future=False), **_window(draw)}
    if kind == "orders.product":
        return {"field": kind, **_choice_ops(draw, world.product_ids, empty=False), **_window(draw)}
    if kind == "orders.category":
        return {
            "field": kind,
            **_choice_ops(draw, world.category_ids, empty=False),
            **_window(draw),
        }
    if kind == "metrics.rfm_segment":
        return {"field": kind, **_choice_ops(draw, ["champions", "lost", "new"])}
    if kind == "metrics.r_score":
        return {"field": kind, **_number_ops(draw, [1, 3, 5])}
    if kind == "metrics.churn_risk":
        return {"field": kind, **_number_ops(draw, [0.1, 0.5, 0.7])}
    if kind == "metrics.clv_365d":
        return {"field": kind, **_number_ops(draw, [0, 250, 500])}
    if kind == "timeline.count":
        return {"field": kind, **_number_ops(draw, [0, 1, 2]), **_window(draw)}
    if kind == "timeline.last_at":
        return {
            "field": f"timeline.last_at.{draw(st.sampled_from(['email', 'phone']))}",
            **_days_ops(draw, future=False),
        }
    if kind == "life_events":
        return {
            "field": f"life_events.{draw(st.sampled_from(['child_born', 'anniversary']))}",
            **_days_ops(draw),
        }
    if kind == "related":
        return {
            "field": f"related.{draw(st.sampled_from(['child', 'spouse']))}",
            "op": draw(st.sampled_from(["is_empty", "is_not_empty"])),
        }
    if kind == "custom.vip":
        op = draw(st.sampled_from(["eq", "is_empty", "is_not_empty"]))
        return {"field": kind, "op": op, **({"value": draw(st.booleans())} if op == "eq" else {})}
    if kind == "custom.pets":
        return {"field": kind, **_number_ops(draw, [0, 1, 2])}
    if kind == "custom.note":
        return {"field": kind, **_text_ops(draw, ["Likes sea", "Quiet", ""])}
    if kind == "custom.since":
        return {"field": kind, **_days_ops(draw)}
    return {"field": kind, **_set_ops(draw, ["golf", "diving", "ski"])}


def rules(world: World) -> st.SearchStrategy[dict[str, Any]]:
    leaf = conditions(world)
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda x: {"not": x}, inner),
        ),
        max_leaves=6,
    )


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=int(os.environ.get("SEGMENT_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_compiled_rule_selects_what_the_reference_evaluator_selects(data: Any) -> None:
    now = data.draw(st.sampled_from(NOWS))
    with transaction.atomic():
        owners = [UserFactory(username="seg-owner-a"), UserFactory(username="seg-owner-b")]
        world = World(
            people=data.draw(people(now)),
            products=[("Crete", 1), ("Alps", 2), ("Insurance", None)],
            categories=[("Holidays", None), ("Beach", 0), ("Ski", None)],
        )
        reference.write(world, owners)
        fields = field_catalog()
        for _ in range(4):
            rule = data.draw(rules(world))
            node = parse(rule, fields)
            q = selectors.rule_filter(node, user=None, now=now, fields=fields)
            got = set(Contact.objects.filter(q).values_list("pk", flat=True))
            assert got == reference.members(world, node, now), rule
        transaction.set_rollback(True)
    assert connection.vendor in ("sqlite", "postgresql")
