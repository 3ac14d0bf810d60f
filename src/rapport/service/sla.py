"""Business-hours deadline arithmetic: pure functions, no Django.

An SLA of "8 business hours" counts only the hours the business is open, in the site's time
zone: 16:00 on a Friday plus 8 hours, with 09:00–18:00 on weekdays, is 15:00 on Monday (or
Tuesday, when Monday is a holiday). Opening hours are wall-clock times of each weekday, so
a day on which the clocks change is measured in real elapsed time: a round-the-clock day is
23 hours long in spring and 25 in autumn, and 09:00–18:00 stays 9 hours either way.

dateutil's rrule and the `businesstimedelta` package were considered: rrule enumerates
occurrences but does not add durations inside windows, and businesstimedelta works on
naive datetimes (its arithmetic would be off by an hour across a change of offset), so the
few lines below walk the days themselves, converting every window bound through the zone.
"""

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
# Give up looking for open hours after this many days (a calendar with no open day at all,
# or a year of holidays): a deadline that far away is a configuration mistake.
HORIZON_DAYS = 3 * 366

Window = tuple[int, int]
"""Opening hours within one day: (from, to) in minutes after local midnight, 0 ≤ from <
to ≤ 1440 (1440 is the midnight that ends the day)."""


class NoBusinessHours(ValueError):
    """The calendar has no open hours within the horizon, so no deadline can be computed."""


@dataclass(frozen=True)
class BusinessCalendar:
    """When the business works: windows per weekday (Monday = 0) and closed dates."""

    zone: ZoneInfo
    hours: Mapping[int, Sequence[Window]]
    holidays: frozenset[dt.date] = field(default_factory=frozenset)

    def windows(self, day: dt.date) -> Sequence[Window]:
        if day in self.holidays:
            return ()
        return self.hours.get(day.weekday(), ())


def check_window(window: Window) -> None:
    """Raise ValueError unless `window` is a valid (from, to) pair of minutes."""
    start, end = window
    if not 0 <= start < end <= MINUTES_PER_DAY:
        raise ValueError(f"opening hours {window} are not 0 ≤ from < to ≤ 1440 minutes")


def _at(day: dt.date, minute: int, zone: ZoneInfo) -> dt.datetime:
    """The instant (in UTC) of the wall-clock `minute` of local `day`; 1440 is the next
    midnight. A wall time skipped by a spring change (03:30 when 03:00 jumps to 04:00)
    takes the offset before the change, as zoneinfo does for fold=0."""
    if minute >= MINUTES_PER_DAY:
        day, minute = day + dt.timedelta(days=1), 0
    local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=zone)
    return local.astimezone(dt.UTC)


def _open_spans(
    calendar: BusinessCalendar, first_day: dt.date, days: int = HORIZON_DAYS
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The open spans (UTC start, UTC end) from `first_day` on, in order."""
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        for start, end in sorted(calendar.windows(day)):
            check_window((start, end))
            yield _at(day, start, calendar.zone), _at(day, end, calendar.zone)


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("give an aware datetime (with its time zone)")
    return moment.astimezone(dt.UTC)


def add_business_time(
    start: dt.datetime, duration: dt.timedelta, calendar: BusinessCalendar
) -> dt.datetime:
    """The instant at which `duration` of open time has passed since `start`, in the
    calendar's zone. Starting outside opening hours, the clock starts at the next opening."""
    remaining = duration
    begin = _aware(start)
    if remaining <= dt.timedelta(0):
        return begin.astimezone(calendar.zone)
    first_day = begin.astimezone(calendar.zone).date()
    for span_start, span_end in _open_spans(calendar, first_day):
        span_start = max(span_start, begin)
        if span_start >= span_end:
            continue
        span = span_end - span_start
        if remaining <= span:
            return (span_start + remaining).astimezone(calendar.zone)
        remaining -= span
    raise NoBusinessHours("no opening hours within three years: check the business hours")


def business_time_between(
    start: dt.datetime, end: dt.datetime, calendar: BusinessCalendar
) -> dt.timedelta:
    """Open time between two instants (negative when `end` is before `start`)."""
    begin, finish = _aware(start), _aware(end)
    if finish < begin:
        return -business_time_between(end, start, calendar)
    total = dt.timedelta(0)
    first_day = begin.astimezone(calendar.zone).date()
    days = (finish.astimezone(calendar.zone).date() - first_day).days + 1
    for span_start, span_end in _open_spans(calendar, first_day, days):
        overlap = min(span_end, finish) - max(span_start, begin)
        if overlap > dt.timedelta(0):
            total += overlap
    return total


def deadline(
    start: dt.datetime,
    duration: dt.timedelta,
    calendar: BusinessCalendar,
    *,
    business_hours: bool = True,
) -> dt.datetime:
    """`start` plus `duration`: of open time, or of plain elapsed time round the clock."""
    if business_hours:
        return add_business_time(start, duration, calendar)
    return (_aware(start) + duration).astimezone(calendar.zone)


def warning_time(
    start: dt.datetime,
    duration: dt.timedelta,
    percent: int,
    calendar: BusinessCalendar,
    *,
    business_hours: bool = True,
) -> dt.datetime:
    """When `percent` % of the time allowed has passed (the moment to warn the assignee)."""
    share = duration * max(0, min(percent, 100)) / 100
    return deadline(start, share, calendar, business_hours=business_hours)


def yearly_dates(
    fixed: Iterable[dt.date], every_year: Iterable[dt.date], years: Iterable[int]
) -> frozenset[dt.date]:
    """Closed dates: the one-off ones, and each yearly one in every year of `years` (29
    February falls on 28 February in other years)."""
    dates = set(fixed)
    for year in years:
        for day in every_year:
            try:
                dates.add(day.replace(year=year))
            except ValueError:
                dates.add(dt.date(year, 2, 28))
    return frozenset(dates)
