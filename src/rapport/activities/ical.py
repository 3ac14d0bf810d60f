"""A user's activities as an RFC 5545 calendar (the `icalendar` library), for the feed that
Google, Outlook and Apple calendars subscribe to.

One VEVENT per activity, UID `activity-<id>@<site>` (stable: it is the row's id):
- a one-off: DTSTART in its own zone (TZID, with a VTIMEZONE), DTEND, a cancelled one with
  STATUS:CANCELLED;
- a series: DTSTART at the rule's start in its zone and its RRULE; the occurrences before the
  current one are EXDATEs (each was done or skipped, and that row is an event of its own, under
  its own UID, so the calendar shows the history as it happened); when the current occurrence
  was moved, an override VEVENT with the same UID and its RECURRENCE-ID. What a calendar
  expands is then exactly what `selectors.occurrences` shows.
- a VALARM per reminder (`minutes_before`) on what is still planned.
"""

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Alarm, Calendar, Event, vRecur

from rapport.activities import recurrence
from rapport.activities.models import Activity, ActivityStatus

PRODID = "-//Rapport//Activities//EN"


def uid(activity: Activity) -> str:
    host = urlsplit(settings.RAPPORT_SITE_URL).hostname or "rapport"
    return f"activity-{activity.pk}@{host}"


def _event(activity: Activity, start: dt.datetime) -> Event:
    zone = ZoneInfo(activity.time_zone)
    event = Event()
    event.add("uid", uid(activity))
    event.add("dtstamp", activity.updated_at.astimezone(dt.UTC))
    event.add("summary", activity.subject)
    event.add("dtstart", start.astimezone(zone))
    event.add("dtend", start.astimezone(zone) + dt.timedelta(minutes=activity.duration_minutes))
    if activity.notes:
        event.add("description", activity.notes)
    event.add("categories", [activity.kind.upper()])
    if activity.status == ActivityStatus.CANCELLED:
        event.add("status", "CANCELLED")
    if activity.status == ActivityStatus.PLANNED:
        for reminder in activity.reminders.all():
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", activity.subject)
            alarm.add("trigger", dt.timedelta(minutes=-reminder.minutes_before))
            event.add_component(alarm)
    return event


def _series(activity: Activity) -> list[Event]:
    assert activity.starts_at is not None
    assert activity.occurrence_at is not None
    zone = ZoneInfo(activity.time_zone)
    start = activity.starts_at.astimezone(zone)
    event = _event(activity, start)
    event.add("rrule", vRecur.from_ical(activity.recurrence))
    # The rule's occurrences before the current one are behind us (done or skipped).
    behind = recurrence.occurrences(
        activity.recurrence, start, after=start, before=activity.occurrence_at.astimezone(zone)
    )
    if behind:
        event.add("exdate", behind)
    events = [event]
    if activity.due_at != activity.occurrence_at:  # the current occurrence was moved
        moved = _event(activity, activity.due_at)
        moved.add("recurrence-id", activity.occurrence_at.astimezone(zone))
        events.append(moved)
    return events


def calendar(activities: Iterable[Activity], name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for activity in activities:
        if activity.recurrence and activity.status == ActivityStatus.PLANNED:
            for event in _series(activity):
                cal.add_component(event)
        else:
            cal.add_component(_event(activity, activity.due_at))
    cal.add_missing_timezones()
    return cal.to_ical()
