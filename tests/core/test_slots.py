"""Time slots of periodic jobs (core/slots.py): interval and daily schedules, daylight saving,
missed-slot counts and the retry backoff."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from rapport.core.slots import DailyAt, Every, parse_time_of_day, retry_delay

UTC = dt.UTC
VILNIUS = ZoneInfo("Europe/Vilnius")  # 2026: clocks go forward 29 March, back 25 October


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VILNIUS)


def test_interval_slots_are_aligned_on_the_epoch_whatever_the_moment():
    five = Every(dt.timedelta(minutes=5))

    assert five.slot_at(at(2026, 5, 4, 10, 7, 31)) == at(2026, 5, 4, 10, 5)
    assert five.slot_at(at(2026, 5, 4, 10, 5)) == at(2026, 5, 4, 10, 5)
    assert five.slot_at(local(2026, 5, 4, 13, 7, 31)) == at(2026, 5, 4, 10, 5)  # same instant
    assert five.next_after(at(2026, 5, 4, 10, 7, 31)) == at(2026, 5, 4, 10, 10)


def test_interval_slots_ignore_clock_changes():
    hourly = Every(dt.timedelta(hours=1))
    before = at(2026, 3, 29, 0, 10)  # 02:10 local; at 03:00 local the clocks jump to 04:00

    slots = [hourly.slot_at(before + dt.timedelta(hours=n)) for n in range(3)]

    assert slots == [at(2026, 3, 29, 0), at(2026, 3, 29, 1), at(2026, 3, 29, 2)]
    assert [s.astimezone(VILNIUS).hour for s in slots] == [2, 4, 5]


def test_interval_counts_the_slots_started_since_an_earlier_slot():
    minute = Every(dt.timedelta(minutes=1))

    assert minute.count_between(at(2026, 5, 4, 10, 0), at(2026, 5, 4, 10, 7, 30)) == 7
    assert minute.count_between(at(2026, 5, 4, 10, 0), at(2026, 5, 4, 10, 0, 59)) == 0
    assert minute.count_between(at(2026, 5, 4, 10, 7), at(2026, 5, 4, 10, 0)) == 0


@pytest.mark.parametrize(
    ("interval", "message"),
    [
        (dt.timedelta(0), "at least one second"),
        (dt.timedelta(milliseconds=1500), "whole number of seconds"),
    ],
)
def test_interval_must_be_whole_seconds(interval, message):
    with pytest.raises(ValueError, match=message):
        Every(interval)


def test_daily_slot_is_the_latest_start_at_or_before_the_moment():
    nightly = DailyAt(2, 30, VILNIUS)

    assert nightly.slot_at(local(2026, 5, 4, 2, 29)) == local(2026, 5, 3, 2, 30)
    assert nightly.slot_at(local(2026, 5, 4, 2, 30)) == local(2026, 5, 4, 2, 30)
    assert nightly.slot_at(local(2026, 5, 4, 23, 59)) == local(2026, 5, 4, 2, 30)
    assert nightly.next_after(local(2026, 5, 4, 2, 30)) == local(2026, 5, 5, 2, 30)


def test_daily_slots_keep_their_local_time_across_both_clock_changes():
    nightly = DailyAt(2, 30, VILNIUS)

    def week_from(slot: dt.datetime) -> list[dt.datetime]:
        slots = [slot]
        for _ in range(3):
            slots.append(nightly.next_after(slots[-1]))
        return slots

    spring = week_from(nightly.slot_at(local(2026, 3, 28, 12, 0)))
    autumn = week_from(nightly.slot_at(local(2026, 10, 24, 12, 0)))

    for slots in (spring, autumn):
        assert {s.astimezone(VILNIUS).time() for s in slots} == {dt.time(2, 30)}
    assert [s.astimezone(VILNIUS).day for s in spring] == [28, 29, 30, 31]
    # the night the clocks go forward is an hour shorter, the night they go back an hour longer
    assert [(b - a) / dt.timedelta(hours=1) for a, b in itertools.pairwise(spring)] == [24, 23, 24]
    assert [(b - a) / dt.timedelta(hours=1) for a, b in itertools.pairwise(autumn)] == [24, 25, 24]


def test_a_daily_time_the_clocks_skip_runs_when_the_gap_ends_shifted_by_it():
    at_half_past_three = DailyAt(3, 30, VILNIUS)  # 29 March 2026: 03:00 → 04:00

    start = at_half_past_three.slot_at(local(2026, 3, 29, 12, 0))

    assert start == at(2026, 3, 29, 1, 30)
    assert start.astimezone(VILNIUS).time() == dt.time(4, 30)
    assert at_half_past_three.slot_at(local(2026, 3, 29, 4, 29)) == at(2026, 3, 28, 1, 30)


def test_a_daily_time_the_clocks_repeat_runs_once_at_its_first_occurrence():
    at_half_past_three = DailyAt(3, 30, VILNIUS)  # 25 October 2026: 04:00 → 03:00

    start = at_half_past_three.slot_at(local(2026, 10, 25, 12, 0))

    assert start == at(2026, 10, 25, 0, 30)  # 03:30 summer time; 01:30 UTC is the repeat
    assert at_half_past_three.slot_at(at(2026, 10, 25, 1, 45)) == start
    assert at_half_past_three.next_after(start) == at(2026, 10, 26, 1, 30)


def test_daily_counts_local_days_across_a_clock_change():
    nightly = DailyAt(2, 30, VILNIUS)

    assert nightly.count_between(local(2026, 3, 27, 3, 0), local(2026, 3, 31, 3, 0)) == 4
    assert nightly.count_between(local(2026, 3, 27, 3, 0), local(2026, 3, 28, 2, 0)) == 0


def test_slots_refuse_naive_times():
    with pytest.raises(ValueError, match="timezone-aware"):
        Every(dt.timedelta(minutes=1)).slot_at(dt.datetime(2026, 5, 4, 10, 0))


@pytest.mark.parametrize(
    ("text", "expected"), [("02:30", (2, 30)), ("0:05", (0, 5)), (" 23:59 ", (23, 59))]
)
def test_time_of_day_is_read_as_hours_and_minutes(text, expected):
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize("text", ["24:00", "2:60", "2:5", "0230", "two:30", "", "-1:30"])
def test_time_of_day_refuses_what_is_not_one(text):
    with pytest.raises(ValueError, match="time of day"):
        parse_time_of_day(text)


def test_retries_back_off_exponentially_up_to_an_hour():
    delays = [retry_delay(dt.timedelta(seconds=30), n) for n in (1, 2, 3, 4, 10)]

    assert delays == [
        dt.timedelta(seconds=30),
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=4),
        dt.timedelta(hours=1),
    ]
