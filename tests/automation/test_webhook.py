"""The webhook step against a real local HTTPS server (the fixtures of core's outbound tests):
a signed call with the run's delivery id, made outside the step's transaction and recorded
in it; refusals fail the step and the run goes on; a receiver that does not answer is tried
again with backoff until the run fails, visibly."""

import json

import pytest
from django.db import connection

from rapport.automation import webhooks
from rapport.automation.models import Run
from rapport.automation.runner import MAX_ATTEMPTS
from rapport.core.outbound import signature
from tests.automation.conftest import live_scenario, tick
from tests.automation.test_engine import place_order
from tests.campaigns.conftest import person
from tests.core.test_outbound import certificate, hook, resolver, server  # noqa: F401

pytestmark = pytest.mark.django_db

SECRET = "scenario-secret"


@pytest.fixture
def signed(settings):
    settings.RAPPORT_WEBHOOK_SECRET = SECRET


def hooked(marketer, url: str):
    return live_scenario(
        marketer,
        {"type": "order_placed"},
        [
            {"type": "webhook", "url": url, "payload": {"kind": "welcome", "tier": 2}},
            {"type": "tag_add", "tag": "after"},
        ],
    )


def log(run: Run) -> list[tuple]:
    return list(run.log.order_by("id").values_list("position", "kind", "outcome", "detail"))


def test_the_call_is_signed_made_outside_the_transaction_and_recorded(
    marketer,
    clock,
    hook,  # noqa: F811
    server,  # noqa: F811
    signed,
    monkeypatch,
):
    scenario = hooked(marketer, f"{hook}/ok")
    olena = person("olena@example.com", phone="+37060000001")
    order = place_order(olena, clock())
    depth = len(connection.atomic_blocks)  # the test's own transaction
    seen = []
    real = webhooks.post_json

    def watched(*args, **kwargs):
        seen.append(len(connection.atomic_blocks))
        return real(*args, **kwargs)

    monkeypatch.setattr(webhooks, "post_json", watched)
    tick(clock)

    run = Run.objects.get(scenario=scenario)
    assert seen == [depth]  # no transaction of the runner's was open during the call
    assert run.status == "done"
    [request] = server.received
    headers, body = request["headers"], request["body"]
    assert headers["X-Rapport-Delivery"] == f"run{run.pk}-0"
    assert headers["X-Rapport-Signature"] == signature(SECRET, headers["X-Rapport-Timestamp"], body)
    sent = json.loads(body)
    event = sent.pop("event")
    assert (event["name"], event["properties"]["order"]) == ("order.placed", order.pk)
    assert sent == {
        "scenario": {"id": scenario.pk, "name": "Welcome"},
        "run": {"id": run.pk, "step": "0", "version": 1},
        "contact": {
            "id": olena.pk,
            "first_name": "Olena",
            "last_name": "Kovalenko",
            "email": "olena@example.com",
            "phone": "+37060000001",
        },
        "kind": "welcome",
        "tier": 2,
    }
    [(position, kind, outcome, detail), after] = log(run)
    assert (position, kind, outcome, detail["status"], detail["delivery"]) == (
        "0",
        "webhook",
        "done",
        200,
        f"run{run.pk}-0",
    )
    assert isinstance(detail["elapsed_ms"], int)
    assert after[:3] == ("1", "tag_add", "done")


def test_a_private_address_is_refused_and_the_run_goes_on(
    marketer,
    clock,
    hook,  # noqa: F811
    server,  # noqa: F811
    signed,
    settings,
):
    settings.RAPPORT_WEBHOOK_ALLOW_PRIVATE = False  # hooks.test resolves to 127.0.0.1
    scenario = hooked(marketer, f"{hook}/ok")
    olena = person("olena@example.com")
    place_order(olena, clock())
    tick(clock)
    run = Run.objects.get(scenario=scenario)
    assert server.received == []
    [(_p, _k, outcome, detail), after] = log(run)
    assert (outcome, detail["reason"], detail["status"]) == ("failed", "private_address", None)
    assert (run.status, after[:3]) == ("done", ("1", "tag_add", "done"))


def test_a_redirect_is_refused_not_followed(marketer, clock, hook, server, signed):  # noqa: F811
    scenario = hooked(marketer, f"{hook}/redirect")
    place_order(person("olena@example.com"), clock())
    tick(clock)
    run = Run.objects.get(scenario=scenario)
    assert [r["path"] for r in server.received] == ["/redirect"]
    detail = log(run)[0][3]
    assert (log(run)[0][2], detail["reason"], detail["status"]) == ("failed", "redirect", 302)
    assert run.status == "done"


def test_without_a_secret_nothing_is_sent(marketer, clock, hook, server, settings):  # noqa: F811
    settings.RAPPORT_WEBHOOK_SECRET = ""
    scenario = hooked(marketer, f"{hook}/ok")
    place_order(person("olena@example.com"), clock())
    tick(clock)
    assert server.received == []
    assert log(Run.objects.get(scenario=scenario))[0][3]["reason"] == "no_secret"


def test_a_slow_receiver_is_tried_again_then_the_run_fails_visibly(
    marketer,
    clock,
    hook,  # noqa: F811
    server,  # noqa: F811
    signed,
    monkeypatch,
):
    monkeypatch.setattr(webhooks, "TIMEOUT", 0.3)
    scenario = hooked(marketer, f"{hook}/slow")
    place_order(person("olena@example.com"), clock())
    for attempt in range(1, MAX_ATTEMPTS + 1):
        tick(clock)
        run = Run.objects.get(scenario=scenario)
        assert len(server.received) == attempt
        clock.advance(hours=1, minutes=1)
    assert (run.status, run.exit_reason, run.log.count()) == ("failed", "error", 0)
    assert run.error.rstrip().endswith("hooks.test did not answer within 0.3 seconds.")
    deliveries = {r["headers"]["X-Rapport-Delivery"] for r in server.received}
    assert deliveries == {f"run{run.pk}-0"}  # every attempt the same: the receiver acts once
