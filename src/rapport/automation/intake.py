"""From what happened to runs: the intake copies new source rows into `Event` (once each),
then starts the runs the pending events trigger, in batches, in one transaction per batch.

Sources are read by time window (HORIZON back from now) with an anti-join on the events
already copied, not by an id cursor: on PostgreSQL ids are handed out before commit, so a
cursor would step over a row whose transaction commits late. An event older than the
horizon when the intake first sees it (workers were down for longer, a back-dated import)
does not start anything: a welcome message for a two-week-old order is worse than none.
"""

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    Exists,
    OuterRef,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from rapport.automation import flow, notices, triggers
from rapport.automation.models import (
    Event,
    Run,
    RunStatus,
    Scenario,
    ScenarioStatus,
    ScenarioVersion,
)
from rapport.automation.rows import adapted, insert_select
from rapport.automation.rows import insert as insert_rows
from rapport.contacts.models import Contact, LifeEvent
from rapport.core.bulk import refresh_statistics
from rapport.core.lookups import ids_in, ids_match
from rapport.segments.models import SegmentChange
from rapport.segments.selectors import parse_rule, rule_filter
from rapport.timeline.models import Interaction

# Events older than this when the intake first sees them start nothing (and are counted as
# "stale" in the intake's result on the jobs page).
HORIZON = dt.timedelta(days=3)
# How far back the intake reads after a long stop: back to its last copy, at most this far.
LOOKBACK = dt.timedelta(days=30)
BATCH = 5000
# Runs one contact may start in an hour, all scenarios together: more means scenarios are
# triggering each other (a step of one is another's trigger); the rest are refused, visibly.
LOOP_LIMIT = 10
LOOP_WINDOW = dt.timedelta(hours=1)

TIMELINE_KINDS = frozenset(
    name
    for t in triggers.TRIGGERS.values()
    for name in t.names
    if not name.startswith(("segment.", "rfm.", "life_event."))
)


@dataclass
class Intake:
    """What one intake pass did."""

    copied: int = 0
    processed: int = 0
    started: int = 0
    held_out: int = 0
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict[str, Any]:
        return {
            "copied": self.copied,
            "processed": self.processed,
            "started": self.started,
            "held_out": self.held_out,
            "refused": dict(self.refused),
        }


def live_versions() -> list[tuple[Scenario, ScenarioVersion]]:
    scenarios = Scenario.objects.filter(
        status=ScenarioStatus.ACTIVE, published__isnull=False
    ).select_related("published")
    return [(s, s.published) for s in scenarios if s.published is not None]


def _not_copied(source: str) -> Exists:
    return Exists(Event.objects.filter(source=source, source_id=OuterRef("pk")))


def _copy(rows: Iterable[Event]) -> int:
    batch = list(rows)
    Event.objects.bulk_create(batch, ignore_conflicts=True)
    return len(batch)


def read_since(now: dt.datetime) -> dt.datetime:
    """Where this pass starts reading: HORIZON back, or further back to an hour before the
    last copy after a long stop (at most LOOKBACK), so that nothing is silently missed:
    what is older than HORIZON is copied and counted as stale, never started."""
    last = (
        Event.objects.exclude(source=Event.Source.API)
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )
    since = now - HORIZON
    if last is not None:
        since = min(since, last - dt.timedelta(hours=1))
    return max(since, now - LOOKBACK)


def collect(now: dt.datetime, names: set[str]) -> int:
    """Copy the source rows that live scenarios listen to into Event (see read_since)."""
    since = read_since(now)
    copied = 0
    kinds = sorted(names & TIMELINE_KINDS)
    if kinds:
        copied += _copy_timeline(kinds, since)
    if names & {"segment.entered", "segment.left"}:
        while True:
            changes = list(
                SegmentChange.objects.filter(at__gte=since)
                .filter(~_not_copied(Event.Source.SEGMENT))
                .order_by("pk")
                .values_list("pk", "contact_id", "kind", "segment_id", "at")[:BATCH]
            )
            copied += _copy(
                Event(
                    source=Event.Source.SEGMENT,
                    source_id=pk,
                    contact_id=contact,
                    name=f"segment.{kind}",
                    properties={"segment": segment},
                    occurred_at=at,
                )
                for pk, contact, kind, segment, at in changes
            )
            if len(changes) < BATCH:
                break
    if "rfm.entered" in names:
        copied += _copy_rfm(now)
    if "life_event.recorded" in names:
        while True:
            events = list(
                LifeEvent.objects.filter(created_at__gte=since)
                .filter(~_not_copied(Event.Source.LIFE_EVENT))
                .order_by("pk")
                .values_list("pk", "contact_id", "kind", "date", "created_at")[:BATCH]
            )
            copied += _copy(
                Event(
                    source=Event.Source.LIFE_EVENT,
                    source_id=pk,
                    contact_id=contact,
                    name="life_event.recorded",
                    properties={"kind": kind, "date": day.isoformat()},
                    occurred_at=at,
                )
                for pk, contact, kind, day, at in events
            )
            if len(events) < BATCH:
                break
    return copied


def _copy_timeline(kinds: list[str], since: dt.datetime) -> int:
    """Copy the timeline rows of `kinds` since `since` not copied yet, in the database (one
    INSERT … SELECT: a storm of orders is many rows, and each made in Python is slow)."""
    fresh = Interaction.objects.filter(kind__in=kinds, occurred_at__gte=since)
    if connection.vendor != "postgresql":
        fresh = fresh.filter(~_not_copied(Event.Source.TIMELINE))
    # On PostgreSQL the unique (source, source_id) index alone leaves out what was copied
    # (ON CONFLICT DO NOTHING). Asked as NOT EXISTS, on an event table it believed empty
    # (analyzed so), the planner probed with a sequential scan per row, and each scan read
    # the rows this very INSERT had added so far: the 100k storm's copy took 76 s.
    fresh_rows = (
        fresh.order_by()
        .annotate(
            _source=Value(str(Event.Source.TIMELINE), output_field=CharField()),
            _created=Value(timezone.now(), output_field=DateTimeField()),
        )
        .values_list("_source", "pk", "contact_id", "kind", "params", "occurred_at", "_created")
    )
    sql, params = fresh_rows.query.sql_with_params()
    columns = ("source", "source_id", "contact_id", "name", "properties", "occurred_at")
    names = ", ".join(connection.ops.quote_name(c) for c in (*columns, "created_at"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Event._meta.db_table} ({names}) {sql} ON CONFLICT DO NOTHING",
            params,
        )
        return max(cursor.rowcount, 0)


def _copy_rfm(now: dt.datetime) -> int:
    from rapport.analytics.models import RfmSegmentHistory

    since = read_since(now).date()
    copied = 0
    while True:
        stays = list(
            RfmSegmentHistory.objects.filter(entered_on__gte=since)
            .filter(~_not_copied(Event.Source.RFM))
            .order_by("pk")
            .values_list("pk", "contact_id", "rfm_segment", "entered_on")[:BATCH]
        )
        before = dict(
            RfmSegmentHistory.objects.filter(
                contact_id__in=[s[1] for s in stays], left_on__isnull=False
            )
            .order_by("contact_id", "left_on")
            .values_list("contact_id", "rfm_segment")
        )
        copied += _copy(
            Event(
                source=Event.Source.RFM,
                source_id=pk,
                contact_id=contact,
                name="rfm.entered",
                properties={"to": segment, "from": before.get(contact, "")},
                occurred_at=dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC),
            )
            for pk, contact, segment, day in stays
        )
        if len(stays) < BATCH:
            return copied


def in_holdout(scenario_id: int, contact_id: int, percent: int) -> bool:
    """Whether a contact's run is held out: a stable hash, so the same contact gets the same
    answer however often it is asked, and the shares hold over any set of contacts."""
    if percent <= 0:
        return False
    digest = hashlib.blake2b(f"{scenario_id}:{contact_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest) % 100 < percent


def eligible(
    scenario: Scenario,
    version: ScenarioVersion,
    contact_ids: set[int],
    now: dt.datetime,
) -> tuple[set[int], dict[str, int]]:
    """Of `contact_ids`, those who may start a run of `scenario` now: matching the trigger's
    filter, not in a run of it, past the re-entry delay, not in a loop. (eligible, refused
    counts by reason)."""
    refused: dict[str, int] = defaultdict(int)
    if not contact_ids:
        return set(), refused
    ids = set(contact_ids)
    asked = list(ids)  # a storm's batch asks for thousands: one parameter (ids_in)
    # One read of the contacts' runs of the scenario, by the (scenario, contact, occasion)
    # index: asked by status, SQLite read every active run of the scenario for each batch
    # (the status a parameter, the partial index unusable) — a storm's intake grew with the
    # square of its size.
    recent = (
        None if scenario.reentry_days is None else now - dt.timedelta(days=scenario.reentry_days)
    )
    busy, ended = set(), set()
    for contact, status, finished in (
        Run.objects.filter(ids_in("contact_id", asked), scenario=scenario)
        .order_by()
        .values_list("contact_id", "status", "finished_at")
    ):
        if status == RunStatus.ACTIVE:
            busy.add(contact)
        elif recent is None or finished is None or finished > recent:
            ended.add(contact)
    refused["in_run"] += len(ids & busy)
    refused["reentry"] += len((ids - busy) & ended)
    ids -= busy | ended
    looping = set(
        Run.objects.filter(ids_in("contact_id", asked), started_at__gt=now - LOOP_WINDOW)
        .values("contact_id")
        .annotate(n=Count("id"))
        .filter(n__gte=LOOP_LIMIT)
        .values_list("contact_id", flat=True)
    )
    refused["loop_suspected"] += len(ids & looping)
    ids -= looping
    rule = version.trigger.get("filter")
    if rule and ids:
        matching = set(
            Contact.objects.filter(ids_in("pk", asked))
            .filter(rule_filter(parse_rule(rule), user=None, now=now))
            .values_list("pk", flat=True)
        )
        refused["filter"] += len(ids - matching)
        ids &= matching
    return ids, {k: v for k, v in refused.items() if v}


def tally(scenario: Scenario, refused: dict[str, int], now: dt.datetime, result: Intake) -> None:
    """Count the refusals in the pass's result; a suspected loop is also told to the
    administrators (the refused runs would otherwise only be a number in a job's log)."""
    for reason, count in refused.items():
        result.refused[reason] += count
    if refused.get("loop_suspected"):
        notices.loop_suspected(
            scenario=scenario, count=refused["loop_suspected"], limit=LOOP_LIMIT, now=now
        )


RUN_COLUMNS = (
    "scenario",
    "version",
    "contact",
    "event",
    "occasion",
    "context",
    "holdout",
    "status",
    "exit_reason",
    "position",
    "due_at",
    "started_at",
    "finished_at",
    # and what every new run starts with
    "waiting",
    "sequence",
    "lease_owner",
    "lease_until",
    "attempts",
    "error",
)


def start(
    scenario: Scenario,
    version: ScenarioVersion,
    starts: dict[int, tuple[str, int | None, dict[str, Any]]],
    now: dt.datetime,
    result: Intake,
) -> None:
    """Start runs for `starts` ({contact: (occasion, event id, context)}) already found
    eligible.
    Unique constraints make a second start of the same occasion, or a second active run, a
    no-op, however many workers try at once."""
    first = flow.first(version.steps)
    runs = []
    for contact_id, (occasion, event_id, context) in starts.items():
        held = in_holdout(scenario.pk, contact_id, scenario.holdout_percent)
        ends = held or first is None
        runs.append(
            (
                scenario.pk,
                version.pk,
                contact_id,
                event_id,
                occasion,
                context,
                held,
                RunStatus.DONE if ends else RunStatus.ACTIVE,
                (("holdout" if held else "no_steps") if ends else ""),
                first or "",
                None if ends else now,
                now,
                now if ends else None,
                False,
                0,
                "",
                None,
                0,
                "",
            )
        )
        result.held_out += held
    insert_rows(Run, RUN_COLUMNS, runs, ignore_conflicts=True)
    result.started += len(runs)


def start_from_events(
    scenario: Scenario,
    version: ScenarioVersion,
    events: dict[int, int],
    now: dt.datetime,
    result: Intake,
) -> None:
    """Start runs from `events` ({contact: event id}, found eligible), as `start` would with
    occasion "event:<id>" and no context, but made by the database from the event rows (one
    INSERT … SELECT for the runs that go on, one for those held out): a storm's runs do not
    cross over to Python and back. The same unique constraints make a second start a no-op."""
    first = flow.first(version.steps)
    held = {c for c in events if in_holdout(scenario.pk, c, scenario.holdout_percent)}
    when = adapted(Run, "started_at", now)
    for is_held in (False, True):
        ids = [e for c, e in events.items() if (c in held) == is_held]
        if not ids:
            continue
        ends = is_held or first is None
        chosen, chosen_params = ids_match("e.id", ids)
        constants = [
            adapted(Run, "context", {}),
            is_held,
            RunStatus.DONE if ends else RunStatus.ACTIVE,
            ("holdout" if is_held else "no_steps") if ends else "",
            first or "",
            None if ends else when,
            when,
            when if ends else None,
        ]
        select = (
            "SELECT %s, %s, e.contact_id, e.id, 'event:' || e.id, %s, %s, %s, %s, %s, %s, "  # noqa: S608
            f"%s, %s, %s, 0, '', NULL, 0, '' FROM {Event._meta.db_table} e "
            f"WHERE {chosen}"
        )
        params = [scenario.pk, version.pk, *constants, False, *chosen_params]
        insert_select(Run, RUN_COLUMNS, select, params, ignore_conflicts=True)
        result.started += len(ids)
    result.held_out += len(held)


def _pending(now: dt.datetime, live: list[tuple[Scenario, ScenarioVersion]], batch: int) -> Any:
    """The next `batch` pending events, locked: (id, contact, name, properties as JSON text,
    whether it is fresh, its time if it is older than a live scenario's switch-on, else
    None). The comparisons are made in SQL: turning every event's time into a Python one
    was a fifth of a storm's intake."""
    switched_on = [s.active_since for s, _v in live if s.active_since]
    early: Any = Value(None, output_field=DateTimeField())
    if switched_on:
        early = Case(When(occurred_at__lt=max(switched_on), then="occurred_at"), default=early)
    return (
        Event.objects.select_for_update()
        .filter(processed_at__isnull=True)
        .order_by("pk")
        .values_list(
            "pk",
            "contact_id",
            "name",
            Cast("properties", TextField()),
            Case(When(occurred_at__gte=now - HORIZON, then=True), default=False),
            early,
        )[:batch]
    )


def process(now: dt.datetime, result: Intake, batch: int = BATCH) -> bool:
    """Start the runs one batch of pending events triggers; False when none was pending."""
    live = live_versions()
    with transaction.atomic():
        pending = list(_pending(now, live, batch))
        if not pending:
            return False
        if len(pending) == batch:  # a storm: the planner must know the events are there
            refresh_statistics(Event, holds_at_least=batch)
        fresh = [p for p in pending if p[4]]
        if len(fresh) < len(pending):
            result.refused["stale"] += len(pending) - len(fresh)
        for scenario, version in live:
            trigger = version.trigger
            if triggers.TRIGGERS[trigger["type"]].family != "event":
                continue
            matches = triggers.matcher(trigger)
            since = scenario.active_since
            wanted: dict[int, int] = {}  # contact: the first event of the batch it had
            for pk, contact, name, raw, _fresh, early in fresh:
                if contact in wanted or not matches(name, triggers.Properties(raw)):
                    continue
                if since and early is not None and early < since:
                    continue
                wanted[contact] = pk
            ok, refused = eligible(scenario, version, set(wanted), now)
            tally(scenario, refused, now, result)
            start_from_events(scenario, version, {c: wanted[c] for c in ok}, now, result)
        Event.objects.filter(ids_in("pk", (p[0] for p in pending))).update(processed_at=now)
        result.processed += len(pending)
    return True


def run_intake(now: dt.datetime | None = None) -> Intake:
    """Copy new events and start the runs they trigger, until nothing is pending."""
    now = now or timezone.now()
    result = Intake()
    names = {n for _s, v in live_versions() for n in _names(v)}
    if names:
        result.copied = collect(now, names)
    while process(now, result):
        pass
    return result


def _names(version: ScenarioVersion) -> tuple[str, ...]:
    trigger = version.trigger
    kind = triggers.TRIGGERS.get(trigger.get("type", ""))
    if kind is None or kind.family != "event":
        return ()
    return triggers.names_for(trigger)


# Processed events that started nothing are kept this long (to answer "did the event
# arrive?"), then deleted; an event that started a run stays as long as the run.
RETAIN = dt.timedelta(days=90)


def prune(now: dt.datetime) -> int:
    """Delete processed events older than RETAIN that started no run; how many."""
    old = Event.objects.filter(processed_at__lt=now - RETAIN).filter(
        ~Exists(Run.objects.filter(event_id=OuterRef("pk")))
    )
    deleted, _by_model = old.delete()
    return deleted
