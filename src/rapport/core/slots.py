"""When periodic jobs are due: the time slots of a schedule, and the delay before a retry.

Pure time arithmetic (no Django), used by `core/schedule.py`. A schedule divides time into
slots; a slot is named by the instant it starts (UTC), and the job runs once per slot.

- `Every(interval)`: slots of a fixed length counted from the Unix epoch, so every worker on
  every machine computes the same slot starts (:00, :05, :10 … for five minutes). Clock
  changes of any zone do not touch them.
- `DailyAt(hour, minute, zone)`: one slot a day, starting at that wall-clock time in `zone`.
  On the day the clocks go forward and the time does not exist (02:30 when 02:00 jumps to
  03:00), the slot starts when the gap ends, shifted by the gap's length (03:30), as
  `zoneinfo` resolves a missing time with `fold=0`; on the day they go back and the time
  happens twice, the slot starts at its first occurrence. Either way one slot per local day.

Written by hand rather than with `dateutil.rrule` or a cron library: the two shapes above are
a few lines each, and rrule keeps the wall-clock time of a non-existent local time instead of
resolving it, which would need the same zone arithmetic around it anyway.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MAX_BACKOFF = dt.timedelta(hours=1)


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("slot arithmetic needs timezone-aware datetimes")
    return moment.astimezone(dt.UTC)


@dataclass(frozen=True)
class Every:
    """Slots of `interval`, aligned on the Unix epoch."""

    interval: dt.timedelta

    def __post_init__(self) -> None:
        if self.interval < dt.timedelta(seconds=1):
            raise ValueError("the interval must be at least one second")
        if self.interval % dt.timedelta(seconds=1):
            raise ValueError("the interval must be a whole number of seconds")

    def slot_at(self, moment: dt.datetime) -> dt.datetime:
        """The start of the slot `moment` falls in (the latest slot start at or before it)."""
        elapsed = _aware(moment) - EPOCH
        return EPOCH + (elapsed // self.interval) * self.interval

    def next_after(self, slot: dt.datetime) -> dt.datetime:
        """The start of the slot after the one starting at or before `slot`."""
        return self.slot_at(slot) + self.interval

    def count_between(self, earlier: dt.datetime, later: dt.datetime) -> int:
        """How many slots start after `earlier`'s slot, up to and including `later`'s."""
        return max(0, (self.slot_at(later) - self.slot_at(earlier)) // self.interval)


@dataclass(frozen=True)
class DailyAt:
    """One slot a day, starting at `hour`:`minute` local time in `zone` (see the module)."""

    hour: int
    minute: int
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if not (0 <= self.hour < 24 and 0 <= self.minute < 60):
            raise ValueError("the time of day must be between 00:00 and 23:59")

    def start_on(self, day: dt.date) -> dt.datetime:
        """The instant (UTC) the slot of local `day` starts."""
        local = dt.datetime.combine(day, dt.time(self.hour, self.minute), tzinfo=self.zone)
        # fold=0: a repeated time is its first occurrence; a missing one takes the offset in
        # force before the gap, which lands it the gap's length later on the new clock.
        return local.astimezone(dt.UTC)

    def _local_day(self, moment: dt.datetime) -> dt.date:
        return _aware(moment).astimezone(self.zone).date()

    def slot_at(self, moment: dt.datetime) -> dt.datetime:
        moment = _aware(moment)
        day = self._local_day(moment)
        start = self.start_on(day)
        return start if start <= moment else self.start_on(day - dt.timedelta(days=1))

    def next_after(self, slot: dt.datetime) -> dt.datetime:
        return self.start_on(self._local_day(self.slot_at(slot)) + dt.timedelta(days=1))

    def count_between(self, earlier: dt.datetime, later: dt.datetime) -> int:
        first, last = self.slot_at(earlier), self.slot_at(later)
        return max(0, (self._local_day(last) - self._local_day(first)).days)


type Schedule = Every | DailyAt


def parse_time_of_day(text: str) -> tuple[int, int]:
    """ "02:30" → (2, 30); ValueError naming the expected form otherwise."""
    hours, colon, minutes = text.strip().partition(":")
    if not (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text!r} is not a time of day like 02:30")
    hour, minute = int(hours), int(minutes)
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ValueError(f"{text!r} is not a time of day between 00:00 and 23:59")
    return hour, minute


def retry_delay(backoff: dt.timedelta, failed_attempts: int) -> dt.timedelta:
    """Exponential backoff: `backoff` after the first failure, doubling after each next one,
    never more than MAX_BACKOFF."""
    if failed_attempts < 1:
        return dt.timedelta(0)
    return min(backoff * 2 ** (failed_attempts - 1), MAX_BACKOFF)
