"""The calendar feed: RFC 5545 read back with the `icalendar` library and expanded with
`recurring-ical-events` gives the same occurrences as the app, across a daylight-saving change;
only the user's own activities; an unknown secret is a 404."""

import datetime as dt
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from django.urls import reverse

from rapport.activities import ical, selectors, services
from rapport.activities.models import Activity

pytestmark = pytest.mark.django_db
VILNIUS = ZoneInfo("Europe/Vilnius")


@pytest.fixture
def feed(users, olena, plan):
    manager = users["manager"]
    manager.calendar_secret = "s3cret-feed-token"
    manager.save()
    # weekly at 09:00 Vilnius from 14 March 2027, clocks go forward on 28 March
    series = plan(
        contact=olena.pk,
        subject="Weekly review",
        due_at=dt.datetime(2027, 3, 14, 9, 0),
        time_zone="Europe/Vilnius",
        recurrence="FREQ=WEEKLY;COUNT=6",
        reminders=["15", "60"],
    )
    done = services.activity_complete(actor=manager, activity=series, outcome="ok").done
    series.refresh_from_db()
    # the current occurrence (21 March) moved to 11:30
    services.activity_reschedule(
        actor=manager, activity=series, due_at=dt.datetime(2027, 3, 21, 11, 30)
    )
    series.refresh_from_db()
    one_off = plan(contact=olena.pk, subject="Call Olena", due_at=dt.datetime(2027, 4, 2, 15, 0),
                   time_zone="Europe/Vilnius")  # fmt: skip
    mate = plan("manager_mate", contact=olena.pk, subject="Mate's call")
    return {"series": series, "done": done, "one_off": one_off, "mate": mate}


def _parsed(client, secret="s3cret-feed-token"):
    response = client.get(reverse("activities:calendar_feed", args=[secret]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def test_the_feed_expands_to_the_apps_occurrences_across_dst(client, feed):
    cal = _parsed(client)
    after = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    before = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)
    series = feed["series"]
    expanded = [
        e["DTSTART"].dt.astimezone(dt.UTC)
        for e in recurring_ical_events.of(cal).between(after, before)
        if str(e["UID"]) == ical.uid(series)
    ]
    app = selectors.occurrences(series, after, before)
    assert sorted(expanded) == app
    local = [m.astimezone(VILNIUS) for m in app]
    assert [(m.day, m.hour, m.minute) for m in local] == [
        (21, 11, 30), (28, 9, 0), (4, 9, 0), (11, 9, 0), (18, 9, 0),
    ]  # fmt: skip
    # in UTC: +2 before 28 March, +3 after (the first is the moved one)
    assert [(m.hour, m.minute) for m in app] == [(9, 30), (6, 0), (6, 0), (6, 0), (6, 0)]


def test_events_carry_zones_alarms_and_history(client, feed):
    cal = _parsed(client)
    assert {tz["TZID"] for tz in cal.walk("VTIMEZONE")} == {"Europe/Vilnius"}
    events = {(str(e["UID"]), e.get("RECURRENCE-ID") is not None): e for e in cal.walk("VEVENT")}
    master = events[(ical.uid(feed["series"]), False)]
    assert master["DTSTART"].params["TZID"] == "Europe/Vilnius"
    assert master["RRULE"]["FREQ"] == ["WEEKLY"]
    assert sorted(a["TRIGGER"].dt for a in master.walk("VALARM")) == [
        dt.timedelta(minutes=-60),
        dt.timedelta(minutes=-15),
    ]
    assert (ical.uid(feed["series"]), True) in events  # the moved occurrence
    done = events[(ical.uid(feed["done"]), False)]  # the done one, an event of its own
    assert done["DTSTART"].dt == dt.datetime(2027, 3, 14, 9, 0, tzinfo=VILNIUS)
    assert done.walk("VALARM") == []
    assert str(events[(ical.uid(feed["one_off"]), False)]["SUMMARY"]) == "Call Olena"


def test_only_the_users_own_activities_and_a_secret_that_exists(client, feed, users):
    cal = _parsed(client)
    subjects = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert subjects == {"Weekly review", "Call Olena"}
    assert Activity.objects.filter(subject="Mate's call").exists()
    for secret in ("nope", "s3cret-feed-toke"):
        assert client.get(reverse("activities:calendar_feed", args=[secret])).status_code == 404
    manager = users["manager"]
    manager.calendar_secret = "replaced-token"
    manager.save()
    assert (
        client.get(reverse("activities:calendar_feed", args=["s3cret-feed-token"])).status_code
        == 404
    )
    assert _parsed(client, "replaced-token") is not None


def test_the_profile_makes_replaces_and_turns_off_the_feed(client, users):
    manager = users["manager"]
    client.force_login(manager)
    url = reverse("accounts:calendar_feed_save")
    assert client.post(url).status_code == 302
    manager.refresh_from_db()
    first = manager.calendar_secret
    assert len(first) == 43
    page = client.get(reverse("accounts:profile")).content.decode()
    assert f"/calendar/{first}.ics" in page
    assert client.get(f"/calendar/{first}.ics").status_code == 200
    client.post(url)
    manager.refresh_from_db()
    assert manager.calendar_secret != first
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{manager.calendar_secret}.ics").status_code == 200
    client.post(url, {"action": "revoke"})
    manager.refresh_from_db()
    assert manager.calendar_secret is None
    assert "Make a feed address" in client.get(reverse("accounts:profile")).content.decode()
