"""`ConsentState` is the newest consent event per contact, channel and purpose, whichever way
the events were written: the service, the ORM's single and bulk writes, a merge moving them,
a deletion, the migration that fills it for existing events. And no module writes the events'
table in SQL of its own, past these guards, without being looked at."""

import datetime as dt
import importlib
import re
from pathlib import Path

import pytest
from django.db import connection

from rapport.contacts import services
from rapport.contacts.models import ConsentEvent, ConsentState
from tests.api.conftest import make_contact

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def derived() -> dict[tuple[int, str, str], tuple[str, dt.datetime]]:
    """The state worked out in Python from every event: the newest, then withdrawal
    ('withdrawn' > 'granted'), then the highest id."""
    newest: dict[tuple[int, str, str], tuple[dt.datetime, str, int]] = {}
    for e in ConsentEvent.objects.all():
        key = (e.contact_id, e.channel, e.purpose)
        newest[key] = max(newest.get(key, (e.at, e.status, e.pk)), (e.at, e.status, e.pk))
    return {key: (status, at) for key, (at, status, _) in newest.items()}


def stored() -> dict[tuple[int, str, str], tuple[str, dt.datetime]]:
    return {
        (s.contact_id, s.channel, s.purpose): (s.status, s.at) for s in ConsentState.objects.all()
    }


def event(
    contact, status: str, at: dt.datetime, channel: str = "email", purpose: str = "marketing"
):
    return ConsentEvent(
        contact=contact, channel=channel, purpose=purpose, status=status, at=at, source="test"
    )


@pytest.fixture
def olena(users):
    return make_contact(users["manager"], first_name="Olena")


@pytest.fixture
def taras(users):
    return make_contact(users["manager"], first_name="Taras")


def test_the_service_keeps_the_newest_event_as_the_state(users, olena):
    record = services.consent_record
    record(actor=users["manager"], contact=olena, channel="email", purpose="marketing",
           status="granted", source="form", at=T0)  # fmt: skip
    assert stored() == {(olena.pk, "email", "marketing"): ("granted", T0)}

    later = T0 + dt.timedelta(days=3)
    record(actor=users["manager"], contact=olena, channel="email", purpose="marketing",
           status="withdrawn", source="call", at=later)  # fmt: skip
    record(actor=users["manager"], contact=olena, channel="sms", purpose="marketing",
           status="granted", source="form", at=T0)  # fmt: skip
    assert stored() == {
        (olena.pk, "email", "marketing"): ("withdrawn", later),
        (olena.pk, "sms", "marketing"): ("granted", T0),
    }


def test_an_older_event_recorded_late_does_not_replace_the_newer(olena):
    event(olena, "granted", T0 + dt.timedelta(days=1)).save()
    event(olena, "withdrawn", T0).save()  # paper form from before, typed in afterwards

    assert stored() == {(olena.pk, "email", "marketing"): ("granted", T0 + dt.timedelta(days=1))}


def test_at_the_same_instant_a_withdrawal_outranks_a_grant_whatever_the_order(olena, taras):
    event(olena, "withdrawn", T0).save()
    event(olena, "granted", T0).save()
    ConsentEvent.objects.bulk_create([event(taras, "granted", T0), event(taras, "withdrawn", T0)])

    assert stored() == {
        (olena.pk, "email", "marketing"): ("withdrawn", T0),
        (taras.pk, "email", "marketing"): ("withdrawn", T0),
    }
    assert stored() == derived()


def test_a_bulk_insert_sets_the_state_of_every_contact_it_names(olena, taras):
    ConsentEvent.objects.bulk_create(
        [
            event(olena, "granted", T0),
            event(olena, "withdrawn", T0 + dt.timedelta(hours=1)),
            event(taras, "granted", T0, channel="phone", purpose="service"),
        ]
    )

    assert stored() == {
        (olena.pk, "email", "marketing"): ("withdrawn", T0 + dt.timedelta(hours=1)),
        (taras.pk, "phone", "service"): ("granted", T0),
    }


def test_deleting_events_falls_back_to_the_one_before_then_to_none(olena):
    event(olena, "granted", T0).save()
    newest = event(olena, "withdrawn", T0 + dt.timedelta(days=1))
    newest.save()

    newest.delete()
    assert stored() == {(olena.pk, "email", "marketing"): ("granted", T0)}
    ConsentEvent.objects.filter(contact=olena).delete()
    assert stored() == {}


def test_moving_events_to_another_contact_rewrites_both_states(olena, taras):
    event(olena, "granted", T0).save()
    event(taras, "withdrawn", T0 - dt.timedelta(days=1)).save()

    ConsentEvent.objects.filter(contact=olena).update(contact=taras)

    assert stored() == {(taras.pk, "email", "marketing"): ("granted", T0)}


def test_a_merge_keeps_the_newest_consent_of_the_two_contacts(users, olena, taras):
    event(olena, "granted", T0).save()  # the winner granted first …
    event(taras, "withdrawn", T0 + dt.timedelta(days=2)).save()  # … the duplicate withdrew
    event(taras, "granted", T0, channel="sms").save()

    services.contact_merge(actor=users["admin"], winner=olena, loser=taras)

    assert stored() == {
        (olena.pk, "email", "marketing"): ("withdrawn", T0 + dt.timedelta(days=2)),
        (olena.pk, "sms", "marketing"): ("granted", T0),
    }


def test_deleting_a_contact_deletes_its_state(olena, taras):
    event(olena, "granted", T0).save()
    event(taras, "granted", T0).save()

    olena.delete()

    assert stored() == {(taras.pk, "email", "marketing"): ("granted", T0)}


def test_the_migration_fills_the_state_of_existing_events_as_the_writes_keep_it(olena, taras):
    ConsentEvent.objects.bulk_create(
        [
            event(olena, "granted", T0),
            event(olena, "withdrawn", T0),
            event(olena, "granted", T0 - dt.timedelta(days=9), channel="post", purpose="service"),
            event(taras, "withdrawn", T0),
            event(taras, "granted", T0 + dt.timedelta(seconds=1)),
        ]
    )
    kept = stored()
    ConsentState.objects.all().delete()  # as before the migration: events only

    migration = importlib.import_module("rapport.contacts.migrations.0010_consent_state")
    with connection.cursor() as cursor:
        cursor.execute(migration.FILL)

    assert stored() == kept == derived()
    assert len(kept) == 3


# Modules that name the consent events' table in SQL of their own: each only reads it, or
# writes the state with the events (the demo loader: tests/demo checks its states). A module
# that is not listed here and writes that table behind the ORM's back would leave the state
# behind: this test makes its author come here and look.
RAW_SQL_ON_EVENTS = {
    "rapport/demo/generate.py": "inserts events and their ConsentState rows side by side",
    "rapport/campaigns/eligibility.py": "reads: the hand-off re-checks the newest event",
    "rapport/bench/launch.py": "reads: a benchmark's hand-written SQL",
    "rapport/bench/segments.py": "reads: the check that the state is the events'",
}
NAMES_THE_TABLE = re.compile(r"contacts_consentevent|ConsentEvent\._meta|\(ConsentEvent\)")


def test_no_module_writes_consent_events_behind_the_state():
    src = Path(__file__).resolve().parents[2] / "src"
    naming = {
        str(path.relative_to(src))
        for path in src.rglob("*.py")
        if "migrations" not in path.parts and NAMES_THE_TABLE.search(path.read_text())
    }

    assert naming == set(RAW_SQL_ON_EVENTS)
