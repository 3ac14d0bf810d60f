"""Moving a recurring series' current occurrence and every following one ("this and
following"): the rule starts again at the new time in the series' zone, keeping how many
occurrences are left; what was done stays where it was."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rapport.activities import recurrence, selectors, services
from rapport.activities.models import Activity

pytestmark = pytest.mark.django_db

VILNIUS = ZoneInfo("Europe/Vilnius")


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=VILNIUS)


def test_the_rest_of_a_counted_rule_keeps_what_is_left():
    start = local("2027-03-15T09:00")  # a Monday

    assert recurrence.from_occurrence("FREQ=WEEKLY;COUNT=10", start, local("2027-04-05T09:00")) == (
        "FREQ=WEEKLY;COUNT=7"
    )
    assert recurrence.from_occurrence("FREQ=WEEKLY;COUNT=10", start, start) == (
        "FREQ=WEEKLY;COUNT=10"
    )
    assert (
        recurrence.from_occurrence(
            "FREQ=DAILY;UNTIL=20270401T000000Z", start, local("2027-03-20T09:00")
        )
        == "FREQ=DAILY;UNTIL=20270401T000000Z"
    )
    assert recurrence.from_occurrence("FREQ=MONTHLY", start, local("2027-05-15T09:00")) == (
        "FREQ=MONTHLY"
    )


@pytest.fixture
def series(users, olena):
    """Monday 09:00 calls, four of them, in Vilnius; the first one done."""
    activity = services.activity_create(
        actor=users["manager"],
        data={"subject": "Weekly call", "contact": olena.pk, "due_at": "2027-03-15T09:00",
              "time_zone": "Europe/Vilnius", "recurrence": "FREQ=WEEKLY;COUNT=4",
              "reminders": [15]},
    )  # fmt: skip
    services.activity_complete(actor=users["manager"], activity=activity, outcome="Fine")
    return Activity.objects.get(pk=activity.pk)


def test_this_and_following_move_to_the_new_weekday_and_time_across_a_clock_change(users, series):
    moved = services.activity_reschedule(
        actor=users["manager"], activity=series, due_at="2027-03-24T14:00", following=True
    )

    assert moved.recurrence == "FREQ=WEEKLY;COUNT=3"
    upcoming = selectors.occurrences(
        moved, dt.datetime(2027, 3, 1, tzinfo=dt.UTC), dt.datetime(2027, 6, 1, tzinfo=dt.UTC)
    )
    # 14:00 in Vilnius: +02:00 before the clocks move on 28 March, +03:00 after
    assert [m.isoformat() for m in upcoming] == [
        "2027-03-24T12:00:00+00:00",
        "2027-03-31T11:00:00+00:00",
        "2027-04-07T11:00:00+00:00",
    ]
    assert (moved.starts_at, moved.occurrence_at, moved.due_at) == (upcoming[0],) * 3
    done = Activity.objects.get(series=series)
    assert (done.due_at.isoformat(), done.outcome) == ("2027-03-15T07:00:00+00:00", "Fine")


def test_moving_only_this_occurrence_keeps_the_rule(users, series):
    moved = services.activity_reschedule(
        actor=users["manager"], activity=series, due_at="2027-03-24T14:00"
    )

    assert moved.recurrence == "FREQ=WEEKLY;COUNT=4"
    assert moved.occurrence_at.isoformat() == "2027-03-22T07:00:00+00:00"
    assert moved.due_at.isoformat() == "2027-03-24T12:00:00+00:00"


def test_a_one_off_has_no_following_occurrences(users, olena):
    once = services.activity_create(
        actor=users["manager"],
        data={"subject": "Call", "contact": olena.pk, "due_at": "2027-03-15T09:00",
              "time_zone": "Europe/Vilnius"},
    )  # fmt: skip

    with pytest.raises(ValidationError) as caught:
        services.activity_reschedule(
            actor=users["manager"], activity=once, due_at="2027-03-16T09:00", following=True
        )

    assert caught.value.message_dict == {
        "following": ["Only a repeating activity has following occurrences."]
    }


def test_a_series_cannot_move_past_its_end(users, olena):
    ending = services.activity_create(
        actor=users["manager"],
        data={"subject": "Daily check", "contact": olena.pk, "due_at": "2027-03-15T09:00",
              "time_zone": "Europe/Vilnius", "recurrence": "FREQ=DAILY;UNTIL=20270320"},
    )  # fmt: skip

    with pytest.raises(ValidationError) as caught:
        services.activity_reschedule(
            actor=users["manager"], activity=ending, due_at="2027-04-01T09:00", following=True
        )

    assert list(caught.value.message_dict) == ["due_at"]
    ending.refresh_from_db()
    assert ending.due_at.isoformat() == "2027-03-15T07:00:00+00:00"


# North's series: who may move it from its page.
MOVE = {
    "admin": 302, "manager": 302, "manager_mate": 302, "manager2": 404,
    "marketer": 403, "agent": 403, "analyst": 403,
}  # fmt: skip


@pytest.mark.parametrize(("role", "status"), MOVE.items())
def test_the_page_moves_this_and_following_for_those_who_may(client, users, series, role, status):
    client.force_login(users[role])
    url = reverse("activities:activity_move", args=[series.pk])

    page = client.get(reverse("activities:activity_detail", args=[series.pk]))
    response = client.post(url, {"date": "2027-03-24", "time": "14:00", "following": "on"})

    series.refresh_from_db()
    assert response.status_code == status
    assert (url in page.text) is (status == 302)
    if status == 302:
        assert "This and the following occurrences" in page.text
        assert series.recurrence == "FREQ=WEEKLY;COUNT=3"
    else:
        assert series.recurrence == "FREQ=WEEKLY;COUNT=4"


def test_a_time_that_does_not_exist_is_named_on_the_form(client, users, series):
    client.force_login(users["manager"])

    response = client.post(
        reverse("activities:activity_move", args=[series.pk]),
        {"date": "2027-03-28", "time": "03:30", "following": "on"},  # the clocks skip it
    )

    assert response.status_code == 200
    assert list(response.context["move_form"].errors) == ["date"]
    series.refresh_from_db()
    assert series.recurrence == "FREQ=WEEKLY;COUNT=4"
