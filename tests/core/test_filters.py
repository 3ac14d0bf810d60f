"""The filter kinds: each turns a raw query-string value into a value or a clear message."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.core.filters import (
    BoolFilter,
    ChoiceFilter,
    DateRangeFilter,
    IdFilter,
    Period,
    TextFilter,
)
from rapport.core.filtersets import FilterSet

FILTERS = FilterSet(
    IdFilter(name="owner", label="Owner", none_label="Nobody", apply=lambda q, v, u: q),
    ChoiceFilter(
        name="status", aliases=("state",), label="Status", apply=lambda q, v, u: q,
        choices=lambda: [("new", "New"), ("won", "Won")],
    ),
    BoolFilter(name="active", label="Active", web_default="true", apply=lambda q, v, u: q),
    TextFilter(name="code", label="Code", max_length=2, truncate=False, apply=lambda q, v, u: q),
    TextFilter(name="city", label="City", max_length=3, apply=lambda q, v, u: q),
    DateRangeFilter(
        name="created", label="Created", after="after", before="before",
        before_aliases=("to",), apply=lambda q, v, u: q,
    ),
)  # fmt: skip


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@pytest.mark.parametrize(
    ("params", "values", "errors"),
    [
        ({"owner": "12"}, {"owner": 12}, {}),
        ({"owner": "none"}, {"owner": "none"}, {}),
        ({"owner": "99999999999999999999999"}, {}, {"owner": "No such record."}),
        ({"owner": "9223372036854775808"}, {}, {"owner": "No such record."}),
        ({"owner": "-3"}, {}, {"owner": "Give a whole number."}),
        ({"owner": "١٢"}, {}, {"owner": "Give a whole number."}),  # not ASCII digits
        ({"state": "won"}, {"status": "won"}, {}),  # an old name still works
        ({"status": "lost"}, {}, {"status": "“lost” is not one of the choices."}),
        ({"active": "no"}, {"active": False}, {}),
        ({"active": "all"}, {}, {}),
        ({"active": "maybe"}, {}, {"active": "Give true or false."}),
        ({"code": "UAH"}, {}, {"code": "At most 2 characters."}),
        ({"city": " Kyiv\x00 "}, {"city": "Kyi"}, {}),  # cut to its length, NUL dropped
        ({"city": "\x00"}, {}, {}),
    ],
)
def test_values_and_messages(params, values, errors):
    parsed = FILTERS.parse(params, web=False)

    assert parsed.values == values
    assert parsed.errors == errors


def test_the_web_page_assumes_its_default_and_the_api_does_not():
    assert FILTERS.parse({}).values == {"active": True}
    assert FILTERS.parse({}, web=False).values == {}


def test_a_day_counts_whole_and_a_time_is_exclusive():
    day = dt.date(2026, 3, 1)
    moment = "2026-03-01T10:00:00+02:00"

    by_days = FILTERS.parse({"after": "2026-03-01", "to": "2026-03-01"})["created"]
    by_time = FILTERS.parse({"before": moment})["created"]

    assert by_days == Period(day_start(day), day_start(day + dt.timedelta(days=1)))
    assert by_time == Period(None, dt.datetime.fromisoformat(moment))


@pytest.mark.parametrize("raw", ["2026-02-30", "2026-03-01T10:00", "0001-01-01", "soon"])
def test_impossible_or_naive_times_are_refused(raw):
    parsed = FILTERS.parse({"after": raw})

    assert "created" not in parsed.values
    assert parsed.errors["after"].startswith("Give a date like 2026-05-01")


def test_the_api_answers_a_bad_value_naming_the_parameter():
    with pytest.raises(ValidationError) as caught:
        FILTERS.strict({"owner": "x", "status": "new"})

    assert caught.value.message_dict == {"owner": ["Give a whole number."]}
