"""Planning, changing, completing (with the next step), cancelling and rescheduling activities:
what is stored, what reaches the timeline, and a clear message for every bad input."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from rapport.activities import selectors, services
from rapport.activities.models import Activity, ActivityReminder
from rapport.core.errors import Conflict
from rapport.timeline.models import Interaction
from tests.activities.conftest import soon
from tests.api.sales_data import make_deal, make_pipeline
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VILNIUS = ZoneInfo("Europe/Vilnius")
UTC = dt.UTC


def errors_of(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        call()
    return caught.value.message_dict


def test_plan_a_call_with_reminders_in_the_assignees_zone(users, olena, plan):
    users["manager"].time_zone = "Europe/Kyiv"
    users["manager"].save()
    due = soon(days=3)

    call = plan(contact=olena.pk, due_at=due, duration_minutes=20, reminders=[15, 1440, 15])

    call.refresh_from_db()
    assert (call.kind, call.status, call.assignee, call.contact, call.created_by) == (
        "call", "planned", users["manager"], olena, users["manager"],
    )  # fmt: skip
    assert (call.due_at, call.time_zone, call.duration_minutes) == (due, "Europe/Kyiv", 20)
    assert list(call.reminders.values_list("minutes_before", flat=True)) == [1440, 15]
    assert (call.recurrence, call.starts_at, call.occurrence_at) == ("", None, None)


def test_a_wall_clock_time_without_offset_is_taken_in_the_activitys_zone(users, plan):
    call = plan(due_at=dt.datetime(2027, 7, 1, 9, 30), time_zone="America/New_York")

    assert call.due_at == dt.datetime(2027, 7, 1, 13, 30, tzinfo=UTC)


def test_a_deal_brings_its_customer(users, olena, plan):
    make_pipeline()
    deal = make_deal(users["manager"], olena)

    meeting = plan(kind="meeting", deal=deal.pk)

    assert (meeting.deal, meeting.contact) == (deal, olena)


def test_weekly_nine_oclock_series_across_spring_and_autumn_dst(users, olena, plan):
    """Completing each occurrence records it as a row of its own and moves the series on; its
    wall-clock time stays 09:00 in Vilnius while the UTC time moves by an hour."""
    spring = plan(
        contact=olena.pk,
        due_at=dt.datetime(2027, 3, 21, 9, 0),
        time_zone="Europe/Vilnius",
        recurrence="FREQ=WEEKLY;COUNT=3",
    )
    autumn = plan(
        contact=olena.pk,
        due_at=dt.datetime(2027, 10, 24, 9, 0),
        time_zone="Europe/Vilnius",
        recurrence="FREQ=WEEKLY;COUNT=2",
    )

    done = []
    for _ in range(3):
        completion = services.activity_complete(
            actor=users["manager"], activity=spring, outcome="Talked"
        )
        done.append(completion.done)
        spring.refresh_from_db()

    assert [d.due_at for d in done] == [
        dt.datetime(2027, 3, 21, 7, tzinfo=UTC),  # 09:00 EET (+02:00)
        dt.datetime(2027, 3, 28, 6, tzinfo=UTC),  # 09:00 EEST (+03:00), the change's Sunday
        dt.datetime(2027, 4, 4, 6, tzinfo=UTC),
    ]
    assert [d.due_at.astimezone(VILNIUS).strftime("%H:%M") for d in done] == ["09:00"] * 3
    # the first two were split off the series; the last completed the series itself
    assert [d.series_id for d in done] == [spring.pk, spring.pk, None]
    assert done[2].pk == spring.pk
    assert (spring.status, spring.outcome) == ("done", "Talked")
    assert Activity.objects.filter(status="done", contact=olena).count() == 3
    assert selectors.occurrences(
        autumn, dt.datetime(2027, 10, 1, tzinfo=UTC), dt.datetime(2027, 12, 1, tzinfo=UTC)
    ) == [dt.datetime(2027, 10, 24, 6, tzinfo=UTC), dt.datetime(2027, 10, 31, 7, tzinfo=UTC)]


def test_a_series_starts_on_its_first_occurrence(users, plan):
    # planned from Monday 22 March 2027 for "every Tuesday"
    series = plan(due_at=dt.datetime(2027, 3, 22, 9), time_zone="Europe/Vilnius",
                  recurrence="freq=weekly;byday=tu")  # fmt: skip

    assert series.recurrence == "FREQ=WEEKLY;BYDAY=TU"
    assert series.due_at == series.starts_at == series.occurrence_at
    assert series.due_at == dt.datetime(2027, 3, 23, 7, tzinfo=UTC)


def test_completing_records_the_outcome_on_the_timeline_and_plans_the_next_step(users, olena, plan):
    call = plan(contact=olena.pk, duration_minutes=10, reminders=[15])
    next_due = soon(days=9)

    completion = services.activity_complete(
        actor=users["manager"],
        activity=call,
        outcome="Wants Crete in June",
        next_step={"subject": "Send the offer", "due_at": next_due, "kind": "email"},
    )

    call.refresh_from_db()
    assert (call.status, call.outcome) == ("done", "Wants Crete in June")
    assert call.completed_at is not None
    assert (completion.done, completion.series) == (call, None)
    entry = Interaction.objects.get(contact=olena, kind="activity.completed")
    assert (entry.channel, entry.body, entry.duration_seconds, entry.source_id) == (
        "phone", "Wants Crete in June", 600, call.pk,
    )  # fmt: skip
    with translation.override("en"):
        assert entry.text == "Call done: Call about the offer"
    step = completion.next_step
    assert step is not None
    assert (step.kind, step.subject, step.contact, step.assignee, step.due_at) == (
        "email", "Send the offer", olena, users["manager"], next_due,
    )  # fmt: skip


def test_an_invalid_next_step_completes_nothing_and_names_its_fields(users, olena, plan):
    call = plan(contact=olena.pk)

    errors = errors_of(
        lambda: services.activity_complete(
            actor=users["manager"], activity=call, outcome="ok",
            next_step={"subject": "", "due_at": None},
        )
    )  # fmt: skip

    assert set(errors) == {"next_step.subject", "next_step.due_at"}
    call.refresh_from_db()
    assert call.status == "planned"
    assert not Interaction.objects.filter(kind="activity.completed").exists()
    assert Activity.objects.count() == 1


def test_completing_twice_is_a_conflict(users, plan):
    call = plan()
    services.activity_complete(actor=users["manager"], activity=call)

    with pytest.raises(Conflict):
        services.activity_complete(actor=users["manager"], activity=call)


def test_skipping_one_occurrence_and_cancelling_a_series(users, plan):
    series = plan(due_at=dt.datetime(2027, 5, 3, 10), time_zone="Europe/Vilnius",
                  recurrence="FREQ=DAILY")  # fmt: skip

    services.activity_cancel(actor=users["manager"], activity=series, occurrence_only=True)
    series.refresh_from_db()
    skipped = Activity.objects.get(series=series)

    assert (skipped.status, skipped.due_at) == ("cancelled", dt.datetime(2027, 5, 3, 7, tzinfo=UTC))
    assert (series.status, series.due_at) == ("planned", dt.datetime(2027, 5, 4, 7, tzinfo=UTC))

    services.activity_cancel(actor=users["manager"], activity=series)
    series.refresh_from_db()
    assert series.status == "cancelled"
    assert series.completed_at is not None


def test_rescheduling_moves_one_occurrence_and_skips_reminders_now_past(users, plan):
    series = plan(due_at=dt.datetime(2027, 5, 3, 10), time_zone="Europe/Vilnius",
                  recurrence="FREQ=WEEKLY", reminders=[60])  # fmt: skip
    before = ActivityReminder.objects.get(activity=series).active_from

    services.activity_reschedule(
        actor=users["manager"], activity=series, due_at=dt.datetime(2027, 5, 3, 15)
    )
    series.refresh_from_db()
    services.activity_complete(actor=users["manager"], activity=series)
    series.refresh_from_db()

    assert ActivityReminder.objects.get(activity=series).active_from >= before
    # the moved occurrence kept its place in the rule: the next one is the following Monday 10:00
    assert series.due_at == dt.datetime(2027, 5, 10, 7, tzinfo=UTC)
    assert Activity.objects.get(series=series).due_at == dt.datetime(2027, 5, 3, 12, tzinfo=UTC)


def test_editing_a_series_without_changing_its_time_keeps_its_place(users, plan):
    series = plan(due_at=dt.datetime(2027, 5, 3, 10), time_zone="Europe/Vilnius",
                  recurrence="FREQ=DAILY;COUNT=3")  # fmt: skip
    services.activity_complete(actor=users["manager"], activity=series)
    series.refresh_from_db()

    services.activity_update(
        actor=users["manager"],
        activity=series,
        data={
            "subject": "Daily check",
            "due_at": series.due_at,
            "recurrence": "freq=daily;count=3",
        },
    )
    series.refresh_from_db()

    assert series.subject == "Daily check"
    assert series.starts_at == dt.datetime(2027, 5, 3, 7, tzinfo=UTC)
    assert series.occurrence_at == dt.datetime(2027, 5, 4, 7, tzinfo=UTC)


def test_a_closed_activity_keeps_its_details_but_its_notes_can_be_corrected(users, plan):
    call = plan()
    services.activity_complete(actor=users["manager"], activity=call, outcome="Booked")

    errors = errors_of(
        lambda: services.activity_update(
            actor=users["manager"], activity=call, data={"due_at": soon(5)}
        )
    )
    services.activity_update(
        actor=users["manager"], activity=call, data={"outcome": "Booked for two", "notes": "VIP"}
    )
    call.refresh_from_db()

    assert errors == {"due_at": ["A closed activity keeps this; plan a new one instead."]}
    assert (call.outcome, call.notes) == ("Booked for two", "VIP")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"due_at": "2027-02-30T10:00"}, "due_at", "Give a date and time like"),
        ({"due_at": None}, "due_at", "Give the date and time it is due."),
        ({"due_at": "3027-01-01T10:00+00:00"}, "due_at", "between the years 1900 and 2999"),
        # 03:30 does not exist on 28 March 2027 in Vilnius: the clocks jump from 03:00 to 04:00
        ({"due_at": dt.datetime(2027, 3, 28, 3, 30), "time_zone": "Europe/Vilnius"}, "due_at",
         "does not exist on"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "“Mars/Olympus” is not a time zone we know"),
        ({"recurrence": "FREQ=FORTNIGHTLY"}, "recurrence", "FREQ must be DAILY, WEEKLY"),
        ({"recurrence": "FREQ=WEEKLY;BYDAY=XX"}, "recurrence", "“XX” is not a valid BYDAY"),
        ({"recurrence": "every monday"}, "recurrence", "NAME=VALUE parts"),
        ({"recurrence": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "recurrence", "never happens"),
        ({"duration_minutes": -5}, "duration_minutes", "A duration cannot be negative."),
        ({"duration_minutes": "an hour"}, "duration_minutes", "whole minutes"),
        ({"reminders": [15, "soon"]}, "reminders", "“soon” is not a number of minutes."),
        ({"reminders": [-10]}, "reminders", "A reminder comes 0 to 40320 minutes"),
        ({"reminders": 15}, "reminders", "Give reminders as a list"),
        ({"kind": "fax"}, "kind", "Choose from: call, meeting, task, email."),
        ({"subject": "  "}, "subject", "Say what is to be done"),
        ({"assignee": 10**6}, "assignee", "Choose an active user who can be given work."),
        ({"contact": 10**6}, "contact", "Choose a customer you can see."),
    ],
)  # fmt: skip
def test_bad_input_gets_a_clear_message_on_its_field(users, plan, data, field, message):
    errors = errors_of(lambda: plan(**data))

    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert Activity.objects.count() == 0


def test_a_reminder_already_past_for_a_one_off_is_refused_naming_it(users, plan):
    due = timezone.now() + dt.timedelta(hours=3)

    errors = errors_of(lambda: plan(due_at=due, reminders=[15, 1440, 240]))

    assert len(errors["reminders"]) == 2
    assert errors["reminders"][0].startswith("The reminder 1 day before would come at ")
    assert errors["reminders"][1].startswith("The reminder 4 hours before would come at ")
    assert errors["reminders"][0].endswith("which has already passed; remove it or choose a "
                                           "shorter one.")  # fmt: skip


def test_a_series_accepts_a_reminder_its_first_occurrence_is_too_close_for(users, plan):
    series = plan(due_at=timezone.now() + dt.timedelta(hours=3), recurrence="FREQ=WEEKLY",
                  reminders=[1440])  # fmt: skip

    reminder = series.reminders.get()
    # owed only from when it was set: the first occurrence's, already past, is skipped
    assert reminder.active_from > series.due_at - dt.timedelta(minutes=1440)


def test_the_assignee_must_be_able_to_work_with_the_customer(users, olena, plan):
    assert "cannot work with this customer" in " ".join(
        errors_of(lambda: plan(contact=olena.pk, assignee=users["manager2"].pk))["assignee"]
    )
    # the read-only analyst is given no work at all
    assert errors_of(lambda: plan(contact=olena.pk, assignee=users["analyst"].pk)) == {
        "assignee": ["Choose an active user who can be given work."]
    }
    # a team mate may
    assert (
        plan(contact=olena.pk, assignee=users["manager_mate"].pk).assignee == users["manager_mate"]
    )


def test_a_deal_of_another_customer_is_refused(users, olena, plan):
    make_pipeline()
    other = make_deal(users["manager"], _customer(users))

    errors = errors_of(lambda: plan(contact=olena.pk, deal=other.pk))

    assert errors == {"deal": ["This deal is another customer's."]}


def _customer(users):
    from rapport.contacts import services as contacts

    return contacts.contact_create(actor=users["manager"], data={"first_name": "Rasa"})


def test_a_task_given_to_someone_one_cannot_follow_is_refused(users, plan):
    errors = errors_of(lambda: plan(assignee=users["manager2"].pk))

    assert errors["assignee"][0].startswith("You would not see this activity afterwards")


@pytest.mark.parametrize(
    ("role", "may_change"),
    [("admin", True), ("manager", True), ("manager_mate", True), ("manager2", False),
     ("marketer", False), ("agent", False), ("analyst", False)],
)  # fmt: skip
def test_who_may_complete_a_managers_call(users, olena, plan, role, may_change):
    call = plan(contact=olena.pk)

    if may_change:
        services.activity_complete(actor=users[role], activity=call)
        call.refresh_from_db()
        assert call.status == "done"
    else:
        with pytest.raises(PermissionError):
            services.activity_complete(actor=users[role], activity=call)


def test_marketers_and_agents_work_their_own_activities(users, olena, plan):
    mine = plan("agent", contact=olena.pk)
    theirs = plan(contact=olena.pk)

    assert selectors.can(users["agent"], "change", mine) is True
    assert selectors.can(users["agent"], "change", theirs) is False
    assert set(selectors.activities_for(users["agent"])) == {mine, theirs}
    assert set(selectors.activities_for(users["agent"], "change")) == {mine}
    assert set(selectors.activities_for(users["analyst"], "change")) == set()
    with pytest.raises(PermissionError):
        plan("analyst")


def test_a_sales_manager_sees_their_teams_customers_activities_and_their_own(
    users, olena, jonas, plan
):
    north = plan(contact=olena.pk)
    south = plan("manager2", contact=jonas.pk)
    mates_task = plan("manager_mate")
    # the customer moved to team South, but the call is still North's manager's to make
    handed = plan(contact=_customer(users).pk)
    handed.contact.owner = users["manager2"]
    handed.contact.save()

    assert set(selectors.activities_for(users["manager"])) == {north, mates_task, handed}
    assert set(selectors.activities_for(users["manager2"])) == {south, handed}


def test_only_an_active_owner_role_may_be_assigned(users, plan):
    gone = UserFactory(username="gone", is_active=False)

    errors = errors_of(lambda: plan(assignee=gone.pk))

    assert errors == {"assignee": ["Choose an active user who can be given work."]}
