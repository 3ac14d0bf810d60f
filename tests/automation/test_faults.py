"""When things go wrong: a rule naming a segment deleted since publishing, and scenarios
that trigger each other — stopped by the loop guard, and told to the administrators."""

import datetime as dt

import pytest

from rapport.automation.intake import LOOP_LIMIT, run_intake
from rapport.automation.models import Run, RunStep
from rapport.automation.notices import LOOP_SUSPECTED
from rapport.automation.runner import run_due
from rapport.core import notifications
from rapport.core.models import Notification
from rapport.segments import services as segments
from tests.automation.conftest import live_scenario, tick
from tests.automation.test_engine import place_order
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db


def test_a_condition_naming_a_deleted_segment_ends_the_run_visibly(marketer, clock):
    vip = segments.segment_create(actor=marketer, data={"name": "VIP", "kind": "static"})
    scenario = live_scenario(
        marketer,
        {"type": "order_placed"},
        [
            {"type": "tag_add", "tag": "before"},
            {
                "type": "condition",
                "rule": {"field": "segment", "op": "eq", "value": vip.pk},
                "then": [{"type": "tag_add", "tag": "vip"}],
            },
            {"type": "tag_add", "tag": "after"},
        ],
    )
    segments.segment_delete(actor=marketer, segment=vip)
    olena = person("a@example.com")
    place_order(olena, clock())
    tick(clock)
    run = Run.objects.get(scenario=scenario)
    assert (run.status, run.exit_reason, run.finished_at) == ("exited", "rule_broken", clock())
    assert list(run.log.order_by("id").values_list("position", "kind", "outcome", "detail")) == [
        ("0", "tag_add", "done", {"tag": "before"}),
        ("1", "condition", "failed", {"reason": "rule_broken", "path": "rule.value"}),
    ]
    assert list(olena.tags.values_list("name", flat=True)) == ["before"]


def _lists(marketer):
    return (
        segments.segment_create(actor=marketer, data={"name": "X", "kind": "static"}),
        segments.segment_create(actor=marketer, data={"name": "Y", "kind": "static"}),
    )


def _cycle(marketer, x, y):
    """A: on entering Y, add to X. B: on entering X, add to Y. Both may start again at once."""
    a = live_scenario(
        marketer,
        {"type": "segment_entered", "segment": y.pk},
        [{"type": "list_add", "segment": x.pk}],
        name="A",
    )
    b = live_scenario(
        marketer,
        {"type": "segment_entered", "segment": x.pk},
        [{"type": "list_add", "segment": y.pk}],
        name="B",
    )
    return a, b


def test_two_scenarios_adding_to_each_others_lists_settle_after_one_round(marketer, clock):
    """Adding someone who is on a list already is no entry: the cycle stops by itself."""
    x, y = _lists(marketer)
    a, b = _cycle(marketer, x, y)
    olena = person("a@example.com")
    segments.members_add(actor=marketer, segment=y, contact_ids=[olena.pk])
    for _round in range(4):
        tick(clock)
    assert Run.objects.filter(scenario=a).count() == Run.objects.filter(scenario=b).count() == 1
    assert RunStep.objects.filter(outcome="done").count() == 2


def test_a_cycle_that_keeps_going_is_stopped_by_the_loop_guard_and_told(marketer, users, clock):
    """The same cycle, with the lists emptied behind it (as an integration mirroring another
    system's lists does): each round starts A and B again, until the contact has started
    LOOP_LIMIT runs within the hour; then the runs are refused, counted in the intake's
    result, and each administrator is told once."""
    # the rounds stay within one clock hour, after the scenarios are switched on (the
    # steps' list changes are dated by the clock)
    clock.now = (clock.now + dt.timedelta(hours=1)).replace(minute=5)
    x, y = _lists(marketer)
    a, b = _cycle(marketer, x, y)
    olena = person("a@example.com")
    refused = 0
    for _round in range(LOOP_LIMIT):
        for segment in (x, y):
            if segment.members.filter(contact=olena).exists():
                segments.member_remove(actor=marketer, segment=segment, contact=olena)
        segments.members_add(actor=marketer, segment=y, contact_ids=[olena.pk])
        for _pass in range(3):
            refused += run_intake(clock()).refused.get("loop_suspected", 0)
            run_due(clock=clock, worker="w1")
        clock.advance(minutes=1)
    started = Run.objects.filter(contact=olena).count()
    assert started == LOOP_LIMIT
    assert refused == LOOP_LIMIT - started // 2  # every round after the fifth: A refused
    assert Run.objects.filter(scenario=a).count() == Run.objects.filter(scenario=b).count() == 5
    told = Notification.objects.filter(kind=LOOP_SUSPECTED)
    assert list(told.values_list("user__username", "url")) == [
        ("admin", f"/admin/automation/scenario/{a.pk}/change/")
    ]
    assert notifications.text(told.get()) == (
        f"Scenario “A” did not start for 1 contact(s) who had started {LOOP_LIMIT} scenario "
        "runs within the hour: scenarios seem to trigger each other. Check what its steps change."
    )

    clock.advance(hours=1)  # the hour has passed: the contact may start again
    segments.member_remove(actor=marketer, segment=y, contact=olena)
    segments.members_add(actor=marketer, segment=y, contact_ids=[olena.pk])
    run_intake(clock())
    assert Run.objects.filter(scenario=a).count() == 6
    assert told.get().user_id == users["admin"].pk
