"""The automation benchmarks on a small set: both sides reach the same result (they refuse to
report otherwise), and a second pass finds nothing left to do."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.bench import automation as bench
from rapport.bench.harness import Bench
from rapport.contacts.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def test_the_order_storm_matches_the_hand_written_sql():
    ContactFactory.create_batch(30)
    [row] = bench.trigger_storm(Bench(contacts=30))
    assert row.metric == (
        "order storm: 30 events → 30 runs + 30 first steps (same runs, steps and tags as the SQL)"
    )
    assert (row.unit, row.target) == ("s", bench.STORM_TARGET_S * 30 / bench.STORM)
    assert row.baseline is not None
    assert Contact.objects.filter(tags__name=bench.TAG).count() == 30


def test_the_birthday_scan_matches_the_hand_written_sql():
    day = timezone.localdate() + dt.timedelta(days=7)
    for year in (1970, 1985, 2001):
        ContactFactory(birth_date=day.replace(year=year))
    ContactFactory(birth_date=(day + dt.timedelta(days=1)).replace(year=1990))
    ContactFactory(birth_date=None)
    [row] = bench.birthday_scan(Bench(contacts=5))
    assert row.metric == "birthday scan, 7 days ahead (3 contacts; same as the SQL)"
