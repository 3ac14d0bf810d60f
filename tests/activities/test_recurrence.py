"""The repeat rules on their own (no database): dateutil's rrule expanded in the activity's
zone, our checks before it, and the guard against rules that never happen."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest

from rapport.activities import recurrence

VILNIUS = ZoneInfo("Europe/Vilnius")


def at(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=VILNIUS)


def test_a_weekly_nine_oclock_stays_at_nine_across_both_daylight_saving_changes():
    spring = recurrence.occurrences("FREQ=WEEKLY", at(2027, 3, 21, 9), after=at(2027, 3, 21, 9),
                                    limit=2)  # fmt: skip
    autumn = recurrence.occurrences("FREQ=WEEKLY", at(2027, 10, 24, 9), after=at(2027, 10, 24, 9),
                                    limit=2)  # fmt: skip

    assert [m.strftime("%H:%M %z") for m in spring] == ["09:00 +0200", "09:00 +0300"]
    assert [m.astimezone(dt.UTC).hour for m in spring] == [7, 6]
    assert [m.strftime("%H:%M %z") for m in autumn] == ["09:00 +0300", "09:00 +0200"]
    assert [m.astimezone(dt.UTC).hour for m in autumn] == [6, 7]


def test_a_time_inside_the_spring_gap_takes_the_offset_before_it_as_rfc_5545_says():
    # 03:30 does not exist on 28 March 2027 in Vilnius (03:00 → 04:00)
    found = recurrence.occurrences("FREQ=DAILY", at(2027, 3, 27, 3, 30), after=at(2027, 3, 27),
                                   limit=2)  # fmt: skip

    assert [m.astimezone(dt.UTC) for m in found] == [
        dt.datetime(2027, 3, 27, 1, 30, tzinfo=dt.UTC),
        dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC),  # 04:30 summer time
    ]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("FREQ=WEEKLY;COUNT=4", "FREQ=WEEKLY;COUNT=4"),
        ("rrule: freq=weekly; byday=mo,we", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("COUNT=2;FREQ=DAILY", "FREQ=DAILY;COUNT=2"),
        # a day means the end of that day in the activity's zone, as a UTC time (RFC 5545)
        ("FREQ=DAILY;UNTIL=20270405", "FREQ=DAILY;UNTIL=20270405T205959Z"),
        ("FREQ=DAILY;UNTIL=20270405T120000", "FREQ=DAILY;UNTIL=20270405T090000Z"),
        ("FREQ=DAILY;UNTIL=20270405T120000Z", "FREQ=DAILY;UNTIL=20270405T120000Z"),
    ],
)
def test_clean_gives_the_canonical_rule(text, canonical):
    assert recurrence.clean(text, at(2027, 3, 22, 9)) == canonical


@pytest.mark.parametrize(
    ("text", "code", "part", "value"),
    [
        ("   ", "empty", "", ""),
        ("weekly", "syntax", "", "WEEKLY"),
        ("FREQ=DAILY;FOO=1", "unknown_part", "FOO", ""),
        ("FREQ=DAILY;FREQ=WEEKLY", "repeated_part", "FREQ", ""),
        ("BYDAY=MO", "no_freq", "", ""),
        ("FREQ=FORTNIGHTLY", "bad_freq", "FREQ", "FORTNIGHTLY"),
        ("FREQ=MINUTELY", "too_frequent", "FREQ", "MINUTELY"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20280101", "count_and_until", "", ""),
        ("FREQ=DAILY;INTERVAL=0", "bad_interval", "INTERVAL", "0"),
        ("FREQ=DAILY;COUNT=0", "bad_value", "COUNT", "0"),
        ("FREQ=DAILY;UNTIL=2028-01-01", "bad_until", "UNTIL", "2028-01-01"),
        ("FREQ=WEEKLY;BYDAY=XX", "bad_value", "BYDAY", "XX"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never", "", ""),
        ("FREQ=DAILY;UNTIL=20200101", "never", "", ""),
    ],
)
def test_bad_rules_say_what_is_wrong(text, code, part, value):
    with pytest.raises(recurrence.RuleError) as caught:
        recurrence.clean(text, at(2027, 3, 22, 9))

    assert (caught.value.code, caught.value.part, caught.value.value) == (code, part, value)


def test_a_rule_that_never_happens_is_refused_at_once_not_searched_until_the_year_9999():
    started = time.monotonic()
    with pytest.raises(recurrence.RuleError):
        recurrence.clean("FREQ=HOURLY;BYMONTH=4;BYMONTHDAY=31", at(2027, 3, 22, 9))

    assert time.monotonic() - started < 5  # dateutil alone searched for ≈ 13 s


def test_a_rare_but_possible_rule_is_kept():
    start = at(2027, 3, 22, 9)
    rule = recurrence.clean("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", start)

    assert recurrence.first(rule, start) == at(2028, 2, 29, 9)


def test_a_rule_may_skip_its_start_and_first_says_when_it_begins():
    monday = at(2027, 3, 22, 9)

    assert recurrence.first("FREQ=WEEKLY;BYDAY=TU", monday) == at(2027, 3, 23, 9)


def test_expansion_is_capped_and_windowed():
    start = at(2027, 1, 1, 9)
    many = recurrence.occurrences("FREQ=HOURLY", start, after=start, limit=10**6)
    window = recurrence.occurrences(
        "FREQ=DAILY", start, after=at(2027, 1, 10), before=at(2027, 1, 13)
    )

    assert len(many) == recurrence.MAX_OCCURRENCES
    assert window == [at(2027, 1, 10, 9), at(2027, 1, 11, 9), at(2027, 1, 12, 9)]
    assert recurrence.next_after("FREQ=DAILY;COUNT=2", start, at(2027, 1, 2, 9)) is None
