"""Yearly dates (birthdays) as month-day keys: month × 100 + day, so 14 March is 314.

A run of calendar days inside one year is one interval of keys (no key lies between 131 and
201), so "whose birthday comes round in the next N days" is at most two ranges on an
indexed key (two when the run crosses the new year), never a scan. No Django imports.

The rule for 29 February: someone born on it celebrates on 28 February in a year without
one, so a run that ends on a non-leap 28 February takes in 229 too (a run that passes
through it takes 229 in anyway, as 229 lies between 228 and 301).
"""

import calendar
import datetime as dt

FIRST_KEY, LAST_KEY = 101, 1231
LEAP_DAY_KEY = 229
# Today and the next 365 days hold every month-day (a 29 February, or a non-leap 28th).
WHOLE_YEAR_DAYS = 365


def month_day(day: dt.date) -> int:
    """The key of a date: 2026-03-14 → 314."""
    return day.month * 100 + day.day


def month_day_ranges(start: dt.date, days: int) -> list[tuple[int, int]]:
    """The inclusive key ranges of the birthdays celebrated on `start` or in the `days` days
    after it (`days=0`: that day only), across the new year; one range, or two when the
    run crosses 31 December (then the first ends at 1231 and the second starts at 101)."""
    if days < 0:
        raise ValueError(f"days must be 0 or more, not {days}")
    if days >= WHOLE_YEAR_DAYS:
        return [(FIRST_KEY, LAST_KEY)]
    end = start + dt.timedelta(days=days)
    first, last = month_day(start), month_day(end)
    if end.month == 2 and end.day == 28 and not calendar.isleap(end.year):
        last = LEAP_DAY_KEY
    if end.year == start.year:
        return [(first, last)]
    return [(first, LAST_KEY), (FIRST_KEY, last)]
