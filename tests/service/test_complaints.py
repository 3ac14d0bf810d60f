"""Registering and working complaints: deadlines from the SLA policy, the workflow with its
history rows and timeline events, and every bad input's message."""

import pytest
from django.core.exceptions import ValidationError

from rapport.core.errors import Conflict
from rapport.service import services
from rapport.service.models import Complaint, ComplaintStatusChange, SlaPolicy
from rapport.timeline.models import Interaction
from tests.api.sales_data import make_order, make_product
from tests.factories import InteractionFactory
from tests.service.conftest import at, register

pytestmark = pytest.mark.django_db


def _errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def _history(complaint) -> list[tuple[str, str]]:
    return list(
        ComplaintStatusChange.objects.filter(complaint=complaint)
        .order_by("at", "id")
        .values_list("from_status", "to_status")
    )


def _events(complaint) -> list[tuple[str, dict]]:
    return list(
        Interaction.objects.filter(source_id=complaint.pk, source_type__model="complaint")
        .order_by("occurred_at", "id")
        .values_list("kind", "params")
    )


def test_a_complaint_registered_on_friday_afternoon_is_due_in_business_hours(
    clock, users, customer, hotel
):
    # normal: first response in 4 business hours, resolution in 24; Mon–Fri 09:00–18:00
    complaint = register(users["manager"], customer, category=hotel.pk, channel="email")

    assert complaint.first_response_due == at("2026-01-12T11:00")  # Fri 2 h + Mon 2 h
    assert complaint.first_response_warn_at == at("2026-01-12T10:12")  # at 80 %
    assert complaint.resolution_due == at("2026-01-14T13:00")  # 2 + 9 + 9 + 4 hours
    assert complaint.resolution_warn_at == at("2026-01-13T17:12")
    assert (complaint.status, complaint.assignee, complaint.created_by) == (
        "new",
        users["manager"],
        users["manager"],
    )
    assert _history(complaint) == [("", "new")]
    assert _events(complaint) == [
        ("complaint.registered",
         {"complaint": complaint.pk, "severity": "normal", "category_name": "Hotel"})
    ]  # fmt: skip
    assert Interaction.objects.get(source_id=complaint.pk).text == (
        f"Complaint #{complaint.pk} registered: Hotel, Normal"
    )


def test_a_critical_complaint_runs_round_the_clock_and_a_severity_without_policy_has_no_deadline(
    clock, users, customer
):
    critical = register(users["agent"], customer, severity="critical")
    SlaPolicy.objects.filter(severity="low").delete()
    low = register(users["agent"], customer, severity="low")

    assert (critical.first_response_due, critical.resolution_due) == (
        at("2026-01-09T17:00"),
        at("2026-01-10T00:00"),
    )
    assert (low.first_response_due, low.resolution_due, low.resolution_warn_at) == (None,) * 3


def test_a_holiday_moves_the_deadline(clock, users, customer):
    from rapport.service.models import Holiday

    Holiday.objects.create(date="2026-01-12", name="Bridge day")
    complaint = register(users["manager"], customer)

    assert complaint.first_response_due == at("2026-01-13T11:00")


def test_one_click_from_a_logged_call_links_the_complaint_and_once_only(users, customer):
    call = InteractionFactory(contact=customer, channel="phone", direction="inbound")
    complaint = register(users["agent"], customer, interaction=call.pk)

    assert complaint.interaction == call
    with pytest.raises(Conflict) as excinfo:
        register(users["agent"], customer, interaction=call.pk)
    assert _errors(excinfo) == {
        "interaction": [f"This interaction is complaint #{complaint.pk} already."]
    }


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"severity": "urgent"}, "severity", "Choose from: low, normal, high, critical."),
        ({"channel": "pigeon"}, "channel", "Choose from: phone, email, sms, messenger, meeting, "
                                            "visit, web, chatbot, social, api."),
        ({"description": "  "}, "description", "Describe what the customer complains about."),
        ({"category": 999999}, "category", "No such category."),
        ({"product": 999999}, "product", "No such product."),
        ({"assignee": 999999}, "assignee", "Choose someone who works this customer's complaints."),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(users, customer, data, field, message):
    with pytest.raises(ValidationError) as excinfo:
        register(users["manager"], customer, **data)
    assert _errors(excinfo) == {field: [message]}
    assert Complaint.objects.count() == 0


def test_links_must_be_this_customers_and_choices_active(users, customer, south_customer, hotel):
    theirs = make_order(users["manager2"], south_customer)
    other_call = InteractionFactory(contact=south_customer)
    hotel.is_active = False
    hotel.save()

    with pytest.raises(ValidationError) as excinfo:
        register(
            users["admin"], customer, order=theirs.pk, interaction=other_call.pk, category=hotel.pk
        )
    assert _errors(excinfo) == {
        "order": [f"Order #{theirs.pk} is another customer's."],
        "interaction": ["That interaction is another customer's."],
        "category": ["The category “Hotel” is retired."],
    }


def test_the_assignee_must_work_this_customers_complaints(users, customer):
    for who in ("analyst", "marketer", "manager2"):
        with pytest.raises(ValidationError) as excinfo:
            register(users["admin"], customer, assignee=users[who].pk)
        assert list(_errors(excinfo)) == ["assignee"], who
    assert register(users["admin"], customer, assignee=users["agent"].pk).assignee == users["agent"]
    assert register(users["admin"], customer, assignee=None).assignee is None


def test_who_may_register(users, customer):
    for who in ("analyst", "marketer", "manager2"):
        with pytest.raises(PermissionError):
            register(users[who], customer)
    assert register(users["manager_mate"], customer).assignee == users["manager_mate"]


def test_the_workflow_writes_a_history_row_and_a_timeline_event_for_each_move(
    clock, users, customer, causes
):
    agent = users["agent"]
    complaint = register(agent, customer)
    clock.set("2026-01-12T10:00")
    services.complaint_change_status(actor=agent, complaint=complaint, status="in_progress")
    clock.set("2026-01-12T12:00")
    services.complaint_change_status(
        actor=agent, complaint=complaint, status="waiting", note="Asked for the booking number"
    )
    clock.set("2026-01-12T15:00")
    services.complaint_resolve(
        actor=agent, complaint=complaint, root_cause=causes["overbooked"].pk,
        resolution="Moved to a better room and refunded one night.",
    )  # fmt: skip
    clock.set("2026-01-13T09:00")
    services.complaint_change_status(actor=agent, complaint=complaint, status="closed")

    complaint.refresh_from_db()
    assert (complaint.status, complaint.first_responded_at, complaint.resolved_at) == (
        "closed",
        at("2026-01-12T10:00"),
        at("2026-01-12T15:00"),
    )
    assert complaint.closed_at == at("2026-01-13T09:00")
    assert (complaint.root_cause, complaint.breached) == (causes["overbooked"], False)
    assert _history(complaint) == [
        ("", "new"), ("new", "in_progress"), ("in_progress", "waiting"),
        ("waiting", "resolved"), ("resolved", "closed"),
    ]  # fmt: skip
    pk = complaint.pk
    assert _events(complaint) == [
        ("complaint.registered", {"complaint": pk, "severity": "normal", "category_name": ""}),
        ("complaint.status_changed", {"complaint": pk, "old": "new", "new": "in_progress"}),
        ("complaint.status_changed", {"complaint": pk, "old": "in_progress", "new": "waiting"}),
        ("complaint.resolved", {"complaint": pk, "root_cause_name": "Supplier › Hotel overbooked"}),
        ("complaint.status_changed", {"complaint": pk, "old": "resolved", "new": "closed"}),
    ]
    note = Interaction.objects.get(kind="complaint.status_changed", params__new="waiting")
    assert note.body == "Asked for the booking number"


def test_a_move_the_workflow_does_not_allow_says_which_are(users, customer):
    complaint = register(users["agent"], customer)
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_change_status(actor=users["agent"], complaint=complaint, status="closed")
    assert _errors(excinfo) == {
        "status": [
            "A complaint that is New can move to: In progress, Waiting for customer, Resolved."
        ]
    }
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_change_status(actor=users["agent"], complaint=complaint, status="new")
    assert _errors(excinfo) == {"status": ["The complaint is New already."]}


def test_resolving_needs_an_active_root_cause_and_a_resolution(users, customer, causes):
    complaint = register(users["agent"], customer)
    cases = [
        ({"root_cause": None, "resolution": ""},
         {"root_cause": ["Choose the root cause: it is required to resolve."],
          "resolution": ["Say how the complaint was resolved."]}),
        ({"root_cause": causes["retired"].pk, "resolution": "Refunded"},
         {"root_cause": ["The root cause “Old reason” is retired; choose an active one."]}),
        ({"root_cause": 99999999, "resolution": "Refunded"},
         {"root_cause": ["No such root cause."]}),
    ]  # fmt: skip
    for data, expected in cases:
        with pytest.raises(ValidationError) as excinfo:
            services.complaint_resolve(actor=users["agent"], complaint=complaint, **data)
        assert _errors(excinfo) == expected
    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolved_at, _history(complaint)) == (
        "new",
        None,
        [("", "new")],
    )


def test_a_late_resolution_is_a_breach_and_reopening_starts_a_new_resolution_clock(
    clock, users, customer, causes
):
    agent = users["agent"]
    complaint = register(agent, customer, severity="high")  # 2 h answer, 8 h resolution
    assert complaint.resolution_due == at("2026-01-12T15:00")
    clock.set("2026-01-12T16:00")
    services.complaint_resolve(
        actor=agent, complaint=complaint, root_cause=causes["process"].pk, resolution="Refunded"
    )
    complaint.refresh_from_db()
    assert (complaint.breached, complaint.first_responded_at) == (True, at("2026-01-12T16:00"))

    clock.set("2026-01-13T10:00")
    services.complaint_reopen(actor=agent, complaint=complaint, note="Refund did not arrive")

    complaint.refresh_from_db()
    assert (complaint.status, complaint.resolved_at, complaint.breached) == (
        "in_progress",
        None,
        True,
    )
    assert complaint.resolution_due == at("2026-01-13T18:00")  # 8 business hours from now
    assert complaint.first_response_due == at("2026-01-09T18:00")  # unchanged
    assert _history(complaint)[-1] == ("resolved", "in_progress")
    assert _events(complaint)[-1] == (
        "complaint.reopened",
        {"complaint": complaint.pk, "old": "resolved"},
    )

    with pytest.raises(ValidationError) as excinfo:
        services.complaint_reopen(actor=agent, complaint=complaint)
    assert _errors(excinfo) == {"status": ["Only a resolved or closed complaint can be reopened."]}


def test_a_new_severity_moves_the_deadlines(clock, users, customer):
    complaint = register(users["agent"], customer)
    services.complaint_update(actor=users["agent"], complaint=complaint, data={"severity": "high"})
    complaint.refresh_from_db()
    assert (complaint.first_response_due, complaint.resolution_due) == (
        at("2026-01-09T18:00"),
        at("2026-01-12T15:00"),
    )


def test_corrections_check_the_links_and_the_right_to_change(users, customer, south_customer):
    complaint = register(users["manager"], customer)
    product = make_product()
    order = make_order(users["manager"], customer)
    theirs = make_order(users["manager2"], south_customer)

    services.complaint_update(
        actor=users["agent"], complaint=complaint,
        data={"product": product.pk, "order": order.pk, "description": "Wrong transfer time"},
    )  # fmt: skip
    with pytest.raises(ValidationError) as excinfo:
        services.complaint_update(
            actor=users["agent"], complaint=complaint, data={"order": theirs.pk, "status": "closed"}
        )
    for who in ("analyst", "marketer", "manager2"):
        with pytest.raises(PermissionError):
            services.complaint_update(actor=users[who], complaint=complaint, data={"order": None})

    complaint.refresh_from_db()
    assert (complaint.product, complaint.order, complaint.description) == (
        product,
        order,
        "Wrong transfer time",
    )
    assert _errors(excinfo) == {
        "status": ["This field cannot be changed here."],
        "order": [f"Order #{theirs.pk} is another customer's."],
    }


def test_only_the_administrator_deletes_a_complaint(users, customer):
    complaint = register(users["manager"], customer)
    for who in ("manager", "agent", "analyst"):
        with pytest.raises(PermissionError):
            services.complaint_delete(actor=users[who], complaint=complaint)
    services.complaint_delete(actor=users["admin"], complaint=complaint)
    assert Complaint.objects.count() == 0
    assert Interaction.objects.filter(kind="complaint.registered").count() == 1  # history stays
