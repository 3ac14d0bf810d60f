"""The launch benchmark on a small set: Rapport's launch and the hand-written INSERT … SELECT
write the same rows (it refuses to report otherwise), with every kind of contact the holdout
draw must leave out: no consent, withdrawn, no address, suppressed, over the cap."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.bench import launch
from rapport.bench.harness import Bench
from rapport.campaigns.models import Campaign, Message, Suppression
from tests.campaigns.conftest import campaign, grant, person

pytestmark = pytest.mark.django_db


def test_the_launch_matches_the_hand_written_sql(users, monkeypatch):
    monkeypatch.setattr(launch, "RECIPIENTS", 40)
    monkeypatch.setattr(launch, "HOLDOUT", 50)
    people = [person(f"p{n}@example.com") for n in range(34)]
    person("never@example.com", consents=())
    gone = person("gone@example.com")
    grant(gone, "email", "marketing", status="withdrawn")
    person("")  # no address
    person("Blocked@Example.com")
    Suppression.objects.create(channel="email", address="blocked@example.com", reason="bounce")
    busy = person("busy@example.com")
    earlier = campaign("Earlier")
    for step in range(2):  # two marketing messages handed out this week: capped
        Message.objects.create(
            campaign=earlier, step=step, contact=busy, channel="email", purpose="marketing",
            body_text="Hi", status="sent", available_at=timezone.now(),
            handed_at=timezone.now() - dt.timedelta(days=1),
        )  # fmt: skip
    person("extra@example.com")

    [row] = launch.campaign_launch_100k(Bench(contacts=40))

    assert row.metric == (
        "launch a 40-recipient campaign (holdout 50 % drawn among the eligible; slowest of 3; "
        "same rows as the SQL)"
    )
    assert (row.unit, row.target) == ("s", launch.TARGET_S)
    assert row.baseline is not None
    launched = Campaign.objects.filter(name__startswith="Bench launch")
    assert launched.count() == launch.RUNS
    held = set(
        Message.objects.filter(campaign=launched.first(), reason="holdout").values_list(
            "contact__email", flat=True
        )
    )
    assert held  # the draw took some of the eligible, and none of the others
    assert held <= {p.email for p in people} | {"extra@example.com"}
