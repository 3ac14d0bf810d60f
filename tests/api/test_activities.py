"""The activities API (INTERFACES.md "Follow-through and service"): the exact fields, the list's
filters, complete with the outcome and the next step, and a 422 naming the field for every bad
input; `GET me` and the caller's own notifications."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.activities.models import Activity
from rapport.core import notifications
from rapport.core.models import Notification
from rapport.timeline.models import Interaction
from tests.activities.conftest import soon
from tests.api.conftest import API, make_contact

pytestmark = pytest.mark.django_db

FIELDS = {
    "id", "kind", "subject", "notes", "due_at", "time_zone", "duration_minutes", "assignee",
    "contact", "deal", "complaint", "recurrence", "reminders", "status", "outcome", "completed_at",
    "overdue", "series", "created_by", "created_at", "updated_at",
}  # fmt: skip


@pytest.fixture
def olena(users):
    return make_contact(users["manager"], first_name="Olena")


def create(client, **body):
    body.setdefault("subject", "Call about the offer")
    body.setdefault("due_at", soon().isoformat())
    return client.post(f"{API}/activities", body, content_type="application/json")


def test_create_and_read_an_activity_with_the_contracts_fields(api_as, users, olena):
    response = create(
        api_as("manager"),
        kind="meeting",
        contact=olena.pk,
        due_at="2027-03-21T09:00:00+02:00",
        time_zone="Europe/Vilnius",
        duration_minutes=45,
        recurrence="FREQ=WEEKLY;COUNT=4",
        reminders=[15, 1440],
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == FIELDS
    assert {k: body[k] for k in FIELDS - {"id", "created_at", "updated_at"}} == {
        "kind": "meeting", "subject": "Call about the offer", "notes": "",
        "due_at": "2027-03-21T07:00:00+00:00", "time_zone": "Europe/Vilnius",
        "duration_minutes": 45, "assignee": users["manager"].pk, "contact": olena.pk,
        "deal": None, "complaint": None, "recurrence": "FREQ=WEEKLY;COUNT=4",
        "reminders": [1440, 15],
        "status": "planned", "outcome": "", "completed_at": None, "overdue": False,
        "series": None, "created_by": users["manager"].pk,
    }  # fmt: skip
    read = api_as("manager").get(f"{API}/activities/{body['id']}")
    assert read.json() == body


def test_the_time_zone_defaults_to_the_assignees(api_as, users):
    users["manager_mate"].time_zone = "Asia/Tokyo"
    users["manager_mate"].save()

    body = create(api_as("manager"), assignee=users["manager_mate"].pk).json()

    assert body["time_zone"] == "Asia/Tokyo"


def test_list_filters_assignee_status_due_and_overdue(api_as, users, olena):
    client = api_as("manager")
    ahead = create(client, subject="Ahead", due_at=soon(3).isoformat()).json()
    mates = create(client, subject="Mate's", assignee=users["manager_mate"].pk).json()
    late = create(client, subject="Late").json()
    Activity.objects.filter(pk=late["id"]).update(due_at=timezone.now() - dt.timedelta(hours=2))
    done = create(client, subject="Done").json()
    client.post(f"{API}/activities/{done['id']}/complete", {}, content_type="application/json")

    def ids(**params):
        response = client.get(f"{API}/activities", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids() == [late["id"], mates["id"], done["id"], ahead["id"]]
    assert ids(overdue="true") == [late["id"]]
    assert ids(status="done") == [done["id"]]
    assert ids(assignee=users["manager_mate"].pk) == [mates["id"]]
    assert ids(due_after=soon(3).isoformat()) == [ahead["id"]]
    assert ids(due_before=soon(3).isoformat(), status="planned") == [late["id"], mates["id"]]
    assert ids(sort="-due")[0] == ahead["id"]
    late_json = client.get(f"{API}/activities/{late['id']}").json()
    assert late_json["overdue"] is True


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "finished"}, "status"), ({"overdue": "maybe"}, "overdue"),
     ({"due_before": "2027-02-30"}, "due_before"), ({"assignee": "me"}, "assignee")],
)  # fmt: skip
def test_a_bad_list_filter_is_a_422_naming_it(api_as, params, field):
    response = api_as("manager").get(f"{API}/activities", params)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_complete_records_the_outcome_and_plans_the_next_step(api_as, users, olena):
    client = api_as("manager")
    call = create(client, contact=olena.pk).json()

    response = client.post(
        f"{API}/activities/{call['id']}/complete",
        {"outcome": "Wants Crete", "next_step": {"subject": "Send the offer", "kind": "email",
                                                 "due_at": soon(4).isoformat()}},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["outcome"]) == (call["id"], "done", "Wants Crete")
    assert body["next_occurrence"] is None
    step = body["next_step"]
    assert (step["kind"], step["subject"], step["contact"], step["assignee"]) == (
        "email", "Send the offer", olena.pk, users["manager"].pk,
    )  # fmt: skip
    entry = Interaction.objects.get(kind="activity.completed")
    assert (entry.contact_id, entry.body) == (olena.pk, "Wants Crete")
    again = client.post(
        f"{API}/activities/{call['id']}/complete", {}, content_type="application/json"
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "status: This activity is already done."


def test_completing_a_series_answers_the_occurrence_and_when_the_series_is_due_next(api_as):
    client = api_as("manager")
    series = create(
        client, due_at="2027-10-24T09:00:00+03:00", time_zone="Europe/Vilnius",
        recurrence="FREQ=WEEKLY",
    ).json()  # fmt: skip

    body = client.post(
        f"{API}/activities/{series['id']}/complete", {"outcome": "ok"},
        content_type="application/json",
    ).json()  # fmt: skip

    assert body["id"] != series["id"]
    assert (body["series"], body["due_at"], body["status"]) == (
        series["id"], "2027-10-24T06:00:00+00:00", "done",
    )  # fmt: skip
    # 09:00 in Vilnius again, a week later, after the clocks went back
    assert body["next_occurrence"] == "2027-10-31T07:00:00+00:00"
    assert (
        client.get(f"{API}/activities/{series['id']}").json()["due_at"] == body["next_occurrence"]
    )


def test_an_invalid_next_step_completes_nothing(api_as, olena):
    client = api_as("manager")
    call = create(client, contact=olena.pk).json()

    response = client.post(
        f"{API}/activities/{call['id']}/complete",
        {"outcome": "ok", "next_step": {"subject": "Next", "due_at": soon().isoformat(),
                                        "time_zone": "Nowhere/City"}},
        content_type="application/json",
    )  # fmt: skip

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["next_step.time_zone"]
    assert client.get(f"{API}/activities/{call['id']}").json()["status"] == "planned"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_at": "2027-02-30T10:00:00+02:00"}, "due_at"),
        ({"due_at": "2027-05-01T10:00:00"}, "due_at"),  # no offset: never guessed
        ({"due_at": None}, "due_at"),
        ({"time_zone": "Europe/Atlantis"}, "time_zone"),
        ({"recurrence": "FREQ=WEEKLY;BYDAY=XX"}, "recurrence"),
        ({"recurrence": "FREQ=SECONDLY"}, "recurrence"),
        ({"duration_minutes": -30}, "duration_minutes"),
        ({"duration_minutes": 10**30}, "duration_minutes"),
        ({"reminders": [-5]}, "reminders"),
        ({"reminders": ["soon"]}, "reminders.0"),
        ({"reminders": [10**6]}, "reminders"),
        ({"kind": "fax"}, "kind"),
        ({"subject": ""}, "subject"),
        ({"contact": 999999}, "contact"),
        ({"assignee": 999999}, "assignee"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(api_as, body, field):
    response = create(api_as("manager"), **body)

    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert Activity.objects.count() == 0


def test_a_reminder_already_past_is_refused_with_the_reason(api_as):
    response = create(
        api_as("manager"),
        due_at=(timezone.now() + dt.timedelta(minutes=30)).isoformat(),
        reminders=[60],
    )

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "reminders"
    assert error["message"].startswith("The reminder 1 hour before would come at ")


def test_patch_changes_cancels_and_refuses_reopening(api_as, olena):
    client = api_as("manager")
    call = create(client, contact=olena.pk, reminders=[15]).json()

    changed = client.patch(
        f"{API}/activities/{call['id']}", {"subject": "Call back", "reminders": [30, 5]},
        content_type="application/json",
    )  # fmt: skip
    cancelled = client.patch(
        f"{API}/activities/{call['id']}", {"status": "cancelled"}, content_type="application/json"
    )
    reopened = client.patch(
        f"{API}/activities/{call['id']}", {"status": "planned"}, content_type="application/json"
    )
    moved = client.patch(
        f"{API}/activities/{call['id']}", {"due_at": soon(6).isoformat()},
        content_type="application/json",
    )  # fmt: skip

    assert (changed.json()["subject"], changed.json()["reminders"]) == ("Call back", [30, 5])
    assert (cancelled.json()["status"], cancelled.json()["completed_at"] is not None) == (
        "cancelled", True,
    )  # fmt: skip
    assert reopened.status_code == 422
    assert [e["field"] for e in reopened.json()["errors"]] == ["status"]
    assert moved.status_code == 422
    assert [e["field"] for e in moved.json()["errors"]] == ["due_at"]


def test_delete(api_as):
    client = api_as("manager")
    call = create(client).json()

    assert client.delete(f"{API}/activities/{call['id']}").status_code == 204
    assert client.get(f"{API}/activities/{call['id']}").status_code == 404


def test_a_customer_since_handed_to_another_team_is_not_named(api_as, users):
    client = api_as("manager")
    rasa = make_contact(users["manager"], first_name="Rasa")
    call = create(client, contact=rasa.pk).json()
    rasa.owner = users["manager2"]
    rasa.save()

    body = client.get(f"{API}/activities/{call['id']}").json()

    assert (body["id"], body["contact"]) == (call["id"], None)


def test_me(api_as, users, team):
    users["manager"].time_zone = "Europe/Kyiv"
    users["manager"].calendar_secret = "s3cret"
    users["manager"].save()

    body = api_as("manager").get(f"{API}/me").json()
    analyst = api_as("analyst").get(f"{API}/me").json()

    assert body == {
        "id": users["manager"].pk, "username": "manager", "role": "sales_manager",
        "team": team.pk, "time_zone": "Europe/Kyiv",
        "calendar_feed_url": "http://127.0.0.1:8000/calendar/s3cret.ics",
    }  # fmt: skip
    assert (analyst["team"], analyst["time_zone"], analyst["calendar_feed_url"]) == (
        None, "Europe/Vilnius", None,
    )  # fmt: skip


@pytest.fixture
def reminder_kind():
    notifications.register("tests.reminder", lambda p: f"Reminder: {p['subject']}")


def test_notifications_are_ones_own_worded_when_read_and_marked_read_once(
    api_as, users, reminder_kind
):
    first = notifications.notify(
        user=users["manager"], kind="tests.reminder", params={"subject": "Call Olena"},
        url="/activities/1/", email=False,
    )  # fmt: skip
    second = notifications.notify(
        user=users["manager"], kind="tests.reminder", params={"subject": "Send the offer"},
        email=False,
    )  # fmt: skip
    notifications.notify(user=users["manager2"], kind="tests.reminder",
                         params={"subject": "Not yours"}, email=False)  # fmt: skip
    assert first is not None
    assert second is not None
    client = api_as("manager")

    listed = client.get(f"{API}/notifications").json()["items"]
    read = client.post(f"{API}/notifications/{first.pk}/read")
    read_again = client.post(f"{API}/notifications/{first.pk}/read")
    unread = client.get(f"{API}/notifications", {"unread": "true"}).json()["items"]
    others = client.post(
        f"{API}/notifications/{Notification.objects.get(user=users['manager2']).pk}/read"
    )

    assert [(n["id"], n["kind"], n["text"], n["url"]) for n in listed] == [
        (second.pk, "tests.reminder", "Reminder: Send the offer", None),
        (first.pk, "tests.reminder", "Reminder: Call Olena", "http://127.0.0.1:8000/activities/1/"),
    ]  # fmt: skip
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert read_again.json()["read_at"] == read.json()["read_at"]
    assert [n["id"] for n in unread] == [second.pk]
    assert others.status_code == 404
