"""Quiet hours: a window of the recipient's local day (e.g. 21:00–09:00) in which a
marketing message is held, not dropped, and handed out when the window ends.

Pure: no Django import. The recipient's zone is the caller's to give (contacts.zones)."""

import datetime as dt
from zoneinfo import ZoneInfo


def _clock(text: str) -> dt.time:
    hour, minute = text.split(":")
    return dt.time(int(hour), int(minute))


def window(quiet_hours: object) -> tuple[dt.time, dt.time] | None:
    """The (from, to) local times of a campaign's `quiet_hours`, or None for none (or an
    empty window: from == to)."""
    if not isinstance(quiet_hours, dict):
        return None
    try:
        start, end = _clock(str(quiet_hours["from"])), _clock(str(quiet_hours["to"]))
    except (KeyError, ValueError):
        return None
    return None if start == end else (start, end)


def held_until(
    now: dt.datetime, zone: ZoneInfo, quiet: tuple[dt.time, dt.time]
) -> dt.datetime | None:
    """When a message due `now` may go to someone in `zone` (None: now is fine). A window
    that wraps midnight (21:00–09:00) ends the next morning; the end is a wall-clock time in
    the recipient's zone, so a daylight-saving change moves it with the clock."""
    start, end = quiet
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:
        inside = clock >= start or clock < end
        end_day = local.date() + dt.timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    wall = dt.datetime.combine(end_day, end)
    # a wall-clock time that a spring-forward skips is taken as the first instant after
    return wall.replace(tzinfo=zone).astimezone(dt.UTC)
