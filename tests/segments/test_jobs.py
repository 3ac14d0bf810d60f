"""The refresh job: runs after an analytics refresh finished, and at least daily."""

import datetime as dt

import pytest

from rapport.analytics.models import AnalyticsRun
from rapport.segments import jobs, services
from rapport.segments.models import Segment, SegmentSnapshot
from tests.api.conftest import make_contact

pytestmark = pytest.mark.django_db


def _run(finished: dt.datetime) -> None:
    AnalyticsRun.objects.create(kind="customers", as_of=finished.date(), computed_at=finished,
                                seconds=1, status="done", finished_at=finished)  # fmt: skip


def test_segments_refresh_after_an_analytics_refresh_and_daily(users, clock):
    make_contact(users["manager"], first_name="Olena", city="Vilnius")
    services.segment_create(
        actor=users["marketer"],
        data={"name": "Vilnius", "rule": {"field": "city", "op": "eq", "value": "Vilnius"}},
    )

    first = jobs.refresh_segments()  # never refreshed: due
    clock.set("2026-01-09T16:15")
    idle = jobs.refresh_segments()
    _run(clock.set("2026-01-09T16:20"))
    clock.set("2026-01-09T16:30")
    after_analytics = jobs.refresh_segments()
    clock.set("2026-01-10T16:29")
    quiet = jobs.refresh_segments()
    clock.set("2026-01-10T16:30")
    daily = jobs.refresh_segments()

    assert [first, idle, after_analytics, quiet, daily] == [
        {"segments": 1},
        {"segments": 0},
        {"segments": 1},
        {"segments": 0},
        {"segments": 1},
    ]
    assert SegmentSnapshot.objects.count() == 3
    assert Segment.objects.get().size == 1


def test_nothing_to_refresh_without_segments(db):
    assert jobs.refresh_segments() == {"segments": 0}
