"""The activity pages: the list with its filters and export, the form (date, time and zone,
reminders, repeat presets), completing with the next step (HTMX, from the contact's page),
the 360° section, and the contact list's "no next step" filter."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from rapport.activities import services
from rapport.activities.models import Activity
from rapport.timeline.models import Interaction
from tests.activities.conftest import soon

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def work(users, olena, jonas, plan):
    """North: a call ahead, an overdue task, a done meeting; South: a call."""
    call = plan(contact=olena.pk, subject="Call about Crete", due_at=soon(2))
    late = plan(contact=olena.pk, kind="task", subject="Send the visa list", due_at=soon(5))
    Activity.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    met = plan(contact=olena.pk, kind="meeting", subject="Office visit", due_at=soon(1))
    services.activity_complete(actor=users["manager"], activity=met, outcome="Chose Crete")
    south = plan("manager2", contact=jonas.pk, subject="Call Jonas")
    return {"call": call, "late": late, "met": met, "south": south}


def _subjects(response) -> list[str]:
    return [a.subject for a in response.context["page"].items]


def test_the_list_shows_planned_work_by_due_time_and_filters_it(as_user, work, users):
    client = as_user("manager")

    assert _subjects(client.get("/activities/")) == ["Send the visa list", "Call about Crete"]
    assert _subjects(client.get("/activities/", {"overdue": "true"})) == ["Send the visa list"]
    assert _subjects(client.get("/activities/", {"status": "done"})) == ["Office visit"]
    assert _subjects(client.get("/activities/", {"status": "all", "kind": "meeting"})) == [
        "Office visit"
    ]
    page = client.get("/activities/", {"due_after": "2999-99-99"})
    assert "Give a date like 2026-05-01" in page.text
    assert 'href="/activities/' in client.get("/").text  # the navigation link


def test_the_other_team_sees_only_its_own(as_user, work):
    assert _subjects(as_user("manager2").get("/activities/")) == ["Call Jonas"]
    assert as_user("manager2").get(f"/activities/{work['call'].pk}/").status_code == 404


def test_the_export_holds_the_lists_rows_with_their_filters(as_user, work):
    response = as_user("manager").get("/activities/export/csv/", {"status": "all"})

    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert response.status_code == 200
    assert sorted(r["subject"] for r in rows) == [
        "Call about Crete", "Office visit", "Send the visa list",
    ]  # fmt: skip
    visit = next(r for r in rows if r["subject"] == "Office visit")
    assert (visit["type"], visit["status"], visit["outcome"], visit["contact"]) == (
        "Meeting", "Done", "Chose Crete", "Olena Koval",
    )  # fmt: skip


def test_plan_from_the_form_with_date_time_zone_reminders_and_a_preset(as_user, olena, users):
    response = as_user("manager").post(
        "/activities/new/",
        {
            "kind": "meeting", "subject": "Weekly review", "contact": olena.pk,
            "due_date": "2027-03-21", "due_time": "09:00", "time_zone": "Europe/Vilnius",
            "duration_minutes": "45", "assignee": users["manager"].pk,
            "reminders": ["15", "1440"], "reminder_other": "120", "repeat": "FREQ=WEEKLY",
        },
    )  # fmt: skip

    meeting = Activity.objects.get()
    assert response.status_code == 302
    assert response.url == f"/activities/{meeting.pk}/"
    assert (meeting.due_at, meeting.recurrence, meeting.duration_minutes) == (
        dt.datetime(2027, 3, 21, 7, tzinfo=dt.UTC), "FREQ=WEEKLY", 45,
    )  # fmt: skip
    assert list(meeting.reminders.values_list("minutes_before", flat=True)) == [1440, 120, 15]


def test_the_form_says_what_to_fix(as_user, olena, users):
    response = as_user("manager").post(
        "/activities/new/",
        {
            "kind": "call", "subject": "Call", "contact": olena.pk,
            "due_date": "2027-03-28", "due_time": "03:30", "time_zone": "Europe/Vilnius",
            "duration_minutes": "-5", "assignee": users["manager"].pk,
            "repeat": "custom", "recurrence_custom": "FREQ=WEEKLY;BYDAY=XX",
        },
    )  # fmt: skip

    assert response.status_code == 200
    form = response.context["form"]
    assert "does not exist on" in form.errors["due_date"][0]
    assert form.errors["duration_minutes"] == ["A duration cannot be negative."]
    assert form.errors["recurrence_custom"] == ["“XX” is not a valid BYDAY in a repeat rule."]
    assert Activity.objects.count() == 0


def test_edit_keeps_the_activity_in_its_own_zone(as_user, plan):
    call = plan(due_at=dt.datetime(2027, 6, 1, 9), time_zone="Asia/Tokyo", reminders=[60])
    client = as_user("manager")

    form = client.get(f"/activities/{call.pk}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(subject="Call Tokyo", due_date="2027-06-01", due_time="09:00")
    response = client.post(f"/activities/{call.pk}/edit/", data)

    call.refresh_from_db()
    assert (form.initial["due_time"], form.initial["time_zone"]) == (dt.time(9), "Asia/Tokyo")
    assert response.status_code == 302
    assert (call.subject, call.due_at) == ("Call Tokyo", dt.datetime(2027, 6, 1, 0, tzinfo=dt.UTC))


def test_the_360_page_shows_the_next_step_first_then_overdue_and_done(as_user, work, olena):
    page = as_user("manager").get(f"/contacts/{olena.pk}/").text

    section = page[page.index('id="activities-panel"') :]
    assert section.index("Next step:") < section.index("Call about Crete")
    assert section.index("Call about Crete") < section.index("Overdue")
    assert section.index("Overdue") < section.index("Send the visa list")
    assert section.index("Send the visa list") < section.index("Office visit")
    assert "Call Jonas" not in page


def test_complete_from_the_360_page_with_the_next_step_in_the_same_form(as_user, work, olena):
    client = as_user("manager")
    call = work["call"]

    form = client.get(
        f"/activities/{call.pk}/complete/", HTTP_HX_TARGET="activity-form-slot", **HTMX
    )
    response = client.post(
        f"/activities/{call.pk}/complete/",
        {
            "outcome": "Wants two rooms", "next_kind": "email",
            "next_subject": "Send the offer", "next_date": "2027-01-15", "next_time": "10:00",
        },
        HTTP_HX_TARGET="activities-panel", **HTMX,
    )  # fmt: skip

    assert 'hx-target="#activities-panel"' in form.text
    assert response.status_code == 200
    assert "data-announce>Done: Call about Crete. Next step planned.</p>" in response.text
    assert "Send the offer" in response.text
    call.refresh_from_db()
    assert (call.status, call.outcome) == ("done", "Wants two rooms")
    step = Activity.objects.get(subject="Send the offer")
    assert (step.kind, step.contact, step.time_zone) == ("email", olena, call.time_zone)
    assert Interaction.objects.filter(kind="activity.completed", contact=olena).count() == 2


def test_a_next_step_without_a_time_leaves_the_form_open_with_its_error(as_user, work):
    call = work["call"]

    response = as_user("manager").post(
        f"/activities/{call.pk}/complete/",
        {"outcome": "ok", "next_kind": "call", "next_subject": "Send the offer"},
        HTTP_HX_TARGET="activities-panel", **HTMX,
    )  # fmt: skip

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#activity-form-slot"
    assert "Give the date and time it is due." in response.text
    call.refresh_from_db()
    assert call.status == "planned"


def test_read_only_and_other_roles_cannot_complete(as_user, work):
    call = work["call"]

    assert as_user("analyst").post(f"/activities/{call.pk}/complete/", {}).status_code == 403
    assert as_user("marketer").post(f"/activities/{call.pk}/complete/", {}).status_code == 403
    assert as_user("manager2").post(f"/activities/{call.pk}/complete/", {}).status_code == 404
    call.refresh_from_db()
    assert call.status == "planned"


def test_no_next_step_on_the_contact_list_the_api_and_the_export(as_user, work, olena, users):
    from rapport.contacts import services as contacts
    from tests.api.conftest import bearer_client

    idle = contacts.contact_create(actor=users["manager"], data={"first_name": "Idle"})
    client = as_user("manager")

    page = client.get("/contacts/", {"no_next_step": "true"})
    api = bearer_client(users["manager"]).get("/api/v1/contacts", {"no_next_step": "true"})
    export = client.get("/contacts/export/csv/", {"no_next_step": "true"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))

    assert [c.pk for c in page.context["page"].items] == [idle.pk]
    assert 'name="no_next_step"' in page.text
    assert [item["id"] for item in api.json()["items"]] == [idle.pk]
    assert [int(r[0]) for r in rows[1:]] == [idle.pk]
    assert [
        c.pk for c in client.get("/contacts/", {"no_next_step": "false"}).context["page"].items
    ] == [olena.pk]
