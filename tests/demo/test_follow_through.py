"""`rapport demo` gives every login a living follow-through and service side: "my day" with
overdue, today's and coming work, a calendar, a weekly series, done work on the timeline,
complaints in every status (some past their SLA, some within) with root causes and answered
satisfaction surveys, and a root-cause report with something in it."""

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from rapport.accounts.models import Role, User
from rapport.activities.models import Activity, ActivityReminder, ActivityStatus
from rapport.demo.follow_through import AGENT_DAY
from rapport.service.models import OPEN_STATUSES, Complaint, ComplaintStatusChange, Survey
from rapport.timeline.models import Interaction

pytestmark = pytest.mark.django_db

MANAGERS = 6


@pytest.fixture
def demo(db):
    call_command("demo", size="tiny", seed=7, stdout=io.StringIO(), verbosity=0)


def _login(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_every_manager_and_agent_has_a_working_day(demo):
    workers = User.objects.filter(role__in=[Role.SALES_MANAGER, Role.SERVICE_AGENT])
    assert workers.count() == MANAGERS + 1
    for user in workers:
        client = _login(user.username)
        response = client.get("/my-day/")
        month = client.get("/calendar/", {"view": "month"})

        day = response.context["day"]
        assert response.status_code == 200
        assert day.overdue_count >= 2, user.username
        assert len(day.today) >= 2, user.username
        assert len(day.upcoming) >= 2, user.username
        # this month's calendar has at least today's work on it (whatever day of the month)
        shown = sum(len(items) for _day, items in month.context["days"])
        assert month.status_code == 200
        assert shown >= len(day.today) >= 2, user.username


def test_an_agents_follow_ups_come_after_their_complaints(demo):
    agent = User.objects.get(username="agent")
    follow_ups = Activity.objects.filter(assignee=agent, complaint__isnull=False)

    # each of the agent's day (their past year's complaints are old enough for any slot)
    assert follow_ups.count() == len(AGENT_DAY)
    early = [
        (a.subject, a.due_at, a.complaint.created_at)
        for a in follow_ups.select_related("complaint")
        if a.due_at <= a.complaint.created_at
    ]
    assert early == []


def test_a_manager_plans_fourteen_activities_a_series_and_its_done_occurrences(demo):
    manager = User.objects.get(username="manager")
    mine = Activity.objects.filter(assignee=manager)

    series = mine.exclude(recurrence="").get()
    assert series.recurrence == "FREQ=WEEKLY;COUNT=12"
    assert series.status == ActivityStatus.PLANNED
    assert series.due_at >= timezone.now() - dt.timedelta(minutes=5)
    occurrences = list(series.past_occurrences.order_by("due_at"))
    assert len(occurrences) in (3, 4)  # three weeks back, and today's when it is past 09:30
    assert {o.status for o in occurrences} == {ActivityStatus.DONE}
    assert all(o.outcome for o in occurrences)
    assert Counter(mine.filter(series__isnull=True).values_list("status", flat=True)) == {
        "planned": 11,
        "done": 3,
        "cancelled": 1,
    }
    # reminders only on what is still ahead, and the deals' activities on the deal's customer
    reminded = ActivityReminder.objects.filter(activity__assignee=manager)
    assert reminded.count() == 10
    assert not reminded.filter(activity__due_at__lt=timezone.now() - dt.timedelta(minutes=5))
    for activity in mine.filter(deal__isnull=False).select_related("deal"):
        assert activity.contact_id == activity.deal.contact_id


def test_done_activities_are_on_their_customers_timelines(demo):
    done = Activity.objects.filter(status=ActivityStatus.DONE)
    recorded = set(
        Interaction.objects.filter(kind="activity.completed").values_list("source_id", flat=True)
    )

    assert done.count() >= MANAGERS * 6
    assert set(done.values_list("pk", flat=True)) == recorded


def test_complaints_in_every_status_with_their_history_and_surveys(demo):
    complaints = Complaint.objects.all()

    assert dict(Counter(complaints.values_list("status", flat=True))) == {
        "new": 2 * MANAGERS,
        "in_progress": 2 * MANAGERS + 2,  # two reopened after a low score
        "waiting": MANAGERS,
        "resolved": 3 * MANAGERS - 2,
        "closed": 3 * MANAGERS,
    }
    open_ = complaints.filter(status__in=OPEN_STATUSES)
    now = timezone.now()
    assert {c.is_breached(now) for c in open_.filter(severity="critical")} == {True}
    fresh = open_.filter(severity="low", created_at__gte=now - dt.timedelta(days=1))
    assert fresh.count() == 2 * MANAGERS
    assert {c.is_breached(now) for c in fresh} == {False}
    done = complaints.exclude(status__in=OPEN_STATUSES)
    assert not done.filter(root_cause__isnull=True).exists()
    assert not done.filter(resolution="").exists()
    assert not complaints.filter(category__isnull=True).exists()
    # every complaint's history starts with its registration and ends at its status
    for complaint in complaints.prefetch_related("history"):
        steps = list(complaint.history.all())
        assert steps[0].from_status == ""
        assert steps[-1].to_status == complaint.status
    assert ComplaintStatusChange.objects.filter(to_status="new").count() == complaints.count()
    answered = Survey.objects.exclude(score=None)
    assert answered.count() == 5 * MANAGERS
    assert Survey.objects.filter(score=None, answered_at=None).count() == MANAGERS
    scores = dict(complaints.exclude(satisfaction=None).values_list("pk", "satisfaction"))
    assert scores == dict(answered.values_list("subject_id", "score"))
    assert complaints.filter(satisfaction__lte=2, status="in_progress").count() == 2
    registered = Interaction.objects.filter(kind="complaint.registered")
    assert set(registered.values_list("source_id", flat=True)) == set(
        complaints.values_list("pk", flat=True)
    )


def test_every_login_sees_complaints_and_a_root_cause_report(demo):
    for username in ("admin", "manager", "manager2", "marketer", "agent", "analyst"):
        client = _login(username)

        listed = client.get("/complaints/")
        report = client.get("/complaints/root-causes/")

        assert listed.status_code == 200, username
        assert listed.context["count"] > 0, username
        assert report.status_code == 200, username
        assert report.context["figures"]["with_cause"] > 0, username
    # a manager sees their team's customers' complaints only
    listed = _login("manager2").get("/complaints/", {"status": "new"})
    vilnius = Complaint.objects.filter(status="new", contact__owner__team__name="Vilnius office")
    assert {c.pk for c in listed.context["page"].items} == set(vilnius.values_list("pk", flat=True))
    assert vilnius.count() == 2 * 3  # manager2, lukas and egle


def test_the_agent_follows_up_the_complaints_they_work(demo):
    agent = User.objects.get(username="agent")
    worked = set(Complaint.objects.filter(assignee=agent).values_list("contact_id", flat=True))
    plans = Activity.objects.filter(assignee=agent)

    assert plans.count() == 8
    assert set(plans.values_list("contact_id", flat=True)) <= worked
    # each follows up one of the agent's complaints, on that complaint's customer
    for plan in plans.select_related("complaint"):
        assert plan.complaint is not None
        assert plan.complaint.assignee_id == agent.pk
        assert plan.complaint.contact_id == plan.contact_id
    assert Complaint.objects.values("assignee").annotate(n=Count("id")).count() == MANAGERS + 1
