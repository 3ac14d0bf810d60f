"""Fixtures of the service tests: customers, causes and complaints made through the
services (the `clock` fixture is in tests/conftest.py)."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from rapport.service import services
from rapport.service.models import ComplaintCategory, RootCause
from tests.api.conftest import make_contact

VILNIUS = ZoneInfo("Europe/Vilnius")  # the site's zone in settings


def at(text: str) -> dt.datetime:
    """A wall-clock time in the site's zone."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=VILNIUS)


@pytest.fixture
def customer(users):
    """A customer of team North's sales manager, who may be e-mailed."""
    return make_contact(users["manager"], first_name="Olena", email="olena@example.com")


@pytest.fixture
def south_customer(users):
    return make_contact(users["manager2"], first_name="Jonas", email="jonas@example.lt")


@pytest.fixture
def causes(db) -> dict[str, RootCause]:
    supplier = RootCause.objects.create(name="Supplier")
    return {
        "supplier": supplier,
        "overbooked": RootCause.objects.create(name="Hotel overbooked", parent=supplier),
        "process": RootCause.objects.create(name="Our process"),
        "retired": RootCause.objects.create(name="Old reason", is_active=False),
    }


@pytest.fixture
def hotel(db) -> ComplaintCategory:
    return ComplaintCategory.objects.create(name="Hotel")


def register(actor: Any, contact: Any, **data: Any):
    data.setdefault("description", "The room was not the one booked.")
    return services.complaint_register(actor=actor, contact=contact, **data)
