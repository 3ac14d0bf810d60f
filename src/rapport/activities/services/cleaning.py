"""Turning what people and programs send into an activity's values, or into messages that say
what to fix: due times in a zone (impossible dates, times that do not exist because the clocks
move), time zones, repeat rules, durations and reminders."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.activities import recurrence
from rapport.core.dates import time_zones
from rapport.core.params import parse_int

MAX_DURATION_MINUTES = 7 * 24 * 60  # a week
MAX_REMINDERS = 5
MAX_REMINDER_MINUTES = 28 * 24 * 60  # four weeks
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


def clean_zone(raw: Any) -> str:
    """An IANA zone name the system knows ("Europe/Vilnius")."""
    name = str(raw or "").strip()
    if name not in time_zones():
        shown = name.replace("\x00", "")[:64]
        raise ValidationError(
            _("“%(zone)s” is not a time zone we know; give an IANA name like Europe/Vilnius.")
            % {"zone": shown}
        )
    return name


def _shown(moment: dt.datetime | dt.time) -> str:
    if isinstance(moment, dt.time):
        return formats.time_format(moment, "TIME_FORMAT")
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def clean_due(raw: Any, zone: ZoneInfo) -> dt.datetime:
    """When something is due, as an aware time. A time with its UTC offset is taken as it is;
    one without (a form's date and time) is the wall-clock time in `zone`, and must exist
    there: in the hour the clocks skip in spring it does not."""
    moment = raw
    if isinstance(raw, str):
        try:
            moment = dt.datetime.fromisoformat(raw.strip())
        except ValueError as exc:
            raise ValidationError(
                _("Give a date and time like 2026-05-01T10:00 (with its UTC offset, or in the "
                  "activity's time zone).")
            ) from exc  # fmt: skip
    if not isinstance(moment, dt.datetime):
        raise ValidationError(_("Give the date and time it is due."))
    if moment.tzinfo is None:
        aware = moment.replace(tzinfo=zone)
        if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != moment:
            raise ValidationError(
                _("%(time)s does not exist on %(date)s in %(zone)s: the clocks move forward "
                  "then. Choose another time.")
                % {
                    "time": _shown(moment.time()),
                    "date": formats.date_format(moment.date(), "SHORT_DATE_FORMAT"),
                    "zone": zone.key,
                }
            )  # fmt: skip
        moment = aware
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise ValidationError(
            _("Give a date between the years %(first)d and %(last)d.")
            % {"first": EARLIEST_YEAR, "last": LATEST_YEAR}
        )
    # Whole seconds: RFC 5545 times have no fractions, and dateutil drops them from a series'
    # start, so 10:00:00.5 would miss its own first occurrence at 10:00:00.
    return utc.replace(microsecond=0)


def rule_message(error: recurrence.RuleError) -> str:
    """The sentence for a repeat rule dateutil (or our checks) refused."""
    values = {"part": error.part, "value": error.value[:100]}
    messages = {
        "empty": _("Write a repeat rule, like FREQ=WEEKLY;BYDAY=MO."),
        "syntax": _(
            "Write the rule as NAME=VALUE parts separated by semicolons, like "
            "FREQ=WEEKLY;BYDAY=MO; “%(value)s” is not one."
        ),
        "unknown_part": _(
            "%(part)s is not part of a repeat rule; use FREQ, INTERVAL, COUNT, UNTIL, BYDAY, "
            "BYMONTHDAY, BYMONTH or another RFC 5545 part."
        ),
        "repeated_part": _("%(part)s is given twice in the rule."),
        "no_freq": _("Say how often it repeats with FREQ, like FREQ=WEEKLY."),
        "bad_freq": _("FREQ must be DAILY, WEEKLY, MONTHLY, YEARLY or HOURLY, not “%(value)s”."),
        "too_frequent": _("An activity repeats at most hourly; FREQ=%(value)s is too often."),
        "count_and_until": _("Give COUNT (how many times) or UNTIL (until when), not both."),
        "bad_interval": _("INTERVAL must be a whole number from 1 up, not “%(value)s”."),
        "bad_until": _(
            "UNTIL must be a day like 20261231 or a time like 20261231T170000Z, not “%(value)s”."
        ),
        "never": _(
            "This rule never happens on or after the due date; check its days, months and end."
        ),
    }
    if error.code == "bad_value":
        if error.part:
            return _("“%(value)s” is not a valid %(part)s in a repeat rule.") % values
        return _("This repeat rule cannot be read (%(value)s).") % values
    return messages.get(error.code, messages["never"]) % values


def clean_rule(raw: Any, start: dt.datetime) -> str:
    """A repeat rule's canonical text ("" for none), checked for a series starting at
    `start` (an aware local time)."""
    text = str(raw or "").replace("\x00", "").strip()
    if not text:
        return ""
    if len(text) > 500:
        raise ValidationError(_("A repeat rule has at most 500 characters."))
    try:
        return recurrence.clean(text, start)
    except recurrence.RuleError as exc:
        raise ValidationError(rule_message(exc)) from exc


def clean_duration(raw: Any) -> int:
    number = parse_int(raw) if not isinstance(raw, float) else None
    if number is None:
        raise ValidationError(_("Give the duration in whole minutes."))
    if number < 0:
        raise ValidationError(_("A duration cannot be negative."))
    if number > MAX_DURATION_MINUTES:
        raise ValidationError(
            _("Give a duration of at most one week (%(max)d minutes).")
            % {"max": MAX_DURATION_MINUTES}
        )
    return number


def clean_reminders(raw: Any) -> list[int]:
    """Minutes before the activity, largest first, each once."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple):
        raise ValidationError(
            _("Give reminders as a list of minutes before the activity, like [1440, 15].")
        )
    minutes: set[int] = set()
    for value in raw:
        number = parse_int(value) if not isinstance(value, float | bool) else None
        if number is None:
            shown = str(value).replace("\x00", "")[:20]
            raise ValidationError(_("“%(value)s” is not a number of minutes.") % {"value": shown})
        if not 0 <= number <= MAX_REMINDER_MINUTES:
            raise ValidationError(
                _("A reminder comes 0 to %(max)d minutes (four weeks) before the activity.")
                % {"max": MAX_REMINDER_MINUTES}
            )
        minutes.add(number)
    if len(minutes) > MAX_REMINDERS:
        raise ValidationError(_("At most %(n)d reminders.") % {"n": MAX_REMINDERS})
    return sorted(minutes, reverse=True)


def offset_text(minutes: int) -> str:
    """ "1 day", "2 hours", "15 minutes" (a reminder's distance before the activity)."""
    if minutes and minutes % 1440 == 0:
        days = minutes // 1440
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}


def past_reminders(
    minutes: list[int], due_at: dt.datetime, zone: ZoneInfo, now: dt.datetime
) -> list[str]:
    """A message for each reminder of a one-off activity whose time has already passed: a
    reminder asked for and never delivered would be worse than one refused."""
    found = []
    for offset in minutes:
        at = due_at - dt.timedelta(minutes=offset)
        if at < now:
            moment = _shown(at.astimezone(zone))
            if offset == 0:
                found.append(
                    _("A reminder when it is due (%(time)s) would come in the past; remove it.")
                    % {"time": moment}
                )
            else:
                found.append(
                    _("The reminder %(offset)s before would come at %(time)s, which has "
                      "already passed; remove it or choose a shorter one.")
                    % {"offset": offset_text(offset), "time": moment}
                )  # fmt: skip
    return found
