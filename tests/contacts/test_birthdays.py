"""Birthdays by day of the year: `yearly.month_day_ranges` (pure) and
`selectors.birthdays_between` (the indexed query), on whichever database the tests run."""

import datetime as dt
from unittest.mock import ANY

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.contacts.models import Contact
from rapport.contacts.selectors import birthdays_between
from rapport.contacts.yearly import month_day, month_day_ranges
from tests.contacts.plans import fill_birthdays, index_ranges
from tests.factories import ContactFactory, UserFactory

# --- the pure rule -------------------------------------------------------------------------


def _celebrated(born: dt.date, day: dt.date) -> bool:
    """Someone born on `born` celebrates on `day` (29 February on the 28th without one)."""
    if (born.month, born.day) == (2, 29) and not _leap(day.year):
        return (day.month, day.day) == (2, 28)
    return (born.month, born.day) == (day.month, day.day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _in_ranges(key: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= key <= high for low, high in ranges)


def test_a_run_inside_one_year_is_one_range():
    assert month_day_ranges(dt.date(2026, 3, 14), 0) == [(314, 314)]
    assert month_day_ranges(dt.date(2026, 1, 30), 3) == [(130, 202)]


def test_a_run_across_the_new_year_is_two_ranges():
    assert month_day_ranges(dt.date(2026, 12, 30), 5) == [(1230, 1231), (101, 104)]
    assert month_day_ranges(dt.date(2026, 12, 31), 1) == [(1231, 1231), (101, 101)]


def test_29_february_is_kept_on_the_28th_in_a_year_without_one():
    assert month_day_ranges(dt.date(2027, 2, 28), 0) == [(228, 229)]
    assert month_day_ranges(dt.date(2027, 2, 20), 8) == [(220, 229)]
    assert month_day_ranges(dt.date(2027, 3, 1), 0) == [(301, 301)]
    # a leap year has its own 29th: the 28th alone leaves it out
    assert month_day_ranges(dt.date(2028, 2, 28), 0) == [(228, 228)]
    assert month_day_ranges(dt.date(2028, 2, 29), 0) == [(229, 229)]
    # a run that ends on a non-leap 28 February next year
    assert month_day_ranges(dt.date(2026, 12, 31), 59) == [(1231, 1231), (101, 229)]


def test_a_year_or_more_is_every_day():
    assert month_day_ranges(dt.date(2026, 3, 1), 365) == [(101, 1231)]
    assert month_day_ranges(dt.date(2027, 3, 1), 366) == [(101, 1231)]
    # 364 days from 1 March 2027 end on 28 February 2028, a leap year: the 29th is not in
    assert month_day_ranges(dt.date(2027, 3, 1), 364) == [(301, 1231), (101, 228)]


def test_negative_days_are_refused():
    with pytest.raises(ValueError, match="days must be 0 or more, not -1"):
        month_day_ranges(dt.date(2026, 3, 1), -1)


@given(
    start=st.dates(dt.date(2023, 1, 1), dt.date(2030, 12, 31)),
    days=st.integers(0, 400),
    born=st.dates(dt.date(1904, 1, 1), dt.date(2024, 12, 31)),
)
def test_the_ranges_hold_exactly_the_birthdays_celebrated_in_the_run(start, days, born):
    run = (start + dt.timedelta(days=offset) for offset in range(days + 1))
    expected = any(_celebrated(born, day) for day in run)
    assert _in_ranges(month_day(born), month_day_ranges(start, days)) is expected


# --- the query -----------------------------------------------------------------------------


def _born(*dates: dt.date | None) -> list[int]:
    return [ContactFactory(birth_date=date).pk for date in dates]


def _found(start: dt.date, days: int) -> set[int]:
    return set(Contact.objects.filter(birthdays_between(start, days)).values_list("pk", flat=True))


@pytest.mark.django_db
def test_today_finds_those_born_on_this_day_in_any_year():
    today, other_year, tomorrow, _none = _born(
        dt.date(1980, 6, 15), dt.date(2001, 6, 15), dt.date(1980, 6, 16), None
    )
    assert _found(dt.date(2026, 6, 15), 0) == {today, other_year}
    assert _found(dt.date(2026, 6, 15), 1) == {today, other_year, tomorrow}


@pytest.mark.django_db
def test_the_new_year_is_crossed():
    dec30, dec31, jan1, jan4, _jan5, _dec29 = _born(
        dt.date(1970, 12, 30),
        dt.date(1970, 12, 31),
        dt.date(1970, 1, 1),
        dt.date(1970, 1, 4),
        dt.date(1970, 1, 5),
        dt.date(1970, 12, 29),
    )
    assert _found(dt.date(2026, 12, 30), 5) == {dec30, dec31, jan1, jan4}


@pytest.mark.django_db
def test_29_february_birthdays_in_leap_and_other_years():
    leap_day, feb28, mar1 = _born(dt.date(1996, 2, 29), dt.date(1990, 2, 28), dt.date(1990, 3, 1))
    assert _found(dt.date(2027, 2, 28), 0) == {leap_day, feb28}
    assert _found(dt.date(2027, 3, 1), 0) == {mar1}
    assert _found(dt.date(2028, 2, 28), 0) == {feb28}
    assert _found(dt.date(2028, 2, 29), 0) == {leap_day}
    assert _found(dt.date(2027, 2, 27), 2) == {leap_day, feb28, mar1}


@pytest.mark.django_db
def test_contacts_without_a_birth_date_never_have_a_birthday():
    (born,) = _born(dt.date(1985, 4, 2))
    _born(None, None)
    assert _found(dt.date(2026, 4, 2), 365) == {born}
    assert Contact.objects.exclude(birthdays_between(dt.date(2026, 4, 2), 0)).count() == 2


@pytest.mark.django_db
def test_through_a_relation_the_contacts_birth_date_is_read():
    from rapport.contacts.models import ContactEmail

    contact = ContactFactory(birth_date=dt.date(1985, 4, 2))
    ContactEmail.objects.create(contact=contact, email="a@example.com", is_primary=True)
    found = ContactEmail.objects.filter(
        birthdays_between(dt.date(2026, 4, 1), 1, column="contact__birth_date")
    )
    assert list(found.values_list("contact_id", flat=True)) == [contact.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "days", "ranges"), [(dt.date(2026, 6, 15), 0, 1), (dt.date(2026, 12, 30), 5, 2)]
)
def test_the_query_reads_ranges_of_the_birthday_index_not_the_table(start, days, ranges):
    fill_birthdays(UserFactory())
    query = Contact.objects.filter(birthdays_between(start, days)).values("pk")
    assert index_ranges(query, "contact_birthday_idx") == (ranges, ANY)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (dt.date(2027, 2, 28), 0, {"1996-02-29", "1990-02-28"}),
        (dt.date(2028, 2, 28), 1, {"1996-02-29", "1990-02-28"}),
        (dt.date(2026, 12, 30), 5, {"1970-12-31", "1970-01-04"}),
    ],
)
def test_the_benchmarks_full_scan_finds_what_the_selector_finds(start, days, expected):
    from rapport.bench import birthdays as bench_birthdays

    born = [dt.date(1996, 2, 29), dt.date(1990, 2, 28), dt.date(1990, 3, 1), dt.date(1970, 12, 31)]
    _born(*born, dt.date(1970, 1, 4), dt.date(1970, 1, 5), None)
    count, ids = bench_birthdays.rapport(start, days)
    scanned_count, scanned = bench_birthdays.full_scan(start, days)
    assert (count, sorted(ids)) == (scanned_count, sorted(scanned))
    found = Contact.objects.filter(pk__in=ids).values_list("birth_date", flat=True)
    assert {day.isoformat() for day in found} == expected
