"""The engine end to end: an event starts a run, steps happen once, waits pass, branches
choose, versions hold, re-entry rules apply."""

import datetime as dt

import pytest

from rapport.automation import services
from rapport.automation.models import Event, Run, RunStatus, RunStep
from rapport.automation.runner import claim, run_due
from rapport.campaigns.models import Message
from rapport.sales.services import order_create
from tests.automation.conftest import live_scenario, tick
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db

HELLO = {
    "type": "send",
    "channel": "email",
    "templates": [{"language": "en", "subject": "Hi {{ first_name }}", "body_text": "Thanks!"}],
}


def place_order(contact, at=None):
    return order_create(actor=None, contact=contact, currency="EUR", total="100.00", order_date=at)


def test_an_order_starts_one_run_that_sends_waits_and_tags(marketer, clock):
    scenario = live_scenario(
        marketer,
        {"type": "order_placed"},
        [HELLO, {"type": "wait", "days": 3}, {"type": "tag_add", "tag": "welcomed"}],
    )
    olena = person("olena@example.com")
    place_order(olena, clock())

    tick(clock)

    run = Run.objects.get(scenario=scenario)
    assert (run.contact_id, run.status, run.position, run.waiting) == (
        olena.pk,
        "active",
        "1",
        True,
    )
    message = Message.objects.get(contact=olena)
    assert (message.source, message.subject) == (f"scenario:{scenario.pk}:{run.pk}", "Hi Olena")
    assert run.due_at == clock() + dt.timedelta(days=3)

    tick(clock)  # nothing due: the same state, no second message
    clock.advance(days=3)
    tick(clock)

    run.refresh_from_db()
    assert (run.status, run.finished_at) == (RunStatus.DONE, clock())
    assert list(olena.tags.values_list("name", flat=True)) == ["welcomed"]
    assert list(run.log.values_list("position", "kind", "outcome")) == [
        ("0", "send", "done"),
        ("1", "wait", "done"),
        ("2", "tag_add", "done"),
    ]
    assert Message.objects.filter(contact=olena).count() == 1
    assert Event.objects.get().processed_at == clock() - dt.timedelta(days=3)


def test_a_condition_takes_its_branch(marketer, clock):
    scenario = live_scenario(
        marketer,
        {"type": "order_placed"},
        [
            {
                "type": "condition",
                "rule": {"field": "city", "op": "eq", "value": "Vilnius"},
                "then": [{"type": "tag_add", "tag": "vilnius"}],
                "else": [{"type": "tag_add", "tag": "elsewhere"}, {"type": "exit"}],
            },
            {"type": "tag_add", "tag": "after"},
        ],
    )
    here = person("a@example.com")
    here.city = "Vilnius"
    here.save()
    there = person("b@example.com")
    place_order(here, clock())
    place_order(there, clock())

    tick(clock)

    assert sorted(here.tags.values_list("name", flat=True)) == ["after", "vilnius"]
    assert list(there.tags.values_list("name", flat=True)) == ["elsewhere"]
    runs = {r.contact_id: r for r in Run.objects.filter(scenario=scenario)}
    assert (runs[here.pk].status, runs[there.pk].status) == ("done", "exited")
    assert runs[there.pk].exit_reason == "exit_step"


def test_a_contact_is_in_one_run_at_a_time_and_reenters_after_the_delay(marketer, clock):
    scenario = live_scenario(
        marketer, {"type": "order_placed"}, [{"type": "wait", "days": 1}], reentry_days=10
    )
    olena = person("olena@example.com")
    place_order(olena, clock())
    place_order(olena, clock())
    tick(clock)
    assert Run.objects.filter(scenario=scenario).count() == 1

    clock.advance(days=2)
    tick(clock)  # the run ends
    place_order(olena, clock())
    tick(clock)  # within ten days of the end: no new run
    assert Run.objects.filter(scenario=scenario).count() == 1

    clock.advance(days=11)
    place_order(olena, clock())
    tick(clock)
    assert Run.objects.filter(scenario=scenario).count() == 2


def test_never_reenter(marketer, clock):
    scenario = live_scenario(
        marketer, {"type": "order_placed"}, [{"type": "tag_add", "tag": "x"}], reentry_days=None
    )
    olena = person("olena@example.com")
    place_order(olena, clock())
    tick(clock)
    clock.advance(days=400)
    place_order(olena, clock())
    tick(clock)
    assert Run.objects.filter(scenario=scenario).count() == 1


def test_runs_in_flight_finish_on_their_version(marketer, clock):
    scenario = live_scenario(
        marketer,
        {"type": "order_placed"},
        [{"type": "wait", "days": 1}, {"type": "tag_add", "tag": "v1"}],
    )
    first = person("a@example.com")
    place_order(first, clock())
    tick(clock)

    services.scenario_update(
        actor=marketer,
        scenario=scenario,
        data={"steps": [{"type": "wait", "days": 1}, {"type": "tag_add", "tag": "v2"}]},
    )
    services.scenario_publish(actor=marketer, scenario=scenario)
    second = person("b@example.com")
    place_order(second, clock())
    tick(clock)
    clock.advance(days=1, minutes=1)
    tick(clock)

    assert list(first.tags.values_list("name", flat=True)) == ["v1"]
    assert list(second.tags.values_list("name", flat=True)) == ["v2"]
    assert sorted(Run.objects.values_list("version__number", flat=True)) == [1, 2]


def test_events_before_switching_on_start_nothing(marketer, clock):
    olena = person("olena@example.com")
    place_order(olena, clock())
    clock.advance(minutes=5)
    live_scenario(marketer, {"type": "order_placed"}, [HELLO], since=clock())
    tick(clock)
    assert Run.objects.count() == 0
    assert Event.objects.get().processed_at == clock()


def test_a_paused_scenario_holds_its_runs_and_resumes(marketer, clock):
    scenario = live_scenario(
        marketer, {"type": "order_placed"}, [{"type": "wait", "hours": 1}, HELLO]
    )
    olena = person("olena@example.com")
    place_order(olena, clock())
    tick(clock)
    services.scenario_move(actor=marketer, scenario=scenario, action="pause")
    clock.advance(hours=2)
    tick(clock)
    assert Message.objects.count() == 0
    services.scenario_move(actor=marketer, scenario=scenario, action="activate")
    tick(clock)
    assert Message.objects.count() == 1


def test_a_step_is_taken_once_when_a_worker_lost_its_lease(marketer, clock):
    live_scenario(marketer, {"type": "order_placed"}, [HELLO])
    olena = person("olena@example.com")
    place_order(olena, clock())
    from rapport.automation.intake import run_intake

    run_intake(clock())
    assert claim(clock(), worker="dead") != []  # claimed by a worker that then died
    run_due(clock=clock, worker="alive")  # the lease still holds: nothing happens
    assert Message.objects.count() == 0
    clock.advance(minutes=3)
    run_due(clock=clock, worker="alive")
    run_due(clock=clock, worker="dead")
    assert Message.objects.count() == 1
    assert RunStep.objects.count() == 1


def test_a_failing_step_is_retried_then_fails_the_run_visibly(marketer, clock, monkeypatch):
    from rapport.automation import actions

    live_scenario(marketer, {"type": "order_placed"}, [{"type": "tag_add", "tag": "x"}])
    olena = person("olena@example.com")
    place_order(olena, clock())

    def broken(run, step, now):
        raise RuntimeError("the database said no")

    monkeypatch.setitem(actions.ACTIONS, "tag_add", broken)
    for _attempt in range(5):
        tick(clock)
        clock.advance(hours=1, minutes=1)
    run = Run.objects.get()
    assert (run.status, run.exit_reason) == ("failed", "error")
    assert "the database said no" in run.error
    assert RunStep.objects.count() == 0


def test_events_missed_while_workers_were_down_are_counted_stale_not_lost(marketer, clock):
    from rapport.automation.intake import run_intake

    live_scenario(
        marketer, {"type": "order_placed"}, [HELLO], since=clock() - dt.timedelta(days=20)
    )
    early = person("early@example.com")
    place_order(early, clock())
    tick(clock)  # the intake ran once, then the workers stopped for ten days
    late = person("late@example.com")
    place_order(late, clock() + dt.timedelta(hours=1))
    clock.advance(days=10)
    fresh = person("fresh@example.com")
    place_order(fresh, clock())

    result = run_intake(clock())

    assert result.refused == {"stale": 1}
    assert sorted(Run.objects.values_list("contact__email", flat=True)) == [
        "early@example.com",
        "fresh@example.com",
    ]
    assert Event.objects.filter(processed_at__isnull=True).count() == 0


def test_old_events_that_started_nothing_are_pruned(marketer, clock):
    from rapport.automation.intake import prune

    live_scenario(marketer, {"type": "order_placed"}, [HELLO])
    olena = person("olena@example.com")
    place_order(olena, clock())
    place_order(olena, clock())  # the second starts nothing: she is in a run
    tick(clock)
    assert prune(clock() + dt.timedelta(days=91)) == 1
    assert Event.objects.count() == 1


def test_a_send_step_holds_its_message_until_the_quiet_hours_end(marketer, clock):
    from zoneinfo import ZoneInfo

    tokyo = ZoneInfo("Asia/Tokyo")
    local = clock().astimezone(tokyo)
    window = {
        "from": (local - dt.timedelta(hours=1)).strftime("%H:%M"),
        "to": (local + dt.timedelta(hours=2)).strftime("%H:%M"),
    }
    live_scenario(marketer, {"type": "order_placed"}, [{**HELLO, "quiet_hours": window}])
    olena = person("olena@example.com")
    olena.custom = {"time_zone": "Asia/Tokyo"}
    olena.save()
    place_order(olena, clock())

    tick(clock)

    message = Message.objects.get()
    expected = (local + dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    assert message.available_at == expected
    assert RunStep.objects.get().detail["held_until"] == expected.astimezone(dt.UTC).isoformat()


def test_a_scenario_message_on_the_timeline_names_its_scenario(marketer, clock, smtp):
    from django.utils import translation

    from rapport.campaigns.outbox import deliver_due
    from rapport.timeline.models import Interaction

    scenario = live_scenario(marketer, {"type": "order_placed"}, [HELLO], name="Thank you")
    olena = person("olena@example.com")
    place_order(olena, clock())
    tick(clock)

    assert deliver_due(budget=5).sent == 1

    entry = Interaction.objects.get(kind="campaign.message_sent")
    assert entry.params["scenario"] == scenario.pk
    assert entry.params["run"] == Run.objects.get().pk
    with translation.override("en"):
        assert entry.text == "E-mail from scenario “Thank you”: Hi Olena"
