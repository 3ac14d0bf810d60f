"""The rule parser (pure): valid rules become typed trees; every bad node is named by path."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from rapport.segments.rules import (
    MAX_DEPTH,
    MAX_NODES,
    All,
    Any_,
    Condition,
    FieldSpec,
    FieldType,
    Not,
    Op,
    RuleError,
    annual_days,
    day_interval,
    parse,
    referenced_segments,
)

FIELDS = {
    spec.name: spec
    for spec in [
        FieldSpec("city", FieldType.TEXT, "contact", ("city",)),
        FieldSpec(
            "gender",
            FieldType.CHOICE,
            "contact",
            ("gender",),
            choices=(("female", "Female"), ("male", "Male")),
        ),
        FieldSpec("orders.count", FieldType.NUMBER, "orders_count", windowed=True),
        FieldSpec("orders.revenue", FieldType.MONEY, "orders_revenue", windowed=True),
        FieldSpec("birth_date", FieldType.DATE, "contact", ("birth_date",), annual=True),
        FieldSpec("birthday", FieldType.ANNIVERSARY, "birthday"),
        FieldSpec("related.child", FieldType.PRESENCE, "related", ("child",)),
        FieldSpec("segment", FieldType.REFERENCE, "segment"),
    ]
}


def _error(rule: Any) -> tuple[str, str]:
    with pytest.raises(RuleError) as caught:
        parse(rule, FIELDS)
    return caught.value.path, caught.value.code


def test_a_nested_rule_parses_into_typed_nodes():
    node = parse(
        {
            "all": [
                {"field": "city", "op": "in", "value": ["Vilnius", "Kyiv"]},
                {
                    "not": {
                        "field": "orders.revenue",
                        "op": "gte",
                        "value": "1500.50",
                        "window_days": 365,
                    }
                },
                {
                    "any": [
                        {"field": "birth_date", "op": "lt", "value": "1990-01-01"},
                        {"field": "related.child", "op": "is_not_empty"},
                    ]
                },
            ]
        },
        FIELDS,
    )

    assert isinstance(node, All)
    city, negated, either = node.children
    assert city == Condition(FIELDS["city"], Op.IN, ("Vilnius", "Kyiv"), "rule.all[0]")
    assert isinstance(negated, Not)
    assert negated.child == Condition(
        FIELDS["orders.revenue"], Op.GTE, Decimal("1500.50"), "rule.all[1].not", 365
    )
    assert isinstance(either, Any_)
    assert either.children[0].value == dt.date(1990, 1, 1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("rule", "path", "code"),
    [
        ({"all": []}, "rule.all", "empty_group"),
        ({"all": [{"field": "city", "op": "eq", "value": "x"}, 3]}, "rule.all[1]", "not_a_node"),
        (
            {"all": [{}, {}, {"field": "city", "op": "between", "value": "x"}]},
            "rule.all[0].field",
            "field_missing",
        ),
        (
            {"any": [{"field": "city", "op": "eq", "value": "a"}, {"field": "nope", "op": "eq"}]},
            "rule.any[1].field",
            "unknown_field",
        ),
        (
            {
                "all": [
                    {"field": "city", "op": "eq", "value": "a"},
                    {"field": "city", "op": "eq", "value": "b"},
                    {"field": "city", "op": "gt", "value": "c"},
                ]
            },
            "rule.all[2].op",
            "unknown_op",
        ),
        ({"field": "gender", "op": "eq", "value": "robot"}, "rule.value", "not_a_choice"),
        ({"field": "orders.count", "op": "gt", "value": "3"}, "rule.value", "number_expected"),
        ({"field": "orders.count", "op": "gt", "value": True}, "rule.value", "number_expected"),
        (
            {"field": "orders.count", "op": "gt", "value": 1, "window_days": 0},
            "rule.window_days",
            "bad_days",
        ),
        (
            {"field": "city", "op": "eq", "value": "a", "window_days": 3},
            "rule.window_days",
            "no_window",
        ),
        ({"field": "birth_date", "op": "eq", "value": "1990-02-30"}, "rule.value", "date_expected"),
        (
            {"field": "birth_date", "op": "between", "value": ["2000-01-02", "2000-01-01"]},
            "rule.value",
            "pair_order",
        ),
        ({"field": "birthday", "op": "within_next_days", "value": 400}, "rule.value", "bad_days"),
        ({"field": "related.child", "op": "is_empty", "value": 1}, "rule.value", "no_value"),
        ({"field": "city", "op": "in", "value": []}, "rule.value", "list_expected"),
        ({"field": "city", "op": "in", "value": ["a", 2]}, "rule.value[1]", "text_expected"),
        ({"field": "city", "op": "eq", "value": "a", "colour": 1}, "rule.colour", "unknown_key"),
        ({"all": [], "any": []}, "rule", "group_keys"),
        ({"not": {"all": "x"}}, "rule.not.all", "group_not_list"),
        ({"field": "segment", "op": "eq", "value": 0}, "rule.value", "id_expected"),
        ({"field": "city", "op": "eq", "value": "x" * 501}, "rule.value", "text_too_long"),
    ],
)
def test_a_bad_node_is_named_by_its_path(rule, path, code):
    assert _error(rule) == (path, code)


def test_nesting_past_the_cap_is_refused_at_the_first_node_too_deep():
    rule: dict[str, Any] = {"field": "city", "op": "eq", "value": "x"}
    for _ in range(50):
        rule = {"not": rule}

    path, code = _error(rule)

    assert code == "too_deep"
    assert path == "rule" + ".not" * MAX_DEPTH


def test_a_rule_with_too_many_conditions_is_refused():
    rule = {"any": [{"field": "city", "op": "eq", "value": str(i)} for i in range(MAX_NODES)]}

    # the group is the first node: its 200th condition is the 201st node
    assert _error(rule) == ("rule.any[199]", "too_many_nodes")
    assert len(json.dumps(rule)) > 1000


def test_birthday_windows_cross_the_new_year():
    days = annual_days(dt.date(2026, 12, 28), 6)

    assert days == frozenset({1228, 1229, 1230, 1231, 101, 102, 103})


def test_29_february_birthdays_fall_on_the_28th_in_a_common_year():
    assert 229 in annual_days(dt.date(2027, 2, 28), 0)
    assert 229 not in annual_days(dt.date(2027, 3, 1), 10)
    assert annual_days(dt.date(2028, 2, 28), 1) == frozenset({228, 229})


def test_date_operators_cover_these_days():
    today = dt.date(2026, 5, 10)
    day = dt.date(2026, 5, 1)

    assert day_interval(Op.LTE, day, today) == (None, dt.date(2026, 5, 2))
    assert day_interval(Op.GT, day, today) == (dt.date(2026, 5, 2), None)
    assert day_interval(Op.WITHIN_LAST_DAYS, 3, today) == (
        dt.date(2026, 5, 7),
        dt.date(2026, 5, 11),
    )
    assert day_interval(Op.WITHIN_NEXT_DAYS, 0, today) == (today, dt.date(2026, 5, 11))


def test_the_segments_a_rule_names_are_found():
    node = parse(
        {
            "any": [
                {"field": "segment", "op": "in", "value": [3, 4]},
                {"not": {"field": "segment", "op": "eq", "value": 7}},
            ]
        },
        FIELDS,
    )

    assert referenced_segments(node) == {3, 4, 7}
