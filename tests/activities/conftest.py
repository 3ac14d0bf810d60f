"""Activities' test set-up: customers of team North and South, and `plan()`, which plans an
activity through the service."""

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from rapport.activities import services
from rapport.activities.models import Activity
from rapport.contacts import services as contacts


@pytest.fixture
def olena(users):
    """A customer of `manager` (team North)."""
    return contacts.contact_create(
        actor=users["manager"], data={"first_name": "Olena", "last_name": "Koval"}
    )


@pytest.fixture
def jonas(users):
    """A customer of `manager2` (team South)."""
    return contacts.contact_create(
        actor=users["manager2"], data={"first_name": "Jonas", "last_name": "Petraitis"}
    )


def soon(days: int = 2, hour: int = 10) -> dt.datetime:
    """A time a few days ahead, on the hour, in UTC."""
    base = timezone.now().astimezone(dt.UTC) + dt.timedelta(days=days)
    return base.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def plan(users):
    """plan(actor="manager", subject=..., **data) → an activity planned through the service."""

    def make(actor: str = "manager", **data: Any) -> Activity:
        data.setdefault("subject", "Call about the offer")
        data.setdefault("due_at", soon())
        return services.activity_create(actor=users[actor], data=data)

    return make


def weekly_with_two_done(user: Any, contact: Any) -> Activity:
    """Monday 09:00 calls in Vilnius from 15 March 2027 (the clocks move on the 28th), four
    of them (FREQ=WEEKLY;COUNT=4); the first two done ("First", "Second")."""
    activity = services.activity_create(
        actor=user,
        data={"subject": "Weekly call", "contact": contact.pk, "due_at": "2027-03-15T09:00",
              "time_zone": "Europe/Vilnius", "recurrence": "FREQ=WEEKLY;COUNT=4"},
    )  # fmt: skip
    for outcome in ("First", "Second"):
        services.activity_complete(actor=user, activity=activity, outcome=outcome)
    return Activity.objects.get(pk=activity.pk)
