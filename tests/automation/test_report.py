"""A scenario's report: runs entered and held out, messages by outcome, promo codes issued
and redeemed — counted in bulk."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.automation import intake, report
from rapport.automation.models import Run
from rapport.campaigns.models import Message
from rapport.campaigns.outbox import deliver_due
from rapport.campaigns.promo import promo_code_redeem
from rapport.sales.services import order_create
from tests.api.conftest import API, bearer_client
from tests.automation.conftest import live_scenario, tick
from tests.campaigns.conftest import person

pytestmark = pytest.mark.django_db

STEPS = [
    {"type": "promo", "discount": "percent", "value": 10, "valid_days": 30},
    {
        "type": "send",
        "channel": "email",
        "templates": [
            {"language": "en", "subject": "Hi", "body_text": "Your code {{ promo_code }}"}
        ],
    },
]


def held_and_treated(scenario_id: int, people: list) -> tuple[list, list]:
    held = [p for p in people if intake.in_holdout(scenario_id, p.pk, 50)]
    return held, [p for p in people if p not in held]


def test_the_report_counts_runs_messages_and_codes(marketer, clock, smtp):
    scenario = live_scenario(marketer, {"type": "order_placed"}, STEPS, holdout_percent=50)
    people = [person(f"p{i}@example.com") for i in range(10)]
    people.append(person("quiet@example.com", consents=()))
    held, treated = held_and_treated(scenario.pk, people)
    assert held
    assert treated
    for someone in people:
        order_create(actor=None, contact=someone, currency="EUR", total="100.00")
    tick(clock)
    deliver_due()
    codes = {r.contact_id: r.context["promo_code"] for r in Run.objects.filter(holdout=False)}
    redeemer = next(p for p in treated if p.pk in codes)
    promo_code_redeem(code=codes[redeemer.pk], contact_id=redeemer.pk)
    quiet = people[-1]
    quiet_treated = quiet in treated

    with CaptureQueriesContext(connection) as queries:
        figures = report.scenario_report(scenario)

    assert len(queries) <= 4
    assert figures["runs"] == {
        "entered": 11,
        "held_out": len(held),
        "active": 0,
        "finished": len(treated),
        "exited": 0,
        "failed": 0,
        "cancelled": 0,
    }
    sent = len(treated) - quiet_treated
    assert figures["messages"] == {
        "queued": len(treated),
        "waiting": 0,
        "sent": sent,
        "delivered": 0,
        "failed": 0,
        "to_review": 0,
        "skipped": {"no_consent": 1} if quiet_treated else {},
    }
    assert len(smtp.messages) == sent
    assert figures["promo_codes"] == {"issued": len(treated), "redeemed": 1}


def test_messages_of_another_scenario_are_not_counted(marketer, clock):
    first = live_scenario(marketer, {"type": "order_placed"}, STEPS[1:], name="One")
    second = live_scenario(marketer, {"type": "order_placed"}, STEPS[1:], name="Two")
    order_create(actor=None, contact=person("a@example.com"), currency="EUR", total="10.00")
    tick(clock)

    assert Message.objects.count() == 2
    assert report.scenario_report(first)["messages"]["queued"] == 1
    assert report.scenario_report(second)["messages"]["queued"] == 1


def test_the_report_through_the_api(users, clock):
    scenario = live_scenario(users["marketer"], {"type": "order_placed"}, STEPS)
    order_create(actor=None, contact=person("a@example.com"), currency="EUR", total="10.00")
    tick(clock)

    answer = bearer_client(users["agent"]).get(f"{API}/scenarios/{scenario.pk}/report")

    assert answer.status_code == 200
    body = answer.json()
    assert body["runs"]["entered"] == 1
    assert body["messages"]["queued"] == 1
    assert body["promo_codes"] == {"issued": 1, "redeemed": 0}
    missing = bearer_client(users["agent"]).get(f"{API}/scenarios/999999/report")
    assert missing.status_code == 404
