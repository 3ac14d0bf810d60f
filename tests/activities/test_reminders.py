"""Delivering reminders: once per (reminder, occurrence), late with a note, skipped when the
occurrence is long past, across daylight saving, with one e-mail copy, worded for the reader."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone, translation

from rapport.activities.jobs import deliver_reminders
from rapport.activities.models import ReminderDelivery
from rapport.activities.services.reminders import deliver_due, reminder_key
from rapport.core import notifications
from rapport.core.models import Notification

pytestmark = pytest.mark.django_db
UTC = dt.UTC
VILNIUS = ZoneInfo("Europe/Vilnius")


def at(moment: dt.datetime, minutes: int = 0) -> dt.datetime:
    return moment + dt.timedelta(minutes=minutes)


def test_a_reminder_is_delivered_once_when_its_time_comes(users, olena, plan):
    due = dt.datetime(2027, 5, 4, 11, 30, tzinfo=UTC)
    call = plan(contact=olena.pk, due_at=due, reminders=[15])
    [reminder] = call.reminders.all()

    assert deliver_due(at(due, -16)).sent == 0
    assert deliver_due(at(due, -15)).as_dict() == {"sent": 1, "late": 0, "skipped": 0}
    assert deliver_due(at(due, -14)).sent == 0  # a second run finds it delivered

    [note] = Notification.objects.all()
    assert note.key == reminder_key(reminder.pk, due) == f"reminder:{reminder.pk}:2027-05-04T11:30Z"
    assert note.user == users["manager"]
    assert note.url == f"/activities/{call.pk}/"
    [delivery] = ReminderDelivery.objects.all()
    assert (delivery.reminder, delivery.occurrence_at, delivery.late, delivery.notification) == (
        reminder,
        due,
        False,
        note,
    )
    with translation.override("en"), timezone.override(VILNIUS):
        assert notifications.text(note) == "Call Olena Koval at 14:30 (in 15 minutes)"


def test_a_reminder_whose_time_passed_while_nothing_ran_is_delivered_late_with_a_note(olena, plan):
    due = dt.datetime(2027, 5, 4, 7, 0, tzinfo=UTC)
    plan(contact=olena.pk, due_at=due, reminders=[15], kind="meeting")

    assert deliver_due(at(due, 30)).as_dict() == {"sent": 1, "late": 1, "skipped": 0}

    [note] = Notification.objects.all()
    assert ReminderDelivery.objects.get().late is True
    with translation.override("en"), timezone.override(VILNIUS):
        assert notifications.text(note).endswith("(was due at 09:45)")
        assert notifications.text(note).startswith("Meeting with Olena Koval at ")


def test_a_reminder_of_an_occurrence_long_past_is_recorded_as_skipped_not_sent(olena, plan):
    due = dt.datetime(2027, 5, 4, 7, 0, tzinfo=UTC)
    plan(contact=olena.pk, due_at=due, reminders=[15, 60])

    assert deliver_due(at(due, 25 * 60)).as_dict() == {"sent": 0, "late": 0, "skipped": 2}
    assert deliver_due(at(due, 26 * 60)).as_dict() == {"sent": 0, "late": 0, "skipped": 0}

    assert Notification.objects.count() == 0
    assert sorted(ReminderDelivery.objects.values_list("late", "notification")) == [
        (True, None),
        (True, None),
    ]


def test_a_weekly_0900_vilnius_reminder_follows_the_wall_clock_across_the_spring_change(plan):
    # Mondays 22 and 29 March 2027 at 09:00 in Vilnius: 07:00 UTC before the last Sunday of
    # March (28th), 06:00 UTC after it. The reminder is at 08:45 local both times.
    series = plan(
        due_at=dt.datetime(2027, 3, 22, 9),
        time_zone="Europe/Vilnius",
        recurrence="FREQ=WEEKLY;COUNT=3",
        reminders=[15],
    )
    [reminder] = series.reminders.all()
    before = dt.datetime(2027, 3, 22, 7, 0, tzinfo=UTC)
    after = dt.datetime(2027, 3, 29, 6, 0, tzinfo=UTC)

    assert deliver_due(at(before, -15)).sent == 1
    # the first occurrence was not completed: the series' next one is expanded from its rule
    assert deliver_due(at(after, -16)).sent == 0
    assert deliver_due(at(after, -15)).as_dict() == {"sent": 1, "late": 0, "skipped": 0}

    assert list(
        ReminderDelivery.objects.order_by("occurrence_at").values_list("occurrence_at", flat=True)
    ) == [before, after]
    assert Notification.objects.filter(key=reminder_key(reminder.pk, after)).exists()
    note = Notification.objects.get(key=reminder_key(reminder.pk, after))
    assert dt.datetime.fromisoformat(note.params["due_at"]).astimezone(VILNIUS).hour == 9


def test_a_reminder_set_after_its_time_had_passed_is_not_owed(olena, plan):
    call = plan(contact=olena.pk, due_at=timezone.now() + dt.timedelta(minutes=30))
    call.reminders.create(minutes_before=60, active_from=timezone.now())

    assert deliver_due(timezone.now()).as_dict() == {"sent": 0, "late": 0, "skipped": 0}


def test_the_email_copy_is_sent_once_in_the_recipients_language_and_zone(
    users, olena, plan, django_capture_on_commit_callbacks
):
    manager = users["manager"]
    manager.email, manager.language, manager.time_zone = "m@example.com", "en", "Europe/Vilnius"
    manager.save()
    due = dt.datetime(2027, 5, 4, 11, 30, tzinfo=UTC)
    plan(contact=olena.pk, due_at=due, reminders=[15])

    with django_capture_on_commit_callbacks(execute=True):
        deliver_due(at(due, -15))
        deliver_due(at(due, -14))

    [message] = mail.outbox
    assert message.to == ["m@example.com"]
    assert message.subject == "Call Olena Koval at 14:30 (in 15 minutes)"
    assert Notification.objects.get().emailed_at is not None


def test_done_activities_are_not_reminded(users, olena, plan):
    from rapport.activities import services

    due = dt.datetime(2027, 5, 4, 11, 30, tzinfo=UTC)
    call = plan(contact=olena.pk, due_at=due, reminders=[15])
    services.activity_complete(actor=users["manager"], activity=call, outcome="Done early")

    assert deliver_due(at(due, -15)).sent == 0


def test_the_periodic_job_delivers_what_is_due_now(olena, plan):
    call = plan(contact=olena.pk, due_at=timezone.now() + dt.timedelta(minutes=20))
    call.reminders.create(minutes_before=21, active_from=timezone.now() - dt.timedelta(minutes=5))

    assert deliver_reminders() == {"sent": 1, "late": 0, "skipped": 0}
