"""A recurring activity's time through the API: PATCH of `due_at` moves the series on from its
current occurrence keeping the COUNT still to come (done occurrences stay done), and
`POST activities/{id}/move` moves only the current occurrence (`scope: this`) or it and the
following ones (`scope: following`)."""

import pytest

from rapport.activities import services
from tests.activities.conftest import weekly_with_two_done
from tests.api.conftest import API, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def weekly(users):
    return weekly_with_two_done(users["manager"], make_contact(users["manager"]))


def done_rows(client):
    listed = client.get(f"{API}/activities", {"status": "done"}).json()["items"]
    return [(a["series"], a["due_at"], a["outcome"]) for a in listed]


def series_done(weekly):
    """The two occurrences done before anything moved, as the list shows them."""
    return [
        (weekly.pk, "2027-03-15T07:00:00+00:00", "First"),
        (weekly.pk, "2027-03-22T07:00:00+00:00", "Second"),
    ]


def test_patch_of_the_due_time_keeps_the_count_left(api_as, weekly):
    client = api_as("manager")

    response = client.patch(
        f"{API}/activities/{weekly.pk}", {"due_at": "2027-03-31T14:00:00+03:00"},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["due_at"], body["recurrence"], body["status"]) == (
        "2027-03-31T11:00:00+00:00", "FREQ=WEEKLY;COUNT=2", "planned",
    )  # fmt: skip
    assert done_rows(client) == series_done(weekly)


def test_move_this_occurrence_only(api_as, weekly):
    client = api_as("manager")

    response = client.post(
        f"{API}/activities/{weekly.pk}/move",
        {"due_at": "2027-03-31T14:00:00+03:00", "scope": "this"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["due_at"], body["recurrence"]) == (
        weekly.pk, "2027-03-31T11:00:00+00:00", "FREQ=WEEKLY;COUNT=4",
    )  # fmt: skip
    # done, the series goes on to its own next occurrence, the Monday after
    completed = client.post(
        f"{API}/activities/{weekly.pk}/complete", {"outcome": "Third"},
        content_type="application/json",
    )  # fmt: skip
    assert (completed.json()["due_at"], completed.json()["next_occurrence"]) == (
        "2027-03-31T11:00:00+00:00", "2027-04-05T06:00:00+00:00",
    )  # fmt: skip


def test_move_this_is_the_default(api_as, weekly):
    response = api_as("manager").post(
        f"{API}/activities/{weekly.pk}/move", {"due_at": "2027-03-30T09:00:00+03:00"},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 200, response.content
    assert (response.json()["due_at"], response.json()["recurrence"]) == (
        "2027-03-30T06:00:00+00:00", "FREQ=WEEKLY;COUNT=4",
    )  # fmt: skip


def test_move_this_and_following(api_as, weekly):
    client = api_as("manager")

    response = client.post(
        f"{API}/activities/{weekly.pk}/move",
        {"due_at": "2027-03-31T14:00:00+03:00", "scope": "following"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    assert (response.json()["due_at"], response.json()["recurrence"]) == (
        "2027-03-31T11:00:00+00:00", "FREQ=WEEKLY;COUNT=2",
    )  # fmt: skip
    completed = client.post(
        f"{API}/activities/{weekly.pk}/complete", {"outcome": "Third"},
        content_type="application/json",
    )  # fmt: skip
    assert completed.json()["next_occurrence"] == "2027-04-07T11:00:00+00:00"
    assert done_rows(client) == [
        *series_done(weekly), (weekly.pk, "2027-03-31T11:00:00+00:00", "Third")
    ]  # fmt: skip


def test_a_one_off_moves_and_has_no_following(api_as, users):
    client = api_as("manager")
    once = services.activity_create(
        actor=users["manager"],
        data={"subject": "Call", "due_at": "2027-03-15T09:00", "time_zone": "Europe/Vilnius"},
    )
    url = f"{API}/activities/{once.pk}/move"

    following = client.post(
        url, {"due_at": "2027-03-16T09:00:00+02:00", "scope": "following"},
        content_type="application/json",
    )  # fmt: skip
    moved = client.post(
        url, {"due_at": "2027-03-16T09:00:00+02:00"}, content_type="application/json"
    )

    assert following.status_code == 422
    assert following.json()["errors"] == [
        {"field": "scope", "message": "Only a repeating activity has following occurrences."}
    ]
    assert (moved.status_code, moved.json()["due_at"]) == (200, "2027-03-16T07:00:00+00:00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_at": "2027-03-31T14:00:00", "scope": "this"}, "due_at"),  # no offset
        ({"due_at": "2027-03-31T14:00:00+03:00", "scope": "all"}, "scope"),
        ({"scope": "this"}, "due_at"),
        ({"due_at": "2027-03-31T14:00:00+03:00", "time": "14:00"}, "time"),
    ],
)
def test_bad_moves_name_the_field(api_as, weekly, body, field):
    response = api_as("manager").post(
        f"{API}/activities/{weekly.pk}/move", body, content_type="application/json"
    )

    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_moving_a_closed_activity_is_a_conflict(api_as, users):
    client = api_as("manager")
    once = services.activity_create(
        actor=users["manager"], data={"subject": "Call", "due_at": "2027-03-15T09:00"}
    )
    services.activity_complete(actor=users["manager"], activity=once)

    response = client.post(
        f"{API}/activities/{once.pk}/move", {"due_at": "2027-03-16T09:00:00+02:00"},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 409
    assert [e["field"] for e in response.json()["errors"]] == ["status"]


def test_a_series_cannot_move_past_its_until(api_as, users):
    daily = services.activity_create(
        actor=users["manager"],
        data={"subject": "Daily check", "due_at": "2027-03-25T09:00",
              "time_zone": "Europe/Vilnius", "recurrence": "FREQ=DAILY;UNTIL=20270330"},
    )  # fmt: skip

    patched = api_as("manager").patch(
        f"{API}/activities/{daily.pk}", {"due_at": "2027-04-02T09:00:00+03:00"},
        content_type="application/json",
    )  # fmt: skip
    moved = api_as("manager").post(
        f"{API}/activities/{daily.pk}/move",
        {"due_at": "2027-04-02T09:00:00+03:00", "scope": "following"},
        content_type="application/json",
    )

    assert [e["field"] for e in patched.json()["errors"]] == ["due_at"]
    assert [e["field"] for e in moved.json()["errors"]] == ["due_at"]
    assert (patched.status_code, moved.status_code) == (422, 422)
