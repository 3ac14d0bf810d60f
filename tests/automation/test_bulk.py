"""Simple steps of many runs taken together (bulk.py) leave what the one-by-one way
(runner.step_once) leaves: on random scenarios of tags, lists, conditions, waits and exits,
run for a few contacts both ways, the runs, their logs, the tags, the list members and the
list changes are the same."""

import datetime as dt
import os
from typing import Any
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.automation import bulk, intake
from rapport.automation.intake import run_intake
from rapport.automation.models import Event, Run, RunStep
from rapport.automation.runner import claim, run_due
from rapport.contacts.models import Tag
from rapport.segments import services as segments
from rapport.segments.models import SegmentChange, SegmentMember
from rapport.timeline.models import Interaction
from tests.automation.conftest import Clock, live_scenario
from tests.factories import ContactFactory, UserFactory

TAGS = ("a", "b", "c")
LISTS = ("kept", "other", "gone")  # "gone" is deleted after publishing
CITIES = ("Vilnius", "Kyiv")


def _leaf() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(lambda t: {"type": "tag_add", "tag": t}, st.sampled_from(TAGS)),
        st.builds(lambda t: {"type": "tag_remove", "tag": t}, st.sampled_from(TAGS)),
        st.builds(lambda s: {"type": "list_add", "segment": s}, st.sampled_from(LISTS)),
        st.builds(lambda h: {"type": "wait", "hours": h}, st.integers(1, 3)),
        st.just({"type": "exit"}),
    )


def _rule() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(
            lambda s: {"field": "segment", "op": "eq", "value": s},
            st.sampled_from(LISTS[:2]),
        ),
        st.builds(lambda c: {"field": "city", "op": "eq", "value": c}, st.sampled_from(CITIES)),
    )


def _steps() -> st.SearchStrategy[list[dict[str, Any]]]:
    condition = st.builds(
        lambda rule, then, else_: {"type": "condition", "rule": rule, "then": then, "else": else_},
        _rule(),
        st.lists(_leaf(), max_size=3),
        st.lists(_leaf(), max_size=3),
    )
    return st.lists(st.one_of(_leaf(), _leaf(), condition), min_size=1, max_size=6)


def _with_ids(node: Any, lists: dict[str, int]) -> Any:
    """The drawn steps with list names made the lists' ids."""
    if isinstance(node, list):
        return [_with_ids(n, lists) for n in node]
    if isinstance(node, dict):
        out = {k: _with_ids(v, lists) for k, v in node.items()}
        if node.get("type") == "list_add":
            out["segment"] = lists[node["segment"]]
        if node.get("field") == "segment":
            out["value"] = lists[node["value"]]
        return out
    return node


def _named(detail: dict[str, Any], names: dict[int, str]) -> dict[str, Any]:
    """A step's detail with list ids made names (ids differ between the two ways)."""
    return {k: names.get(v, v) if k == "segment" else v for k, v in detail.items()}


def _world(
    people: list[dict[str, Any]], steps: list[dict[str, Any]], start: dt.datetime, by_one: bool
) -> Any:
    """Run the scenario for `people` from `start` until nothing is left to do, one way or
    the other, and say what it left, contact by contact."""
    clock = Clock(start)
    marketer = UserFactory(role="marketer")
    made = {
        name: segments.segment_create(actor=marketer, data={"name": name, "kind": "static"})
        for name in LISTS
    }
    lists = {name: s.pk for name, s in made.items()}
    names = {pk: name for name, pk in lists.items()}
    contacts = []
    for i, p in enumerate(people):
        contact = ContactFactory(first_name=f"P{i}", city=p["city"])
        contact.tags.add(*(Tag.objects.get_or_create(name=t)[0] for t in p["tags"]))
        if p["kept"]:
            segments.members_add(actor=marketer, segment=made["kept"], contact_ids=[contact.pk])
        contacts.append(contact)
    scenario = live_scenario(
        marketer,
        {"type": "custom_event", "name": "bought"},
        _with_ids(steps, lists),
        since=clock() - dt.timedelta(minutes=1),
    )
    segments.segment_delete(actor=marketer, segment=made["gone"])
    simple = {} if by_one else bulk.SIMPLE
    with mock.patch.object(bulk, "SIMPLE", simple):
        for round_ in range(2):  # a second order after the first runs: re-entry
            for contact, p in zip(contacts, people, strict=True):
                if round_ < p["orders"]:
                    Event.objects.create(
                        source=Event.Source.API, contact=contact, name="custom.bought",
                        occurred_at=clock(),
                    )  # fmt: skip
            for _tick in range(8):
                run_intake(clock())
                run_due(clock=clock, worker="w1")
                clock.advance(hours=2)
                if not Run.objects.filter(status="active").exists():
                    break
    seen = []
    for contact in contacts:
        runs = Run.objects.filter(scenario=scenario, contact=contact).order_by("id")
        seen.append(
            (
                [
                    (
                        r.status,
                        r.exit_reason,
                        r.sequence,
                        r.position,
                        [
                            (position, kind, outcome, _named(detail, names))
                            for position, kind, outcome, detail in RunStep.objects.filter(run=r)
                            .order_by("id")
                            .values_list("position", "kind", "outcome", "detail")
                        ],
                    )
                    for r in runs
                ],
                sorted(contact.tags.values_list("name", flat=True)),
                sorted(
                    names[s]
                    for s in SegmentMember.objects.filter(contact=contact).values_list(
                        "segment_id", flat=True
                    )
                ),
                sorted(
                    (names[s], kind)
                    for s, kind in SegmentChange.objects.filter(contact=contact).values_list(
                        "segment_id", "kind"
                    )
                ),
            )
        )
    return seen


people = st.lists(
    st.fixed_dictionaries(
        {
            "city": st.sampled_from(CITIES),
            "tags": st.lists(st.sampled_from(TAGS), unique=True),
            "orders": st.integers(1, 2),
            "kept": st.booleans(),
        }
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=int(os.environ.get("BULK_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=people, steps=_steps())
def test_steps_taken_together_leave_what_steps_taken_one_by_one_leave(people, steps):
    outcomes = []
    start = timezone.now()
    for by_one in (False, True):
        with transaction.atomic():
            outcomes.append(_world(people, steps, start, by_one))
            transaction.set_rollback(True)
    together, one_by_one = outcomes
    assert together == one_by_one
    # every contact's orders started runs, and every run went to its end
    assert [len(runs) for runs, *_rest in together] == [p["orders"] for p in people]
    assert {status for runs, *_rest in together for status, *_r in runs} <= {"done", "exited"}


@pytest.mark.django_db
def test_list_steps_of_a_claim_are_taken_together():
    marketer = UserFactory(role="marketer")
    clock = Clock(timezone.now())
    vip = segments.segment_create(actor=marketer, data={"name": "VIP", "kind": "static"})
    scenario = live_scenario(
        marketer,
        {"type": "custom_event", "name": "bought"},
        [{"type": "list_add", "segment": vip.pk}],
        since=clock() - dt.timedelta(minutes=1),
    )
    people = ContactFactory.create_batch(3)
    Event.objects.bulk_create(
        Event(source=Event.Source.API, contact=c, name="custom.bought", occurred_at=clock())
        for c in people
    )
    assert run_intake(clock()).started == 3
    ids = claim(clock(), worker="w1")
    assert bulk.take(ids, "w1", clock()) == (3, set(ids))
    assert sorted(vip.members.values_list("contact_id", flat=True)) == sorted(c.pk for c in people)
    assert list(
        RunStep.objects.filter(run__scenario=scenario)
        .order_by()
        .values_list("kind", "outcome")
        .distinct()
    ) == [("list_add", "done")]


@pytest.mark.django_db
def test_a_batchs_runs_are_asked_by_its_contacts_ids_not_its_events():
    """Given the batch's events as a subquery, PostgreSQL planned from the event table's
    statistics of before a storm and probed every event of the batch for each run of the
    scenario (603 s for the 100k storm at 1M contacts). The ids go as one parameter
    instead, with the same answers: a contact already in a run is refused, the others
    start."""
    marketer = UserFactory(role="marketer")
    clock = Clock(timezone.now())
    scenario = live_scenario(
        marketer,
        {"type": "custom_event", "name": "bought"},
        [{"type": "wait", "hours": 1}],
        since=clock() - dt.timedelta(minutes=1),
    )
    people = ContactFactory.create_batch(3)

    def bought(contacts: list[Any]) -> None:
        Event.objects.bulk_create(
            Event(source=Event.Source.API, contact=c, name="custom.bought", occurred_at=clock())
            for c in contacts
        )

    bought(people[:1])
    assert run_intake(clock()).started == 1
    bought(people)
    with CaptureQueriesContext(connection) as ctx:
        done = run_intake(clock())

    assert done.started == 2
    assert sorted(Run.objects.filter(scenario=scenario).values_list("contact_id", flat=True)) == (
        sorted(c.pk for c in people)
    )
    reads = [q["sql"] for q in ctx if q["sql"].startswith('SELECT "automation_run"."contact_id"')]
    # the scenario's runs, then the loop check over every scenario's recent runs
    assert len(reads) == 2
    # the ids as values (core.lookups.ids_in): an array on PostgreSQL, a list on SQLite
    ids = "= ANY(" if connection.vendor == "postgresql" else '"automation_run"."contact_id" IN ('
    assert all(ids in sql and "automation_event" not in sql for sql in reads)


def _planned_events() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'automation_event'::regclass")
        return float(cursor.fetchone()[0])


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics")
def test_a_full_batch_of_events_the_planner_believes_absent_gets_the_table_analyzed():
    """Planned as an empty table (analyzed once empty, filled since), a storm's batch update
    by id took an index whose second column is the id: 13.5 s a batch. A full batch that the
    statistics do not count has the event table analyzed first, once."""
    marketer = UserFactory(role="marketer")
    clock = Clock(timezone.now())
    live_scenario(
        marketer,
        {"type": "custom_event", "name": "bought"},
        [{"type": "wait", "hours": 1}],
        since=clock() - dt.timedelta(minutes=1),
    )
    Event.objects.bulk_create(
        Event(source=Event.Source.API, contact=c, name="custom.bought", occurred_at=clock())
        for c in ContactFactory.create_batch(6)
    )
    with connection.cursor() as cursor:  # what the planner knows: a table of no rows
        cursor.execute("UPDATE pg_class SET reltuples = 0 WHERE oid = 'automation_event'::regclass")

    def batch() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            assert intake.process(clock(), intake.Intake(), batch=3) is True
        return [q["sql"] for q in ctx if q["sql"].startswith("ANALYZE")]

    assert batch() == ['ANALYZE "automation_event"']
    assert _planned_events() == 6
    assert batch() == []  # the statistics count the events now
    assert Event.objects.filter(processed_at__isnull=True).count() == 0
    assert Run.objects.count() == 6


@pytest.mark.django_db
def test_timeline_rows_are_copied_once_however_often_they_are_collected():
    """On PostgreSQL the unique (source, source_id) index alone keeps a row from being copied
    twice: asked as NOT EXISTS against the event table, planned as empty, each row's check
    scanned the rows the same INSERT had added (the storm's copy took 76 s)."""
    now = timezone.now()
    people = ContactFactory.create_batch(3)
    Interaction.objects.bulk_create(
        Interaction(
            contact=c,
            channel="order",
            direction="inbound",
            kind="order.placed",
            params={"order": 0},
            occurred_at=now,
        )
        for c in people
    )
    with CaptureQueriesContext(connection) as ctx:
        first = intake.collect(now, {"order.placed"})
    second = intake.collect(now, {"order.placed"})

    assert (first, second) == (3, 0)
    assert sorted(Event.objects.values_list("contact_id", flat=True)) == sorted(
        c.pk for c in people
    )
    copy = [q["sql"] for q in ctx if q["sql"].startswith("INSERT INTO automation_event ")]
    assert len(copy) == 1
    anti_join = 'FROM "automation_event"' in copy[0]
    assert anti_join is (connection.vendor != "postgresql")
