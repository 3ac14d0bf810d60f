"""The SLA check: a warning before each deadline to the assignee, at the breach a mark and an
escalation to the team lead (administrators without one), each exactly once however often
it runs; replies logged on the timeline count as the first response."""

import datetime as dt

import pytest
from django.core import mail

from rapport.core import notifications
from rapport.core.models import Notification
from rapport.service import services
from rapport.service.models import Complaint
from tests.factories import InteractionFactory, UserFactory
from tests.service.conftest import at, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(users, team):
    boss = UserFactory(username="lead", role="sales_manager", team=team, email="lead@example.com")
    team.lead = boss
    team.save()
    return boss


def _sent(kind: str) -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("user__username", "params__deadline")
    )


def test_the_assignee_is_warned_once_before_each_deadline(clock, users, customer, lead):
    complaint = register(users["manager"], customer)  # answer due Mon 11:00, warn at 10:12

    clock.set("2026-01-12T10:00")
    assert services.sla_check().warnings == 0
    clock.set("2026-01-12T10:30")
    assert services.sla_check().warnings == 1
    clock.set("2026-01-12T10:40")
    assert services.sla_check().warnings == 0

    assert _sent("service.sla_warning") == [("manager", "first_response")]
    warning = Notification.objects.get(kind="service.sla_warning")
    assert warning.url == f"/complaints/{complaint.pk}/"
    assert notifications.text(warning) == (
        f"Complaint #{complaint.pk} (Olena): the first response is due by 12.01.2026 11:00."
    )
    complaint.refresh_from_db()
    assert complaint.breached is False


def test_at_the_breach_the_complaint_is_marked_and_the_team_lead_told_once_by_mail_too(
    clock, users, customer, lead, django_capture_on_commit_callbacks
):
    complaint = register(users["manager"], customer)
    clock.set("2026-01-12T11:30")

    with django_capture_on_commit_callbacks(execute=True):
        first = services.sla_check()
        second = services.sla_check()

    complaint.refresh_from_db()
    assert complaint.breached is True
    assert (first.escalations, second.escalations) == (1, 0)
    assert _sent("service.sla_breach") == [("lead", "first_response")]
    assert [m.to for m in mail.outbox] == [["lead@example.com"]]
    assert mail.outbox[0].subject == (
        f"Complaint #{complaint.pk} (Olena) missed its first response deadline of "
        f"12.01.2026 11:00; assigned to {users['manager']}."
    )
    assert list(Complaint.objects.filter(breached=True)) == [complaint]


def test_each_deadline_escalates_separately_and_without_a_lead_to_the_administrators(
    clock, users, customer
):
    second_admin = UserFactory(username="boss", role="admin")
    register(users["agent"], customer)  # the agent is in no team
    clock.set("2026-01-14T14:00")  # past both the answer (Mon 11:00) and resolution (Wed 13:00)

    result = services.sla_check()

    assert (result.breaches, result.escalations) == (2, 4)
    assert _sent("service.sla_breach") == [
        ("admin", "first_response"), ("admin", "resolution"),
        ("boss", "first_response"), ("boss", "resolution"),
    ]  # fmt: skip
    assert second_admin.notifications.count() == 2


def test_a_reopened_complaint_gets_a_new_deadline_and_so_a_new_escalation(
    clock, users, customer, lead, causes
):
    complaint = register(users["manager"], customer, severity="high")  # resolve by Mon 15:00
    services.complaint_change_status(
        actor=users["manager"], complaint=complaint, status="in_progress"
    )
    clock.set("2026-01-12T16:00")
    services.sla_check()
    services.complaint_resolve(
        actor=users["manager"], complaint=complaint, root_cause=causes["process"].pk,
        resolution="Refunded",
    )  # fmt: skip
    clock.set("2026-01-13T09:00")
    services.complaint_reopen(actor=users["manager"], complaint=complaint)  # due Tue 17:00
    clock.set("2026-01-13T17:30")
    services.sla_check()
    services.sla_check()

    keys = sorted(
        Notification.objects.filter(kind="service.sla_breach").values_list("key", flat=True)
    )
    assert keys == [
        f"complaint:{complaint.pk}:resolution:20260112T130000Z:breach:{lead.pk}",
        f"complaint:{complaint.pk}:resolution:20260113T150000Z:breach:{lead.pk}",
    ]


def test_a_reply_on_the_timeline_is_the_first_response(clock, users, customer, lead):
    complaint = register(users["manager"], customer)
    InteractionFactory(contact=customer, channel="email", direction="outbound",
                       occurred_at=at("2026-01-12T10:50"))  # fmt: skip
    InteractionFactory(contact=customer, channel="note", direction="outbound",
                       occurred_at=at("2026-01-12T09:10"))  # a note is no reply  # fmt: skip
    clock.set("2026-01-12T11:30")

    result = services.sla_check()

    complaint.refresh_from_db()
    assert (result.replies, result.escalations) == (1, 0)
    assert (complaint.first_responded_at, complaint.breached) == (at("2026-01-12T10:50"), False)


def test_a_late_reply_records_the_breach(clock, users, customer, lead):
    complaint = register(users["manager"], customer)
    clock.set("2026-01-12T12:00")
    InteractionFactory(contact=customer, channel="phone", direction="outbound",
                       occurred_at=at("2026-01-12T11:45"))  # fmt: skip

    services.sla_check()

    complaint.refresh_from_db()
    assert (complaint.first_responded_at, complaint.breached) == (at("2026-01-12T11:45"), True)
    assert _sent("service.sla_breach") == []  # answered by the time the check ran


def test_resolved_complaints_are_left_alone(clock, users, customer, lead, causes):
    complaint = register(users["manager"], customer)
    services.complaint_resolve(
        actor=users["manager"], complaint=complaint, root_cause=causes["process"].pk,
        resolution="Apologised",
    )  # fmt: skip
    clock.set("2026-02-01T12:00")

    result = services.sla_check()

    assert (result.warnings, result.breaches, result.escalations) == (0, 0, 0)
    complaint.refresh_from_db()
    assert complaint.breached is False


def test_the_check_runs_as_a_periodic_job_through_the_scheduler(clock, users, customer, lead):
    from rapport.core import schedule

    register(users["manager"], customer)
    clock.set("2026-01-12T11:30")

    run = schedule.run_now("service.sla_check")

    assert schedule.get("service.sla_check").every == dt.timedelta(minutes=5)
    assert (run.status, run.error) == ("succeeded", "")
    assert run.result == {"replies": 0, "warnings": 0, "breaches": 1, "escalations": 1}
    assert _sent("service.sla_breach") == [("lead", "first_response")]
