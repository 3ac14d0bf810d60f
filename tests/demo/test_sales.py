"""`rapport demo`: the sales side (sources, leads, deals, orders) is there and consistent."""

import datetime as dt
import io
import itertools
from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count, Min, Sum
from django.utils import timezone

from rapport.accounts.models import User
from rapport.analytics.models import AcquisitionMonth
from rapport.analytics.selectors import acquisition_report
from rapport.catalog.models import Category, Product
from rapport.contacts.models import Contact
from rapport.sales.models import (
    AssignmentRule,
    Deal,
    DealProduct,
    DealStageChange,
    Lead,
    LeadSource,
    LeadStatusChange,
    LostReason,
    Order,
    OrderLine,
    Pipeline,
    SourceSpend,
    Stage,
    TrackingNumber,
    WebForm,
)
from rapport.timeline.models import Interaction

SALES_MODELS = (
    LeadSource, SourceSpend, TrackingNumber, WebForm, AssignmentRule, Pipeline, Stage, LostReason,
    Category, Product, Lead, LeadStatusChange, Deal, DealStageChange, DealProduct, Order,
    OrderLine, Interaction, Contact, AcquisitionMonth,
)  # fmt: skip


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SALES_MODELS}


@pytest.fixture
def demo(db):
    call_command("demo", size="tiny", seed=7, stdout=io.StringIO(), verbosity=1)


def test_the_agency_is_set_up_to_sell(demo):
    kinds = dict(LeadSource.objects.values_list("name", "kind"))
    leisure = Pipeline.objects.get(is_default=True)
    form = WebForm.objects.get(slug="tours")

    assert kinds == {
        "Website": "website", "Instagram": "instagram", "Facebook": "facebook",
        "Google Ads": "google_ads", "Phone": "phone", "Walk-in": "walk_in",
        "Referral": "referral", "Partner": "partner", "Exhibition": "exhibition",
    }  # fmt: skip
    assert form.source.name == "Website"
    assert leisure.name == "Leisure tours"
    assert list(leisure.stages.values_list("key", "name", "probability", "kind")) == [
        ("enquiry", "Enquiry", 10, "open"),
        ("offer_sent", "Offer sent", 40, "open"),
        ("booking", "Booking", 80, "open"),
        ("won", "Won", 100, "won"),
        ("lost", "Lost", 0, "lost"),
    ]
    assert set(Pipeline.objects.values_list("name", flat=True)) == {
        "Leisure tours",
        "Corporate travel",
    }
    assert LostReason.objects.count() == 6
    assert TrackingNumber.objects.filter(source__name="Phone").exists()
    assert set(AssignmentRule.objects.values_list("team__name", flat=True)) == {
        "Kyiv office",
        "Vilnius office",
    }
    assert set(Category.objects.values_list("name", flat=True)) >= {
        "Beach holidays", "Ski", "Excursion tours", "Cruises", "City breaks",
    }  # fmt: skip
    tour = Product.objects.filter(kind="tour").first()
    assert tour.destination
    assert tour.hotel_category in (3, 4, 5)
    assert tour.currency == "EUR"
    assert tour.return_date > tour.departure_date
    assert Product.objects.filter(kind="addon", name="Child seat in the transfer").exists()


def test_sales_data_exists_and_orders_belong_to_customers(demo):
    found = counts()

    assert found["Lead"] >= 40
    assert found["Deal"] >= 30
    assert found["Order"] >= found["Deal"] // 2
    assert found["OrderLine"] >= 2 * found["Order"]
    stages = set(
        Contact.objects.filter(orders__isnull=False).values_list("lifecycle_stage", flat=True)
    )
    assert stages == {"customer"}
    assert not Contact.objects.filter(lifecycle_stage="customer", orders__isnull=True).exists()


def test_each_customer_source_is_that_of_their_first_lead(demo):
    first = {}
    for lead in Lead.objects.select_related("source").order_by("created_at", "id"):
        first.setdefault(lead.contact_id, lead.source.name)

    assert first
    for contact in Contact.objects.filter(pk__in=first):
        assert contact.source == first[contact.pk], contact.external_id


def test_lead_histories_end_in_the_current_status(demo):
    for lead in Lead.objects.prefetch_related("status_changes"):
        history = list(lead.status_changes.all())
        assert history[0].from_status == ""
        assert history[0].to_status == "new"
        assert history[-1].to_status == lead.status
        assert [c.at for c in history] == sorted(c.at for c in history)
        if lead.status == "disqualified":
            assert lead.disqualify_reason == history[-1].note != ""
        if lead.status == "converted":
            assert lead.converted_at == history[-1].at
    assert Lead.objects.filter(status="disqualified").exists()
    assert Lead.objects.exclude(gclid="").filter(source__name="Google Ads").exists()


def test_deal_stage_histories_are_ordered_rows(demo):
    for deal in Deal.objects.prefetch_related("stage_changes").select_related("stage"):
        history = list(deal.stage_changes.all())
        assert history[0].from_stage_id is None
        assert history[0].at == deal.created_at
        for before, after in itertools.pairwise(history):
            assert after.from_stage_id == before.to_stage_id
            assert after.at >= before.at
            assert after.seconds_in_previous == int((after.at - before.at).total_seconds())
        assert history[-1].to_stage_id == deal.stage_id
        assert deal.stage.pipeline_id == deal.pipeline_id
        if deal.stage.kind == "lost":
            assert deal.lost_reason_id is not None
            assert deal.closed_at == history[-1].at


def test_won_deals_have_their_order_and_lines_sum_to_totals(demo):
    won = Deal.objects.filter(stage__kind="won").select_related("order")

    assert won.exists()
    for deal in won:
        assert deal.order.contact_id == deal.contact_id
        assert deal.order.total == deal.amount
        assert deal.order.order_date == deal.closed_at
    assert not Order.objects.filter(deal__stage__kind__in=["open", "lost"]).exists()
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for order_id, line_total, qty, unit, discount in OrderLine.objects.values_list(
        "order_id", "line_total", "quantity", "unit_price", "discount"
    ):
        assert line_total == qty * unit - discount
        sums[order_id] += line_total
    assert dict(Order.objects.values_list("id", "total")) == sums


def test_orders_are_on_the_timeline_and_span_three_years(demo):
    order_type = ContentType.objects.get_for_model(Order)
    on_timeline = set(
        Interaction.objects.filter(channel="order", source_type=order_type).values_list(
            "source_id", "contact_id", "occurred_at"
        )
    )

    assert on_timeline == set(Order.objects.values_list("id", "contact_id", "order_date"))
    dates = Order.objects.values_list("order_date", flat=True)
    assert max(dates) - min(dates) > dt.timedelta(days=2 * 365)
    assert max(dates) <= timezone.now()
    assert set(Order.objects.values_list("status", flat=True)) >= {"paid", "cancelled"}


def test_marketing_spend_covers_three_years_per_paid_source(demo):
    today = timezone.now().date()
    first_month = (today - dt.timedelta(days=3 * 365)).replace(day=1)
    google = SourceSpend.objects.filter(source__name="Google Ads")

    assert (
        google.count() == (today.year - first_month.year) * 12 + today.month - first_month.month + 1
    )
    assert google.aggregate(m=Min("period_start"))["m"] == first_month
    assert google.order_by("-period_end").first().period_end >= today
    assert set(SourceSpend.objects.values_list("currency", flat=True)) == {"EUR"}
    assert SourceSpend.objects.values("source").distinct().count() == 9


def test_running_demo_again_changes_no_sales_counts(demo):
    before = counts()
    revenue = Order.objects.aggregate(s=Sum("total"))["s"]

    call_command("demo", size="tiny", seed=7, stdout=io.StringIO(), verbosity=1)

    assert counts() == before
    assert Order.objects.aggregate(s=Sum("total"))["s"] == revenue


def test_acquisition_report_over_the_demo_has_leads_and_revenue_per_source(demo):
    admin = User.objects.get(username="admin")
    today = timezone.now().date()

    report = acquisition_report(
        admin, start=today - dt.timedelta(days=3 * 365), end=today, by="source_id"
    )
    rows = {r["source_id"]: r for r in report["rows"].iter_rows(named=True)}

    assert sum(r["leads"] for r in rows.values()) == Lead.objects.count()
    with_leads = Lead.objects.values("source").annotate(n=Count("id"))
    for row in with_leads:
        assert rows[row["source"]]["leads"] == row["n"]
    paying = [r for r in rows.values() if r["revenue"] > 0]
    assert len(paying) >= 3
    assert all(r["spend"] and r["spend"] > 0 for r in rows.values() if r["source_id"])


def test_every_paid_source_returns_a_plausible_romi_over_the_history(demo):
    admin = User.objects.get(username="admin")
    today = timezone.now().date()
    start = (today - dt.timedelta(days=3 * 365)).replace(day=1)

    rows = acquisition_report(admin, start=start, end=today, by="source_id")["rows"]

    paid = [r for r in rows.iter_rows(named=True) if r["spend"]]
    assert len(paid) == 9
    for row in paid:
        assert -50 <= row["romi_pct"] <= 800, row
        # a budget is never a token 50 EUR a month: it pays for the customers it brought
        assert row["cac"] is None or row["cac"] >= 50, row


def test_referred_customers_name_an_earlier_customer_as_their_referrer(demo):
    referred = list(
        Contact.objects.exclude(referred_by=None).values_list(
            "pk", "source", "referred_by_id", "referred_by__lifecycle_stage"
        )
    )

    assert len(referred) >= 3
    for contact_id, source, referrer_id, referrer_stage in referred:
        # a referral names someone created before them, so no circle can form
        assert (source.lower(), referrer_stage) == ("referral", "customer")
        assert referrer_id < contact_id
