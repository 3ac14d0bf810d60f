"""Changing a series' time, zone or rule through the edit (`activity_update`, the API's PATCH,
the web form): the series moves on from its current occurrence, keeping what is left of its
rule — a COUNT counts what is still to come, an UNTIL stays — and what was done stays done.
Expanded in the series' zone, so a 14:00 stays 14:00 across the clocks' change."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from rapport.activities import selectors, services
from rapport.activities.forms import ActivityForm
from rapport.activities.models import Activity, ActivityStatus
from tests.activities.conftest import weekly_with_two_done

pytestmark = pytest.mark.django_db

WINDOW = (dt.datetime(2027, 3, 1, tzinfo=dt.UTC), dt.datetime(2027, 7, 1, tzinfo=dt.UTC))


def upcoming(activity: Activity) -> list[str]:
    return [m.isoformat() for m in selectors.occurrences(activity, *WINDOW)]


@pytest.fixture
def weekly(users, olena):
    return weekly_with_two_done(users["manager"], olena)


def test_a_new_time_keeps_the_count_left_across_the_clock_change(users, weekly):
    assert weekly.due_at.isoformat() == "2027-03-29T06:00:00+00:00"  # the third, after DST

    moved = services.activity_update(
        actor=users["manager"], activity=weekly, data={"due_at": "2027-03-31T14:00"}
    )

    moved.refresh_from_db()
    assert moved.recurrence == "FREQ=WEEKLY;COUNT=2"
    assert upcoming(moved) == ["2027-03-31T11:00:00+00:00", "2027-04-07T11:00:00+00:00"]
    assert (moved.starts_at, moved.occurrence_at, moved.due_at) == (moved.due_at,) * 3
    done = Activity.objects.filter(series=weekly).order_by("due_at")
    assert [(d.due_at.isoformat(), d.status, d.outcome) for d in done] == [
        ("2027-03-15T07:00:00+00:00", ActivityStatus.DONE, "First"),
        ("2027-03-22T07:00:00+00:00", ActivityStatus.DONE, "Second"),
    ]


def test_moving_back_across_the_clock_change_keeps_the_wall_clock_time(users, weekly):
    moved = services.activity_update(
        actor=users["manager"], activity=weekly, data={"due_at": "2027-03-26T09:00:00+02:00"}
    )

    assert moved.recurrence == "FREQ=WEEKLY;COUNT=2"
    # Friday 09:00 in Vilnius: +02:00 before 28 March, +03:00 after
    assert upcoming(moved) == ["2027-03-26T07:00:00+00:00", "2027-04-02T06:00:00+00:00"]


def test_completing_after_the_move_ends_the_series_when_the_count_runs_out(users, weekly):
    moved = services.activity_update(
        actor=users["manager"], activity=weekly, data={"due_at": "2027-03-31T14:00"}
    )

    services.activity_complete(actor=users["manager"], activity=moved, outcome="Third")
    last = services.activity_complete(actor=users["manager"], activity=moved, outcome="Fourth")

    assert (last.done.pk, last.series) == (weekly.pk, None)
    assert Activity.objects.get(pk=weekly.pk).status == ActivityStatus.DONE
    assert Activity.objects.filter(series=weekly).count() == 3


def test_an_until_stays_where_it_was(users, olena):
    daily = services.activity_create(
        actor=users["manager"],
        data={"subject": "Daily check", "contact": olena.pk, "due_at": "2027-03-25T09:00",
              "time_zone": "Europe/Vilnius", "recurrence": "FREQ=DAILY;UNTIL=20270330"},
    )  # fmt: skip
    services.activity_complete(actor=users["manager"], activity=daily)

    moved = services.activity_update(
        actor=users["manager"], activity=daily, data={"due_at": "2027-03-27T18:00"}
    )

    # 30 March ends at 23:59:59 in Vilnius (+03:00): 20:59:59Z
    assert moved.recurrence == "FREQ=DAILY;UNTIL=20270330T205959Z"
    assert upcoming(moved) == [
        "2027-03-27T16:00:00+00:00",
        "2027-03-28T15:00:00+00:00",
        "2027-03-29T15:00:00+00:00",
        "2027-03-30T15:00:00+00:00",
    ]


def test_a_series_moved_past_its_until_names_the_due_time(users, olena):
    daily = services.activity_create(
        actor=users["manager"],
        data={"subject": "Daily check", "contact": olena.pk, "due_at": "2027-03-25T09:00",
              "time_zone": "Europe/Vilnius", "recurrence": "FREQ=DAILY;UNTIL=20270330"},
    )  # fmt: skip

    with pytest.raises(ValidationError) as caught:
        services.activity_update(
            actor=users["manager"], activity=daily, data={"due_at": "2027-04-02T09:00"}
        )

    assert list(caught.value.message_dict) == ["due_at"]
    daily.refresh_from_db()
    assert daily.due_at.isoformat() == "2027-03-25T07:00:00+00:00"


def test_a_new_zone_keeps_the_count_left(users, weekly):
    moved = services.activity_update(
        actor=users["manager"], activity=weekly, data={"time_zone": "Europe/London"}
    )

    assert moved.recurrence == "FREQ=WEEKLY;COUNT=2"
    # the same moment (06:00Z, 07:00 in London), then 07:00 London a week later
    assert upcoming(moved) == ["2027-03-29T06:00:00+00:00", "2027-04-05T06:00:00+00:00"]


def test_a_new_rule_is_the_rule_from_the_current_occurrence_on(users, weekly):
    changed = services.activity_update(
        actor=users["manager"], activity=weekly, data={"recurrence": "FREQ=WEEKLY;COUNT=3"}
    )

    assert changed.recurrence == "FREQ=WEEKLY;COUNT=3"
    assert upcoming(changed) == [
        "2027-03-29T06:00:00+00:00",
        "2027-04-05T06:00:00+00:00",
        "2027-04-12T06:00:00+00:00",
    ]


def test_the_edit_form_sending_the_same_rule_with_a_new_time_keeps_the_count(client, users, weekly):
    client.force_login(users["manager"])
    data = ActivityForm.initial_for(weekly)
    data.update(due_date="2027-03-31", due_time="14:00")

    response = client.post(f"/activities/{weekly.pk}/edit/", data)

    assert response.status_code == 302, response.context and response.context["form"].errors
    weekly.refresh_from_db()
    assert weekly.recurrence == "FREQ=WEEKLY;COUNT=2"
    assert upcoming(weekly) == ["2027-03-31T11:00:00+00:00", "2027-04-07T11:00:00+00:00"]
