"""Launching a 100,000-recipient campaign: the snapshot of its segment into the outbox with
the holdout drawn among those eligible now (current consent, an address, not suppressed, not
over the frequency cap) — `campaign_launch` as the API calls it — against one hand-written
INSERT … SELECT of the same rows (contact, status, reason), with the consent, suppression,
cap and the holdout hash written out in SQL. Both must write the same rows before anything
is timed. Quiet hours are the campaign's too; they hold messages at hand-off, not at launch.
"""

import datetime as dt
import time
from typing import Any

from django.db import connection
from django.utils import timezone

from rapport.accounts.models import User
from rapport.bench.harness import Bench, Result, benchmark
from rapport.campaigns import config, split
from rapport.campaigns.eligibility import COUNTED
from rapport.campaigns.models import Campaign, CampaignTemplate, Message
from rapport.campaigns.targeting import campaign_launch
from rapport.contacts.models import ConsentEvent, Contact
from rapport.segments.models import Segment, SegmentMember

RECIPIENTS = 100_000
RUNS = 3
TARGET_S = 10.0
HOLDOUT = 10


def _audience(owner: User, now: dt.datetime) -> Segment:
    """A static list of the first RECIPIENTS contacts, written by one INSERT … SELECT."""
    segment = Segment.objects.create(name="Bench: launch", kind="static", owner=owner)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {SegmentMember._meta.db_table} (segment_id, contact_id, since) "  # noqa: S608
            f"SELECT %s, id, %s FROM {Contact._meta.db_table} ORDER BY id LIMIT %s",
            [segment.pk, now, RECIPIENTS],
        )
    return segment


def _campaign(segment: Segment, number: int) -> Campaign:
    campaign = Campaign.objects.create(
        name=f"Bench launch {number}",
        channel="email",
        purpose="marketing",
        holdout_percent=HOLDOUT,
        quiet_hours={"from": "21:00", "to": "09:00"},
        segment=segment,
        status="draft",
    )
    CampaignTemplate.objects.create(
        campaign=campaign,
        language="en",
        subject="Winter sun, {{ first_name }}",
        body_text="Dear {{ first_name }}, seven nights in the sun from 499 EUR.",
    )
    return campaign


def _bucket_sql(campaign_id: int) -> str:
    """split.bucket(campaign, c.id, SALT_HOLDOUT) written out as SQL integer arithmetic (the
    modulo doubled: the statement goes with parameters)."""
    p = split.PRIME
    constant = (
        (campaign_id % p) * split.CAMPAIGN_FACTOR % p
        + split.SALT_HOLDOUT * split.SALT_FACTOR % p
        + split.OFFSET
    )
    seed = f"(((c.id %% {p}) * {split.CONTACT_FACTOR} %% {p} + {constant}) %% {p})"
    squared = f"({seed} * {seed} %% {p})"
    mixed = f"(({squared} * {split.SECOND_FACTOR} %% {p} + {split.SECOND_OFFSET}) %% {p})"
    return f"({mixed} * {mixed} %% {p} %% {split.BUCKETS})"


def hand_written(campaign_id: int, segment_id: int, now: dt.datetime) -> tuple[str, list[Any]]:
    """SELECT contact, status, reason of the launch's rows, by hand."""
    cap = config.frequency_cap()
    capped = "0"
    params: list[Any] = ["email", "marketing", "granted"]
    if cap is not None:
        marks = ", ".join(["%s"] * len(COUNTED))
        capped = (
            f"(SELECT COUNT(*) FROM {Message._meta.db_table} m WHERE m.contact_id = c.id "  # noqa: S608
            f"AND m.purpose = 'marketing' AND m.handed_at >= %s AND m.status IN ({marks})) >= %s"
        )
    eligible = (
        f"(SELECT e.status FROM {ConsentEvent._meta.db_table} e WHERE e.contact_id = c.id "  # noqa: S608
        "AND e.channel = %s AND e.purpose = %s ORDER BY e.at DESC, e.status DESC, e.id DESC "
        "LIMIT 1) = %s AND c.email <> '' AND NOT EXISTS (SELECT 1 FROM campaigns_suppression s "
        "WHERE s.channel = 'email' AND s.address = LOWER(c.email)) "
        f"AND NOT ({capped})"
    )
    if cap is not None:
        params += [connection.ops.adapt_datetimefield_value(now - cap.window), *COUNTED, cap.limit]
    held = f"({eligible}) AND {_bucket_sql(campaign_id)} < {HOLDOUT}"
    sql = (
        f"SELECT c.id, CASE WHEN {held} THEN 'skipped' ELSE 'queued' END, "  # noqa: S608
        f"CASE WHEN {held} THEN 'holdout' ELSE '' END "
        f"FROM {Contact._meta.db_table} c JOIN {SegmentMember._meta.db_table} sm "
        "ON sm.contact_id = c.id WHERE sm.segment_id = %s"
    )
    return sql, [*params, *params, segment_id]


def _hand_launch(campaign_id: int, segment_id: int, now: dt.datetime) -> int:
    """The baseline: the same rows written by one INSERT … SELECT (into a scratch table)."""
    sql, params = hand_written(campaign_id, segment_id, now)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_launch")
        cursor.execute(f"INSERT INTO bench_launch (contact_id, status, reason) {sql}", params)
        return int(cursor.rowcount)


@benchmark
def campaign_launch_100k(bench: Bench) -> list[Result]:
    if bench.contacts < RECIPIENTS:
        return []
    admin = User.objects.get(username="admin")
    now = timezone.now()
    segment = _audience(admin, now)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_launch (contact_id bigint, status varchar(10), "
            "reason varchar(20))"
        )
    rapport_s, baseline_s = [], []
    for number in range(RUNS):
        campaign = _campaign(segment, number)
        start = time.perf_counter()
        campaign_launch(actor=admin, campaign=campaign)
        rapport_s.append(time.perf_counter() - start)
        start = time.perf_counter()
        written = _hand_launch(campaign.pk, segment.pk, now)
        baseline_s.append(time.perf_counter() - start)
        if number == 0:
            ours = set(
                Message.objects.filter(campaign=campaign).values_list(
                    "contact_id", "status", "reason"
                )
            )
            with connection.cursor() as cursor:
                cursor.execute("SELECT contact_id, status, reason FROM bench_launch")
                theirs = set(cursor.fetchall())
            held = sum(1 for row in ours if row[2] == "holdout")
            if ours != theirs or len(ours) != written or not 0 < held < written:
                raise AssertionError(
                    f"the launch wrote {len(ours)} rows ({held} held out), the hand-written "
                    f"INSERT … SELECT {written}; {len(ours ^ theirs)} differ"
                )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_launch")
    return [
        Result(
            metric=f"launch a {RECIPIENTS:,}-recipient campaign (holdout {HOLDOUT} % drawn among "
            f"the eligible; slowest of {RUNS}; same rows as the SQL)",
            rapport=max(rapport_s),
            baseline=max(baseline_s),
            unit="s",
            target=TARGET_S,
        )
    ]
