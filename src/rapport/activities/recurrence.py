"""Recurring activities: RFC 5545 rules (python-dateutil's rrule), expanded in the activity's
own time zone so that a 09:00 meeting stays at 09:00 on both sides of a daylight-saving change.

Pure: no Django. A rule is stored as its RRULE text ("FREQ=WEEKLY;BYDAY=MO;COUNT=10") and
expanded from the series' first occurrence as an aware local time (a `ZoneInfo`): dateutil
builds each occurrence from the local date and wall-clock time, and the zone gives it the
offset of that day. A local time that does not exist (inside the spring-forward gap) takes the
offset before the gap, as RFC 5545 says and calendar programs do.

dateutil reports a bad rule in its own terms, or not at all (it accepts `INTERVAL=0`, `COUNT`
with `UNTIL`, and rules that never occur, on which it would search until the year 9999), so
`clean` checks the parts first and raises `RuleError` with a code the caller words for people.
"""

import datetime as dt
import re
from collections.abc import Iterator
from itertools import islice

from dateutil.rrule import rrule, rrulestr

# The most occurrences one expansion returns: a calendar window, a feed, a reminder sweep.
MAX_OCCURRENCES = 1000
# A rule with no occurrence within this many years of its start is taken to never occur
# (the Gregorian calendar repeats every 400 years, so a rule that can ever happen on its days
# happens within 400 years; sparser ones are mistakes).
HORIZON_YEARS = 100
FREQUENCIES = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY")
TOO_FREQUENT = ("MINUTELY", "SECONDLY")
PARTS = frozenset(
    {
        "FREQ",
        "UNTIL",
        "COUNT",
        "INTERVAL",
        "BYSECOND",
        "BYMINUTE",
        "BYHOUR",
        "BYDAY",
        "BYMONTHDAY",
        "BYYEARDAY",
        "BYWEEKNO",
        "BYMONTH",
        "BYSETPOS",
        "WKST",
    }
)
_DATE = re.compile(r"^\d{8}$")
_LOCAL = re.compile(r"^\d{8}T\d{6}$")
_UTC = re.compile(r"^\d{8}T\d{6}Z$")
_INVALID = re.compile(r"^invalid '?([A-Z]+)'?: ?(.*)$", re.IGNORECASE)


class RuleError(ValueError):
    """Why a rule cannot be used. `code` is one of: empty, syntax, unknown_part,
    repeated_part, no_freq, bad_freq, too_frequent, count_and_until, bad_interval, bad_until,
    bad_value, never; `part` and `value` name the piece at fault."""

    def __init__(self, code: str, part: str = "", value: str = "") -> None:
        super().__init__(f"{code}: {part}={value}" if part else code)
        self.code = code
        self.part = part
        self.value = value


def _parts(text: str) -> list[tuple[str, str]]:
    text = "".join(text.split()).upper().removeprefix("RRULE:")
    if not text:
        raise RuleError("empty")
    parts: list[tuple[str, str]] = []
    for piece in text.strip(";").split(";"):
        name, equals, value = piece.partition("=")
        if not equals or not name or not value:
            raise RuleError("syntax", value=piece)
        if name not in PARTS:
            raise RuleError("unknown_part", part=name)
        if any(name == seen for seen, _value in parts):
            raise RuleError("repeated_part", part=name)
        parts.append((name, value))
    return parts


def _utc_until(value: str, start: dt.datetime) -> str:
    """UNTIL as RFC 5545 wants it with a zoned start: a UTC time. A day means the end of
    that day in the activity's zone; a time without "Z", that wall-clock time there."""
    if _UTC.match(value):
        return value
    try:
        if _DATE.match(value):
            day = dt.datetime.strptime(value, "%Y%m%d")
            local = day.replace(hour=23, minute=59, second=59, tzinfo=start.tzinfo)
        elif _LOCAL.match(value):
            local = dt.datetime.strptime(value, "%Y%m%dT%H%M%S").replace(tzinfo=start.tzinfo)
        else:
            raise ValueError(value)
        return local.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    except (ValueError, OverflowError) as exc:
        raise RuleError("bad_until", part="UNTIL", value=value) from exc


def clean(text: str, start: dt.datetime) -> str:
    """The rule in its canonical form ("FREQ=WEEKLY;COUNT=4"), checked against a series
    starting at `start` (an aware local time); RuleError when it cannot be used."""
    parts = _parts(text)
    values = dict(parts)
    freq = values.get("FREQ")
    if freq is None:
        raise RuleError("no_freq")
    if freq in TOO_FREQUENT:
        raise RuleError("too_frequent", part="FREQ", value=freq)
    if freq not in FREQUENCIES:
        raise RuleError("bad_freq", part="FREQ", value=freq)
    if "COUNT" in values and "UNTIL" in values:
        raise RuleError("count_and_until")
    if "INTERVAL" in values and not (values["INTERVAL"].isdigit() and int(values["INTERVAL"])):
        raise RuleError("bad_interval", part="INTERVAL", value=values["INTERVAL"])
    if "COUNT" in values and not (values["COUNT"].isdigit() and int(values["COUNT"])):
        raise RuleError("bad_value", part="COUNT", value=values["COUNT"])
    if "UNTIL" in values:
        values["UNTIL"] = _utc_until(values["UNTIL"], start)
    # FREQ first, the rest in the order given: the form calendar programs write
    canonical = ";".join(f"{name}={values[name]}" for name in ["FREQ"] + [
        name for name, _value in parts if name != "FREQ"
    ])  # fmt: skip
    rule = _rule(canonical, start)
    if not _ever(canonical, start):
        raise RuleError("never")
    if rule.after(start, inc=True) is None:  # every occurrence came before UNTIL ran out
        raise RuleError("never")
    return canonical


def _rule(text: str, start: dt.datetime) -> rrule:
    try:
        rule = rrulestr(text, dtstart=start)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        found = _INVALID.match(message)
        if found:
            raise RuleError("bad_value", part=found[1].upper(), value=found[2]) from exc
        raise RuleError("bad_value", value=message) from exc
    assert isinstance(rule, rrule)
    return rule


def _ever(text: str, start: dt.datetime) -> bool:
    """Whether the rule's days occur at all within HORIZON_YEARS of `start`, found without
    waiting: dateutil searches an impossible rule ("every 30 February") until the year 9999,
    seconds of work. The calendar repeats every 400 years, so the same rule started a whole
    number of 400-year cycles later, close to that end, shows the same pattern at once."""
    cycles = max(0, (dt.MAXYEAR - 1 - start.year - HORIZON_YEARS) // 400)
    try:
        shifted = start.replace(year=start.year + 400 * cycles, tzinfo=None)
    except ValueError:  # 29 February in a shifted year is still a leap day: cannot happen
        return True
    bare = ";".join(p for p in text.split(";") if not p.startswith(("UNTIL=", "COUNT=")))
    rule = rrulestr(bare, dtstart=shifted)
    assert isinstance(rule, rrule)
    return rule.after(shifted, inc=True) is not None


def occurrences(
    text: str,
    start: dt.datetime,
    *,
    after: dt.datetime,
    before: dt.datetime | None = None,
    limit: int = MAX_OCCURRENCES,
    inclusive: bool = True,
) -> list[dt.datetime]:
    """The series' occurrences from `after` (included unless `inclusive` is false) up to
    `before` (excluded), at most `limit` (capped at MAX_OCCURRENCES), as aware times in the
    zone of `start` (the series' first occurrence, an aware local time)."""
    rule = _rule(text, start)
    found: Iterator[dt.datetime] = rule.xafter(after, inc=inclusive)
    if before is not None:
        found = _until(found, before)
    return list(islice(found, min(limit, MAX_OCCURRENCES)))


def _until(moments: Iterator[dt.datetime], before: dt.datetime) -> Iterator[dt.datetime]:
    for moment in moments:
        if moment >= before:
            return
        yield moment


def next_after(text: str, start: dt.datetime, moment: dt.datetime) -> dt.datetime | None:
    """The first occurrence strictly after `moment` (None when the rule has run out)."""
    found = occurrences(text, start, after=moment, limit=1, inclusive=False)
    return found[0] if found else None


def first(text: str, start: dt.datetime) -> dt.datetime | None:
    """The series' first occurrence at or after `start` (a rule may skip `start` itself:
    "every Tuesday" planned from a Monday first happens the next day)."""
    found = occurrences(text, start, after=start, limit=1)
    return found[0] if found else None


def from_occurrence(text: str, start: dt.datetime, occurrence: dt.datetime) -> str:
    """The rule of a series' occurrences from `occurrence` on (that one included), for the
    series started again there ("this and following" moved): a COUNT keeps only what is
    left of it; UNTIL and every other part stay as they are. `start` and `occurrence` are
    aware local times of the series as it is."""
    parts = _parts(text)
    values = dict(parts)
    if "COUNT" not in values:
        return text
    past = sum(1 for _moment in _until(_rule(text, start).xafter(start, inc=True), occurrence))
    left = max(1, int(values["COUNT"]) - past)
    return ";".join(f"{name}={left if name == 'COUNT' else value}" for name, value in parts)
