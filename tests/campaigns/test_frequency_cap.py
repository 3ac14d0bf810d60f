"""The global frequency cap in a simulation: six weeks of campaigns on random days and hours,
marketing and service, queued for overlapping groups of people; in no rolling window of the
cap's length does anyone get more marketing messages than the cap, and service messages are
never held back by it."""

import datetime as dt
import random

import pytest
from django.db import connection

from rapport.campaigns import eligibility, outbox
from rapport.campaigns.config import parse_cap
from rapport.campaigns.models import Message, MessageStatus, SkipReason
from rapport.campaigns.services import campaign_enqueue
from tests.campaigns.conftest import campaign, person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("cap", "seed"), [("2/7d", 1), ("3/10d", 2), ("1/36h", 3)])
def test_no_one_ever_gets_more_marketing_than_the_cap(settings, smtp, clock, cap, seed):
    settings.RAPPORT_FREQUENCY_CAP = cap
    limit, window = parse_cap(cap).limit, parse_cap(cap).window
    randomly = random.Random(seed)
    people = [
        person(f"p{i}@example.com", consents=("email:marketing", "email:service"))
        for i in range(10)
    ]
    clock.set("2026-01-05T08:00")
    for day in range(42):
        for number in range(randomly.choice([0, 1, 1, 2, 3])):
            purpose = randomly.choice(["marketing", "marketing", "marketing", "service"])
            made = campaign(f"d{day}-{number}", purpose=purpose)
            campaign_enqueue(campaign=made, contact_ids=[p.pk for p in randomly.sample(people, 6)])
            clock.now += dt.timedelta(minutes=randomly.randrange(30, 300))
            outbox.deliver_due()
        clock.set("2026-01-05T08:00")
        clock.now += dt.timedelta(days=day + 1)

    messages = list(
        Message.objects.values("contact_id", "purpose", "status", "reason", "handed_at")
    )
    assert {m["status"] for m in messages} == {MessageStatus.SENT, MessageStatus.SKIPPED}
    sent_at: dict[int, list[dt.datetime]] = {}
    for m in messages:
        if m["status"] == MessageStatus.SENT and m["purpose"] == "marketing":
            sent_at.setdefault(m["contact_id"], []).append(m["handed_at"])
    for times in sent_at.values():
        times.sort()
        for i, start in enumerate(times):
            assert sum(1 for t in times[i:] if t < start + window) <= limit
    capped = [m for m in messages if m["reason"] == SkipReason.CAPPED]
    assert capped  # the simulation did run into the cap
    assert {m["purpose"] for m in capped} == {"marketing"}  # service is never capped
    service = [m for m in messages if m["purpose"] == "service"]
    assert service
    assert {m["status"] for m in service} == {MessageStatus.SENT}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's choice of index")
def test_the_hand_off_counts_a_contacts_hand_offs_from_the_contact_index(settings, smtp):
    """The window's marketing hand-offs of everybody are in the launch's index on
    (handed_at, contact); planned from statistics of a quiet moment, the hand-off read its
    one contact's from there, scanning the whole window for each message it handed."""
    settings.RAPPORT_FREQUENCY_CAP = "2/7d"
    people = [person(f"p{i}@example.com") for i in range(30)]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE campaigns_message")  # a quiet moment: no hand-off yet
    campaign_enqueue(campaign=campaign(), contact_ids=[p.pk for p in people])
    assert outbox.deliver_due().sent == 30
    message = Message.objects.filter(contact=people[0]).get()
    now = message.handed_at
    cap = parse_cap("2/7d")
    sql = eligibility.hand_off_sql(message, capped=True)
    params = eligibility.hand_off_params(
        message, message.address, worker="w", now=now, lease_until=now, cap=cap
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a table as big as it would be
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "message_contact_handed_idx" in plan
    assert "message_marketing_handed_idx" not in plan
    # the careful path's count too
    assert eligibility.handed_lately(people[0].pk, now - cap.window, exclude=0) == 1
