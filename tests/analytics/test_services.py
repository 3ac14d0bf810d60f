"""The acquisition refresh end to end: services write sales data, the refresh reads it back."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from rapport.analytics.models import AcquisitionMonth, AnalyticsRun
from rapport.analytics.selectors import acquisition_report
from rapport.sales import services
from rapport.sales.models import LeadSource, SourceSpend
from tests.factories import make_pipeline

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
WINDOW = {"start": TODAY - dt.timedelta(days=100), "end": TODAY + dt.timedelta(days=31)}


@pytest.fixture
def sold(users):
    """Two leads from Instagram: one converted and won (an order of 1500 EUR), one open."""
    pipeline = make_pipeline()
    instagram = LeadSource.objects.create(name="Instagram", kind="instagram")
    SourceSpend.objects.create(
        source=instagram,
        period_start=WINDOW["start"],
        period_end=WINDOW["end"],
        amount=Decimal("500.00"),
        currency="EUR",
    )
    lead = services.lead_capture(
        data={"email": "ona@example.lt", "utm_campaign": "crete"}, source=instagram
    ).lead
    services.lead_capture(data={"email": "rita@example.lt"}, source=instagram)
    conversion = services.lead_convert(
        actor=users["manager"], lead=lead, amount="1500", currency="EUR"
    )
    services.deal_move_stage(
        actor=users["manager"], deal=conversion.deal, stage=pipeline.stages.get(kind="won")
    )
    return instagram


def test_refresh_then_report(sold, users):
    call_command("analytics", "refresh")

    report = acquisition_report(users["admin"], **WINDOW)

    row = report["rows"].row(0, named=True)
    assert report["labels"][row["source_id"]] == "Instagram"
    assert (row["leads"], row["converted"], row["deals_won"], row["new_customers"]) == (2, 1, 1, 1)
    assert row["revenue"] == pytest.approx(1500.0)
    assert row["spend"] == pytest.approx(500.0)
    assert row["romi_pct"] == pytest.approx(200.0)
    assert AnalyticsRun.objects.get(kind="acquisition").rows_read > 0


def test_refresh_replaces_old_cells(sold):
    call_command("analytics", "refresh")
    first = AcquisitionMonth.objects.count()

    call_command("analytics", "refresh")

    assert AcquisitionMonth.objects.count() == first


def test_managers_see_their_teams_cells_without_spend(sold, users):
    call_command("analytics", "refresh")
    window = WINDOW

    mine = acquisition_report(users["manager"], **window)
    other = acquisition_report(users["manager2"], **window)

    assert mine["rows"]["converted"].sum() == 1
    assert mine["spend_shown"] is False
    assert other["rows"]["converted"].sum() == 0
    with pytest.raises(PermissionError):  # the figures are not a service agent's to read
        acquisition_report(users["agent"], **window)


def test_bad_as_of_is_a_clear_error(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--as-of"):
        call_command("analytics", "refresh", "--as-of", "yesterday")


def test_customer_journey_runs_up_to_the_first_order(sold, users):
    from rapport.analytics.journey import customer_journey
    from rapport.contacts.models import Contact

    contact = Contact.objects.get(email="ona@example.lt")
    services.order_create(actor=users["manager"], contact=contact, currency="EUR", total="99")

    journey = customer_journey(users["manager"], contact)

    assert [(s.kind, s.source) for s in journey] == [
        ("lead", "Instagram"),
        ("interaction", ""),
        ("order", ""),
    ]
    assert journey[1].label.startswith("Lead converted")
    assert journey[-1].label.endswith("1500.00 EUR")


def test_the_journey_on_the_contact_page_shows_the_order_in_the_readers_number_format(
    sold, users, client
):
    from django.urls import reverse

    from rapport.contacts.models import Contact

    contact = Contact.objects.get(email="ona@example.lt")
    client.force_login(users["manager"])
    url = reverse("analytics:contact_journey", args=[contact.pk])

    english = client.get(url).content.decode()
    ukrainian = client.get(url, headers={"accept-language": "uk"}).content.decode()

    order = contact.orders.get()
    assert f"<strong>First order</strong> #{order.pk}: 1,500.00 EUR" in english
    assert f"<strong>Перше замовлення</strong> #{order.pk}: 1\u00a0500,00 EUR" in ukrainian
    assert "<div>Enquiry</div>" in english  # a lead without a message: no colon after


def test_customer_journey_leaves_out_leads_the_viewer_may_not_see(sold, users):
    from rapport.analytics.journey import customer_journey
    from rapport.contacts.models import Contact
    from rapport.sales.models import Lead

    contact = Contact.objects.get(email="ona@example.lt")  # owned by team North's manager
    other = services.lead_capture(
        data={"email": "ona.work@example.lt", "message": "Ski in Bukovel"}, source=None
    ).lead
    first = contact.leads.earliest("created_at").created_at
    Lead.objects.filter(pk=other.pk).update(
        contact=contact, owner=users["manager2"], created_at=first - dt.timedelta(days=1)
    )

    def lead_labels(role: str) -> list[str]:
        return [s.label for s in customer_journey(users[role], contact) if s.kind == "lead"]

    assert "Ski in Bukovel" not in lead_labels("manager")  # another team's enquiry
    assert "Ski in Bukovel" in lead_labels("admin")
    assert len(lead_labels("manager")) == len(lead_labels("admin")) - 1
