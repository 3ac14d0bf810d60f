"""A campaign's report on a data set built by hand: which messages count as sent, which
orders fall in the attribution window (treated: after the message; holdout: after the
launch), revenue in the reporting currency, unsubscribes and replies that point at the
campaign, and the uplift over the holdout."""

import datetime as dt
from decimal import Decimal

import pytest

from rapport.analytics.models import ExchangeRate
from rapport.campaigns.models import CampaignVariant, Message
from rapport.campaigns.report import campaign_report
from rapport.campaigns.unsubscribe import unsubscribe
from rapport.sales.models import Order
from tests.campaigns.conftest import campaign, grant, person
from tests.core.subprocess_env import rapport_env, run_python, run_rapport
from tests.factories import InteractionFactory

pytestmark = pytest.mark.django_db

SENT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
LAUNCH = SENT - dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _currency(settings):
    settings.RAPPORT_DEFAULT_CURRENCY = "EUR"
    settings.RAPPORT_ATTRIBUTION_DAYS = 14


def _message(made, contact, *, status="sent", reason="", sent_at=SENT, variant=None) -> Message:
    message = Message.objects.create(
        campaign=made,
        contact=contact,
        channel=made.channel,
        purpose="marketing",
        body_text="Hello",
        status=status,
        reason=reason,
        sent_at=sent_at,
        variant=variant,
        available_at=LAUNCH,
    )
    Message.objects.filter(pk=message.pk).update(created_at=LAUNCH)
    return message


def _order(contact, at, total, currency="EUR", status="booked") -> None:
    Order.objects.create(
        contact=contact, order_date=at, total=Decimal(total), currency=currency, status=status
    )


def test_the_report_counts_exactly_what_the_data_says():
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.9"), valid_from="2026-01-01")
    spring = campaign("Spring", channel="sms")
    other = campaign("Other", channel="sms")
    t1, t2, t3, t4 = (
        person(phone=f"+3706000000{i}", consents=("sms:marketing",), first_name=f"T{i}")
        for i in range(1, 5)
    )
    h1, h2, h3 = (person(first_name=f"H{i}") for i in range(1, 4))
    refused, silent = person(first_name="Refused"), person(first_name="Silent")
    _message(spring, t1, status="delivered")
    _message(spring, t2)
    _message(spring, t3, status="failed", reason="rejected")  # went out, bounced later
    last = _message(spring, t4)
    for held in (h1, h2, h3):
        _message(spring, held, status="skipped", reason="holdout", sent_at=None)
    _message(spring, refused, status="failed", reason="rejected", sent_at=None)
    _message(spring, silent, status="skipped", reason="no_consent", sent_at=None)
    elsewhere = _message(other, t1)

    _order(t1, SENT + DAY, "100.00")
    _order(t1, SENT + 14 * DAY - dt.timedelta(seconds=1), "20.00")  # the window's last second
    _order(t2, SENT + 3 * DAY, "50.00", "USD", status="paid")  # 45.00 EUR
    _order(t2, SENT + 3 * DAY, "10.00", "GBP")  # no GBP rate: left out of revenue
    _order(t2, SENT + 2 * DAY, "999.00", status="cancelled")  # never counts
    _order(t3, SENT - dt.timedelta(hours=2), "70.00")  # before the message
    _order(t3, SENT + 15 * DAY, "70.00")  # after the window
    _order(t4, SENT + 14 * DAY, "30.00")  # the window is over at 14 days
    _order(h1, LAUNCH + 2 * DAY, "80.00")  # a holdout converter
    _order(h2, LAUNCH + 20 * DAY, "60.00")
    unsubscribe(message=last, channels=["sms"])
    grant(t1, "sms")
    unsubscribe(message=elsewhere, channels=["sms"])  # another campaign's link
    InteractionFactory(contact=t2, channel="sms", kind="campaign.reply", occurred_at=SENT + DAY)
    InteractionFactory(contact=t3, channel="sms", kind="campaign.reply", occurred_at=LAUNCH)
    InteractionFactory(contact=h1, channel="sms", kind="campaign.reply", occurred_at=SENT + DAY)

    assert campaign_report(spring) == {
        "sent": 4,
        "delivered": 1,
        "failed": 2,
        "skipped": {"holdout": 3, "no_consent": 1},
        "opened": 0,
        "clicked": 0,
        "unsubscribed": 1,
        "replied": 1,
        "conversions": 2,
        "revenue": {"amount": "165.00", "currency": "EUR", "left_out": 1},
        "holdout": {"contacts": 3, "conversions": 1, "rate": 0.333333},
        "treated": {"contacts": 4, "conversions": 2, "rate": 0.5},
        # 1/2 − 1/3 ± 1.959964·√(0.25/4 + (2/9)/3); (165/4 − 80/3)·4
        "uplift": {
            "rate": 0.166667,
            "low": -0.557656,
            "high": 0.89099,
            "incremental_revenue": "58.33",
        },
        "variants": [],
        "attribution_days": 14,
        "cost": None,
        "romi": None,
        "incremental_romi": None,
    }

    spring.cost = Decimal("50.00")
    spring.save(update_fields=["cost"])
    report = campaign_report(spring)

    # (165 − 50) / 50; (58.33 − 50) / 50
    assert (report["cost"], report["romi"], report["incremental_romi"]) == (
        {"amount": "50.00", "currency": "EUR"},
        2.3,
        0.1666,
    )


def test_the_window_follows_the_setting(settings):
    settings.RAPPORT_ATTRIBUTION_DAYS = 30
    spring = campaign("Spring")
    buyer = person("buyer@example.com")
    _message(spring, buyer)
    _order(buyer, SENT + 20 * DAY, "40.00")

    report = campaign_report(spring)

    assert (report["conversions"], report["revenue"]["amount"], report["attribution_days"]) == (
        1,
        "40.00",
        30,
    )
    assert report["holdout"] == {"contacts": 0, "conversions": 0, "rate": None}
    assert report["uplift"] == {
        "rate": None,
        "low": None,
        "high": None,
        "incremental_revenue": None,
    }


def test_each_variant_reports_its_own_conversions():
    spring = campaign("Spring")
    a = CampaignVariant.objects.create(campaign=spring, name="Sun", share=50, position=0)
    b = CampaignVariant.objects.create(campaign=spring, name="Sea", share=50, position=1)
    people = [person(f"v{i}@example.com") for i in range(5)]
    for contact, variant in zip(people, (a, a, b, b, b), strict=True):
        _message(spring, contact, variant=variant)
    _order(people[0], SENT + DAY, "10.00")
    _order(people[2], SENT + DAY, "10.00")
    _order(people[3], SENT + DAY, "10.00")

    report = campaign_report(spring)

    assert report["variants"] == [
        {"name": "Sun", "sent": 2, "conversions": 1, "rate": 0.5, "opened": 0, "clicked": 0},
        {"name": "Sea", "sent": 3, "conversions": 2, "rate": 0.666667, "opened": 0, "clicked": 0},
    ]
    assert report["treated"] == {"contacts": 5, "conversions": 3, "rate": 0.6}
    assert report["revenue"]["amount"] == "30.00"


def test_the_window_is_read_from_the_environment_and_a_bad_one_stops_the_start(tmp_path):
    show = "from django.conf import settings; print(settings.RAPPORT_ATTRIBUTION_DAYS)"
    assert run_python(show, env=rapport_env(tmp_path)) == "14"
    assert run_python(show, env=rapport_env(tmp_path, RAPPORT_ATTRIBUTION_DAYS="30")) == "30"

    result = run_rapport("check", env=rapport_env(tmp_path, RAPPORT_ATTRIBUTION_DAYS="two weeks"))

    assert result.returncode == 1
    assert "RAPPORT_ATTRIBUTION_DAYS: 'two weeks' is not a number of days" in result.stderr
