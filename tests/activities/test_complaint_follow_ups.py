"""Activities that follow up a complaint: linked to it (its customer becomes theirs), worked
by whoever handles the complaint, carried to the next step and the split occurrence, named in
the API only to those who may see the complaint, and shown on the activity's page."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rapport.activities import services
from rapport.activities.models import Activity
from rapport.contacts.models import Contact
from rapport.service import services as service
from tests.activities.conftest import soon
from tests.api.conftest import API
from tests.api.conftest import api_as as api_as  # the API client fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(users, olena):
    """Olena's (team North's customer) complaint, handled by the service agent."""
    return service.complaint_register(
        actor=users["agent"], contact=olena, description="Nobody met us at the airport"
    )


@pytest.fixture
def follow_up(users, complaint):
    """The manager's call back about it."""
    return services.activity_create(
        actor=users["manager"],
        data={"subject": "Call back about the transfer", "complaint": complaint.pk,
              "due_at": soon()},
    )  # fmt: skip


def test_a_follow_up_takes_the_complaints_customer(follow_up, complaint, olena, users):
    assert follow_up.complaint_id == complaint.pk
    assert follow_up.contact_id == olena.pk
    assert follow_up.assignee_id == users["manager"].pk


def test_another_customers_complaint_is_refused(users, complaint, jonas):
    with pytest.raises(ValidationError) as caught:
        services.activity_create(
            actor=users["agent"],
            data={"subject": "Call", "contact": jonas.pk, "complaint": complaint.pk,
                  "due_at": soon()},
        )  # fmt: skip

    assert caught.value.message_dict == {"complaint": ["This complaint is another customer's."]}


def test_a_complaint_one_cannot_see_is_refused(users, complaint):
    with pytest.raises(ValidationError) as caught:
        services.activity_create(
            actor=users["manager2"],
            data={"subject": "Call", "complaint": complaint.pk, "due_at": soon()},
        )

    assert caught.value.message_dict == {"complaint": ["Choose a complaint you can see."]}


def test_the_complaints_handler_works_its_follow_ups(users, follow_up):
    completion = services.activity_complete(
        actor=users["agent"], activity=follow_up, outcome="Refund agreed"
    )

    assert completion.done.status == "done"
    assert completion.done.outcome == "Refund agreed"


def test_once_handed_on_the_agent_no_longer_works_them(users, complaint, follow_up):
    service.complaint_assign(
        actor=users["agent"], complaint=complaint, assignee=users["manager"].pk
    )

    with pytest.raises(PermissionError):
        services.activity_complete(
            actor=users["agent"], activity=Activity.objects.get(pk=follow_up.pk), outcome="x"
        )
    # they still read it, as every agent reads every plan
    assert Activity.objects.filter(pk=follow_up.pk).exists()


def test_the_next_step_and_a_series_occurrence_keep_the_complaint(users, complaint):
    series = services.activity_create(
        actor=users["agent"],
        data={"subject": "Check the fix held", "complaint": complaint.pk, "due_at": soon(),
              "recurrence": "FREQ=WEEKLY;COUNT=3"},
    )  # fmt: skip

    completion = services.activity_complete(
        actor=users["agent"],
        activity=series,
        outcome="Fine so far",
        next_step={"subject": "Ask for a review", "due_at": soon(5)},
    )

    assert completion.done.series_id == series.pk
    assert completion.done.complaint_id == complaint.pk
    assert completion.next_step is not None
    assert completion.next_step.complaint_id == complaint.pk


def test_the_api_names_the_complaint_to_those_who_may_see_it(api_as, users, jonas):
    complaint = service.complaint_register(
        actor=users["manager2"], contact=jonas, description="Cold pool"
    )
    created = api_as("manager2").post(
        f"{API}/activities",
        {"subject": "Call Jonas back", "complaint": complaint.pk, "due_at": soon().isoformat()},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["complaint"], body["contact"]) == (complaint.pk, jonas.pk)
    # the customer moves to team North: manager2 still sees the call (assigned to her),
    # but no longer its customer or complaint
    Contact.objects.filter(pk=jonas.pk).update(owner=users["manager"])

    read = api_as("manager2").get(f"{API}/activities/{body['id']}").json()

    assert (read["complaint"], read["contact"]) == (None, None)
    assert api_as("manager").get(f"{API}/activities/{body['id']}").json()["complaint"] == (
        complaint.pk
    )


def test_the_api_refuses_an_unknown_complaint(api_as, users):
    response = api_as("agent").post(
        f"{API}/activities",
        {"subject": "Call", "complaint": 999999, "due_at": soon().isoformat()},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("complaint", "Choose a complaint you can see.")
    ]


def test_the_activity_page_links_its_complaint_and_the_form_keeps_it(
    client, users, complaint, follow_up
):
    client.force_login(users["agent"])

    page = client.get(reverse("activities:activity_detail", args=[follow_up.pk]))
    form = client.get(reverse("activities:activity_create"), {"complaint": complaint.pk})

    link = reverse("service:complaint_detail", args=[complaint.pk])
    assert f'<a href="{link}">#{complaint.pk}</a>' in page.text
    assert f"Follows up complaint #{complaint.pk}" in form.text
    assert f'name="complaint" value="{complaint.pk}"' in form.text


def test_planning_from_the_form_links_the_complaint(client, users, complaint, olena):
    client.force_login(users["agent"])
    due = soon()

    response = client.post(
        reverse("activities:activity_create"),
        {"kind": "call", "subject": "Call back", "complaint": complaint.pk,
         "due_date": due.date().isoformat(), "due_time": "10:00", "time_zone": "UTC",
         "assignee": users["agent"].pk, "duration_minutes": 15},
    )  # fmt: skip

    activity = Activity.objects.get(subject="Call back")
    assert response.status_code == 302
    assert (activity.complaint_id, activity.contact_id) == (complaint.pk, olena.pk)


# Who sees the complaint's follow-ups on its page, and who may plan one there.
SECTION = {
    "admin": (200, True), "manager": (200, True), "manager_mate": (200, True),
    "manager2": (404, False), "marketer": (200, True), "agent": (200, True),
    "analyst": (200, False),
}  # fmt: skip


@pytest.mark.parametrize(("role", "expected"), SECTION.items())
def test_the_complaint_page_lists_its_follow_ups(client, users, complaint, follow_up, role,
                                                 expected):  # fmt: skip
    done = services.activity_create(
        actor=users["agent"],
        data={"subject": "First call", "complaint": complaint.pk, "due_at": soon(1)},
    )
    services.activity_complete(actor=users["agent"], activity=done, outcome="Apologised")
    client.force_login(users[role])

    page = client.get(reverse("service:complaint_detail", args=[complaint.pk]))

    status, may_plan = expected
    assert page.status_code == status
    if status != 200:
        return
    section = page.text.split('id="complaint-follow-ups"')[1].split("</article>")[0]
    assert f'href="/activities/{follow_up.pk}/">Call back about the transfer</a>' in section
    assert f'href="/activities/{done.pk}/">First call</a>' in section
    assert "— Apologised" in section
    assert (f'href="/activities/new/?complaint={complaint.pk}"' in section) is may_plan
