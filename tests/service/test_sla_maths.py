"""The business-hours arithmetic of SLA deadlines (rapport.service.sla, no database)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.service import sla

VILNIUS = ZoneInfo("Europe/Vilnius")  # clocks go forward 29 March 2026, back 25 October
OFFICE = {day: [(9 * 60, 18 * 60)] for day in range(5)}  # Monday to Friday, 09:00–18:00
ROUND_THE_CLOCK = {day: [(0, 24 * 60)] for day in range(7)}
HOURS = dt.timedelta(hours=1)


def at(text: str) -> dt.datetime:
    """A wall-clock time in Vilnius."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=VILNIUS)


def office(*holidays: str) -> sla.BusinessCalendar:
    return sla.BusinessCalendar(
        VILNIUS, OFFICE, frozenset(dt.date.fromisoformat(d) for d in holidays)
    )


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        ("2026-01-05T10:00", 2, "2026-01-05T12:00"),  # Monday, same day
        ("2026-01-05T10:00", 8, "2026-01-05T18:00"),  # ends exactly at closing, not next day
        ("2026-01-05T17:00", 2, "2026-01-06T10:00"),  # across the night
        ("2026-01-09T16:00", 8, "2026-01-12T15:00"),  # Friday → Monday, over the weekend
        ("2026-01-10T12:00", 1, "2026-01-12T10:00"),  # registered on Saturday
        ("2026-01-05T07:30", 1, "2026-01-05T10:00"),  # before opening
        ("2026-01-05T10:00", 45, "2026-01-12T10:00"),  # a whole working week
    ],
)
def test_deadlines_count_office_hours_only(start, hours, due):
    assert sla.add_business_time(at(start), hours * HOURS, office()) == at(due)


def test_a_holiday_is_skipped_like_a_weekend():
    # Friday 16:00 + 8 h with Monday a holiday: Tuesday 15:00
    due = sla.add_business_time(at("2026-01-09T16:00"), 8 * HOURS, office("2026-01-12"))
    assert due == at("2026-01-13T15:00")


def test_office_hours_across_the_spring_change_keep_nine_hours_a_day():
    # Friday 27 March (UTC+2) 16:00 + 8 business hours = Monday 30 March (UTC+3) 15:00
    due = sla.add_business_time(at("2026-03-27T16:00"), 8 * HOURS, office())
    assert due == at("2026-03-30T15:00")
    assert due.utcoffset() == 3 * HOURS
    # 70 hours elapsed, though the wall clocks moved on 71
    assert due.astimezone(dt.UTC) - at("2026-03-27T16:00").astimezone(dt.UTC) == 70 * HOURS


def test_round_the_clock_the_spring_sunday_has_23_hours_and_the_autumn_one_25():
    calendar = sla.BusinessCalendar(VILNIUS, ROUND_THE_CLOCK)
    spring = sla.add_business_time(at("2026-03-28T12:00"), 24 * HOURS, calendar)
    autumn = sla.add_business_time(at("2026-10-24T12:00"), 24 * HOURS, calendar)
    assert spring == at("2026-03-29T13:00")
    assert autumn == at("2026-10-25T11:00")
    assert (
        sla.business_time_between(at("2026-03-29T00:00"), at("2026-03-30T00:00"), calendar)
        == 23 * HOURS
    )
    assert (
        sla.business_time_between(at("2026-10-25T00:00"), at("2026-10-26T00:00"), calendar)
        == 25 * HOURS
    )


def test_a_window_over_the_skipped_hour_is_measured_in_real_time():
    # Night shift 02:00–05:00 on Sundays: on 29 March 03:00 does not exist, so it is 2 hours.
    calendar = sla.BusinessCalendar(VILNIUS, {6: [(2 * 60, 5 * 60)]})
    assert (
        sla.business_time_between(at("2026-03-29T00:00"), at("2026-03-30T00:00"), calendar)
        == 2 * HOURS
    )
    assert sla.add_business_time(at("2026-03-29T00:00"), 2 * HOURS, calendar) == at(
        "2026-03-29T05:00"
    )


def test_round_the_clock_policies_add_elapsed_time():
    due = sla.deadline(at("2026-03-28T22:00"), 8 * HOURS, office(), business_hours=False)
    assert due == at("2026-03-29T07:00")  # 8 real hours, one of them skipped by the clocks


def test_the_warning_comes_at_its_share_of_the_business_time():
    warn = sla.warning_time(at("2026-01-09T16:00"), 10 * HOURS, 80, office())
    assert warn == at("2026-01-12T15:00")  # 8 of the 10 hours


def test_business_time_between_is_negative_backwards_and_zero_over_a_weekend():
    calendar = office()
    assert (
        sla.business_time_between(at("2026-01-06T10:00"), at("2026-01-05T17:00"), calendar)
        == -2 * HOURS
    )
    assert sla.business_time_between(
        at("2026-01-10T09:00"), at("2026-01-11T20:00"), calendar
    ) == dt.timedelta(0)


def test_a_calendar_without_open_hours_and_naive_times_are_refused():
    with pytest.raises(sla.NoBusinessHours):
        sla.add_business_time(at("2026-01-05T10:00"), HOURS, sla.BusinessCalendar(VILNIUS, {}))
    with pytest.raises(ValueError, match="aware"):
        sla.add_business_time(dt.datetime(2026, 1, 5, 10), HOURS, office())
    with pytest.raises(ValueError, match="opening hours"):
        sla.add_business_time(
            at("2026-01-05T10:00"), HOURS, sla.BusinessCalendar(VILNIUS, {0: [(600, 500)]})
        )


def test_yearly_holidays_repeat_and_29_february_falls_on_the_28th():
    dates = sla.yearly_dates(
        [dt.date(2026, 5, 4)], [dt.date(2024, 12, 25), dt.date(2024, 2, 29)], range(2026, 2029)
    )
    assert dates == {
        dt.date(2026, 5, 4),
        *(dt.date(y, 12, 25) for y in (2026, 2027, 2028)),
        dt.date(2026, 2, 28),
        dt.date(2027, 2, 28),
        dt.date(2028, 2, 29),
    }


@given(
    start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31)),
    minutes=st.integers(min_value=1, max_value=60 * 24 * 30),
)
def test_the_time_between_a_start_and_its_deadline_is_the_duration(start, minutes):
    calendar = office("2026-12-25", "2027-01-01")
    begin = start.replace(tzinfo=VILNIUS)
    duration = dt.timedelta(minutes=minutes)
    due = sla.add_business_time(begin, duration, calendar)
    assert sla.business_time_between(begin, due, calendar) == duration
    assert due.tzinfo is VILNIUS
