"""A scenario's report: runs entered and held out, messages by outcome, promo codes issued
and redeemed — counted in bulk."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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

    # runs 1, messages 2, conversions 3 (entrants, their orders, rates), codes 1, surveys 2:
    # the same for eleven entrants as for a million
    assert len(queries) == 9
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
        "opened": 0,
        "clicked": 0,
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

    answer = bearer_client(users["analyst"]).get(f"{API}/scenarios/{scenario.pk}/report")

    assert answer.status_code == 200
    body = answer.json()
    assert body["runs"]["entered"] == 1
    assert body["messages"]["queued"] == 1
    assert body["promo_codes"] == {"issued": 1, "redeemed": 0}
    assert body["surveys"] == {
        "asked": 0,
        "answered": 0,
        "average_score": None,
        "average_nps": None,
        "exit_reasons": {},
    }
    assert body["conversions"]["uplift"]["rate"] is None
    missing = bearer_client(users["analyst"]).get(f"{API}/scenarios/999999/report")
    assert missing.status_code == 404
    # business-wide figures: not for a service agent (no figures) nor a sales manager (team's)
    for role in ("agent", "manager"):
        refused = bearer_client(users[role]).get(f"{API}/scenarios/{scenario.pk}/report")
        assert refused.status_code == 403


def test_conversions_after_entering_and_the_uplift_over_the_held_out(marketer, clock):
    scenario = live_scenario(marketer, {"type": "order_placed"}, STEPS[1:], holdout_percent=50)
    people = [person(f"p{i}@example.com") for i in range(16)]
    held, treated = held_and_treated(scenario.pk, people)
    assert len(held) >= 2
    assert len(treated) >= 3
    for someone in people:  # the orders that make them enter (before: they do not count)
        order_create(
            actor=None,
            contact=someone,
            currency="EUR",
            total="50.00",
            order_date=clock() - dt.timedelta(seconds=30),
        )
    tick(clock)
    later = timezone.now() + dt.timedelta(seconds=2)

    def buy(someone, total: str, **extra) -> None:
        order_create(
            actor=None, contact=someone, currency="EUR", total=total, order_date=later, **extra
        )

    buy(treated[0], "1000.00")
    buy(treated[1], "500.00")
    buy(treated[1], "250.00")  # the same converter, twice
    buy(treated[2], "900.00", status="cancelled")  # never counts
    buy(held[0], "300.00")

    figures = report.scenario_report(scenario)["conversions"]

    assert (figures["attribution_days"], figures["currency"], figures["left_out"]) == (14, "EUR", 0)
    assert figures["treated"] == {
        "contacts": len(treated),
        "conversions": 2,
        "rate": round(2 / len(treated), 4),
        "revenue": "1750.00",
    }
    assert figures["holdout"] == {
        "contacts": len(held),
        "conversions": 1,
        "rate": round(1 / len(held), 4),
        "revenue": "300.00",
    }
    difference = 2 / len(treated) - 1 / len(held)
    assert figures["uplift"]["rate"] == round(difference, 4)
    assert figures["uplift"]["low"] < figures["uplift"]["rate"] < figures["uplift"]["high"]
    incremental = (Decimal("1750") / len(treated) - Decimal("300") / len(held)) * len(treated)
    assert figures["uplift"]["incremental_revenue"] == str(incremental.quantize(Decimal("0.01")))


def test_no_held_out_entrants_means_no_uplift(marketer, clock):
    scenario = live_scenario(marketer, {"type": "order_placed"}, STEPS[1:])
    order_create(actor=None, contact=person("a@example.com"), currency="EUR", total="10.00")
    tick(clock)

    figures = report.scenario_report(scenario)["conversions"]

    assert figures["treated"]["contacts"] == 1
    assert figures["holdout"] == {"contacts": 0, "conversions": 0, "rate": None, "revenue": "0.00"}
    assert figures["uplift"] == {
        "rate": None,
        "low": None,
        "high": None,
        "incremental_revenue": None,
    }


def test_a_scenario_report_counts_its_opens_and_clicks(marketer, clock, smtp):
    steps = [
        {
            "type": "send",
            "channel": "email",
            "templates": [
                {
                    "language": "en",
                    "subject": "Hi",
                    "body_text": "Hi",
                    "body_html": '<p><a href="https://travel.example/">Offers</a></p>',
                }
            ],
        }
    ]
    scenario = live_scenario(marketer, {"type": "order_placed"}, steps)
    people = [person(f"s{i}@example.com") for i in range(2)]
    for someone in people:
        order_create(actor=None, contact=someone, currency="EUR", total="10.00")
    tick(clock)
    assert deliver_due().sent == 2
    html = smtp.messages[0].get_body(("html",)).get_content()
    click = re.search(r'href="https://crm\.travel\.example(/t/c/[^"]+)"', html)
    assert click is not None

    assert Client().get(click[1]).status_code == 302

    figures = report.scenario_report(scenario)["messages"]
    assert (figures["sent"], figures["opened"], figures["clicked"]) == (2, 1, 1)
