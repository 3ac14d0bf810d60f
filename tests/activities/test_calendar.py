"""The calendar: a week or month of one's own activities in one's zone, series expanded; a
team lead's or admin's team view; nobody sees another team's."""

import datetime as dt

import pytest
from django.urls import reverse

from rapport.activities import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(users, olena, jonas, plan):
    users["manager"].time_zone = "Europe/Vilnius"
    users["manager"].save()
    series = plan(contact=olena.pk, subject="Weekly review", due_at=dt.datetime(2027, 3, 14, 9, 0),
                  time_zone="Europe/Vilnius", recurrence="FREQ=WEEKLY;COUNT=6")  # fmt: skip
    mate = plan("manager_mate", contact=olena.pk, subject="Mate's call",
                due_at=dt.datetime(2027, 3, 30, 10, 0), time_zone="Europe/Vilnius")  # fmt: skip
    south = plan("manager2", contact=jonas.pk, subject="South call",
                 due_at=dt.datetime(2027, 3, 30, 10, 0), time_zone="Europe/Vilnius")  # fmt: skip
    return {"series": series, "mate": mate, "south": south}


def _entries(response) -> list[tuple[str, str]]:
    return [
        (moment.strftime("%m-%d %H:%M"), activity.subject)
        for _day, entries in response.context["days"]
        for moment, activity in entries
    ]


def test_a_month_expands_the_series_in_the_viewers_zone_across_dst(client, users, planned):
    client.force_login(users["manager"])
    response = client.get(reverse("activities:calendar"), {"view": "month", "start": "2027-03-01"})
    assert response.status_code == 200
    assert len(response.context["days"]) == 31
    assert _entries(response) == [
        ("03-14 09:00", "Weekly review"),
        ("03-21 09:00", "Weekly review"),
        ("03-28 09:00", "Weekly review"),  # clocks went forward that night: still 09:00
    ]
    app = selectors.occurrences(
        planned["series"],
        dt.datetime(2027, 3, 1, tzinfo=dt.UTC),
        dt.datetime(2027, 4, 1, tzinfo=dt.UTC),
    )
    assert len(app) == 3


def test_a_week_and_the_team_view_is_only_for_leads_and_admins(client, users, team, planned):
    client.force_login(users["manager"])
    week = {"start": "2027-03-29", "team": "1"}
    response = client.get(reverse("activities:calendar"), week)
    assert response.context["team"] is False  # not a lead: only their own
    assert _entries(response) == [("04-04 09:00", "Weekly review")]
    team.lead = users["manager"]
    team.save()
    response = client.get(reverse("activities:calendar"), week)
    assert _entries(response) == [("03-30 10:00", "Mate's call"), ("04-04 09:00", "Weekly review")]
    client.force_login(users["admin"])
    admin = client.get(reverse("activities:calendar"), week)
    assert [s for _t, s in _entries(admin)] == ["Mate's call", "South call", "Weekly review"]


MOVE = "activities:calendar_reschedule"
PERIOD = {"view": "week", "start": "2027-03-29"}


def test_a_move_on_the_calendar_keeps_the_period_and_announces_the_new_time(client, users, planned):
    one = planned["mate"]
    client.force_login(users["manager_mate"])
    response = client.post(
        reverse(MOVE),
        {**PERIOD, "activity": one.pk, "due_at": "2027-04-01T10:00"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    one.refresh_from_db()
    assert one.due_at == dt.datetime(2027, 4, 1, 7, 0, tzinfo=dt.UTC)  # 10:00 in Vilnius (+3)
    assert response.context["start"] == dt.date(2027, 3, 29)
    assert _entries(response) == [("04-01 10:00", "Mate's call")]
    text = response.content.decode()
    assert "Moved: Mate&#x27;s call, now 2027-04-01 10:00." in text
    assert "data-announce" in text
    assert f'href="/activities/{one.pk}/" data-focus' in text


def test_a_move_without_htmx_goes_back_to_the_same_period(client, users, planned):
    client.force_login(users["manager_mate"])
    response = client.post(
        reverse(MOVE), {**PERIOD, "activity": planned["mate"].pk, "due_at": "2027-03-31T09:30"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/calendar/?view=week&start=2027-03-29"
    page = client.get(response["Location"]).content.decode()
    assert '<p class="message success">Moved: Mate&#x27;s call, now 2027-03-31 09:30.</p>' in page


def test_a_bad_time_without_htmx_is_named_on_the_page_it_goes_back_to(client, users, planned):
    client.force_login(users["manager_mate"])
    response = client.post(
        reverse(MOVE), {**PERIOD, "activity": planned["mate"].pk, "due_at": "next tuesday"}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert '<p class="message error">Mate&#x27;s call: ' in page
    planned["mate"].refresh_from_db()
    assert planned["mate"].due_at == dt.datetime(2027, 3, 30, 7, 0, tzinfo=dt.UTC)


def test_a_bad_time_is_named_and_nothing_moves(client, users, planned):
    client.force_login(users["manager_mate"])
    one = planned["mate"]
    response = client.post(
        reverse(MOVE),
        {**PERIOD, "activity": one.pk, "due_at": "next tuesday"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.context["error"].startswith("Mate's call: ")
    one.refresh_from_db()
    assert one.due_at == dt.datetime(2027, 3, 30, 7, 0, tzinfo=dt.UTC)


def test_nobody_moves_what_is_out_of_their_reach(client, users, planned):
    south = planned["south"]
    body = {**PERIOD, "activity": south.pk, "due_at": "2027-04-01T10:00"}
    client.force_login(users["manager"])  # another team's: not even visible
    assert client.post(reverse(MOVE), body).status_code == 404
    client.force_login(users["analyst"])  # sees everything, changes nothing
    assert client.post(reverse(MOVE), body).status_code == 403
    assert client.post(reverse(MOVE), {**body, "activity": "x"}).status_code == 404
    south.refresh_from_db()
    assert south.due_at == dt.datetime(2027, 3, 30, 7, 0, tzinfo=dt.UTC)


def test_the_month_grid_starts_on_the_weekday_of_the_first(client, users, planned):
    client.force_login(users["manager"])
    response = client.get(reverse("activities:calendar"), {"view": "month", "start": "2027-04-09"})
    assert list(response.context["lead"]) == [0, 1, 2]  # 1 April 2027 is a Thursday
    text = response.content.decode()
    assert text.count('class="calendar-pad"') == 3
    assert '<ol class="calendar-days calendar-month plain">' in text
    assert "Nothing is planned in this period." not in text


def test_an_empty_period_says_so_and_marks_its_empty_days(client, users, planned):
    # a phone shows the month as a list: its empty days are hidden by their class
    client.force_login(users["manager"])
    response = client.get(reverse("activities:calendar"), {"view": "month", "start": "2031-02-01"})
    text = response.content.decode()
    assert '<p class="muted calendar-nothing">Nothing is planned in this period.</p>' in text
    assert text.count('class="calendar-day calendar-empty"') == 28


SERIES_PERIOD = {"view": "week", "start": "2027-03-08"}


def _move_series(client, series, htmx=True, **extra):
    return client.post(
        reverse(MOVE),
        {**SERIES_PERIOD, "activity": series.pk, "due_at": "2027-03-12T10:00", **extra},
        headers={"HX-Request": "true"} if htmx else {},
    )


def test_a_repeating_activity_dropped_asks_which_occurrences_and_moves_nothing(
    client, users, planned
):
    series = planned["series"]
    client.force_login(users["manager"])

    response = _move_series(client, series)

    assert response.status_code == 200
    assert response.context["ask"]["activity"] == series
    text = response.content.decode()
    assert f'<dialog id="calendar-scope" data-ask="{series.pk}"' in text
    assert (
        "“Weekly review” repeats. Move only this occurrence to 12.03.2027 10:00, or this and "
        "the following ones?" in text
    )
    assert '<button type="submit" name="scope" value="this" autofocus>Only this one' in text
    assert 'name="scope" value="following" class="secondary">This and the following' in text
    assert 'value="2027-03-12T10:00"' in text
    series.refresh_from_db()
    assert series.due_at == dt.datetime(2027, 3, 14, 7, 0, tzinfo=dt.UTC)


def test_without_scripts_the_question_is_a_page_with_the_dialog_open(client, users, planned):
    client.force_login(users["manager"])

    response = _move_series(client, planned["series"], htmx=False)

    assert response.status_code == 200
    assert 'aria-describedby="calendar-scope-text" open>' in response.content.decode()


def test_only_this_occurrence_moves(client, users, planned):
    series = planned["series"]
    client.force_login(users["manager"])

    response = _move_series(client, series, scope="this")

    series.refresh_from_db()
    assert (series.due_at, series.occurrence_at, series.recurrence) == (
        dt.datetime(2027, 3, 12, 8, 0, tzinfo=dt.UTC),
        dt.datetime(2027, 3, 14, 7, 0, tzinfo=dt.UTC),
        "FREQ=WEEKLY;COUNT=6",
    )
    assert "Moved: Weekly review, now 2027-03-12 10:00." in response.content.decode()
    assert "ask" not in response.context


def test_this_and_the_following_move_keeping_the_count(client, users, planned):
    series = planned["series"]
    client.force_login(users["manager"])

    response = _move_series(client, series, scope="following")

    series.refresh_from_db()
    assert series.recurrence == "FREQ=WEEKLY;COUNT=6"
    assert _entries(response) == [("03-12 10:00", "Weekly review")]
    month = client.get(reverse("activities:calendar"), {"view": "month", "start": "2027-03-01"})
    # Fridays at 10:00 in Vilnius, across the clocks' change on the 28th
    assert _entries(month) == [
        ("03-12 10:00", "Weekly review"),
        ("03-19 10:00", "Weekly review"),
        ("03-26 10:00", "Weekly review"),
    ]
    text = response.content.decode()
    assert "Moved: Weekly review and the following occurrences, from 2027-03-12 10:00." in text
