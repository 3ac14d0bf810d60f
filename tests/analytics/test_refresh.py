"""`rapport analytics refresh` end to end on a small hand-checked world: what it prints, what
it stores per customer and product, what it leaves out and says so, and bad input."""

import datetime as dt
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from rapport.analytics.loaders import bulk_method
from rapport.analytics.models import (
    AnalyticsRun,
    CrossSellPair,
    CustomerMetrics,
    ExchangeRate,
    ProductMetrics,
    ReportSnapshot,
    RfmSegmentHistory,
)
from rapport.analytics.refresh import refresh_customers
from tests.api.sales_data import make_order, make_product
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

ZONE = zoneinfo.ZoneInfo("Europe/Vilnius")
AS_OF = dt.date(2025, 6, 30)


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=ZONE)


@pytest.fixture
def world(users):
    """Ona: three purchase days (two orders on 2025-03-01, one refunded order that does not
    count); Petras: one order; Rasa (team South): one in USD, converted at 0.9; Jonas: one in
    GBP, which has no rate."""
    north, south = users["manager"], users["manager2"]
    crete = make_product("Crete", price="1000.00")
    insurance = make_product("Insurance", price="50.00", kind="addon")
    ona = ContactFactory(owner=north, first_name="Ona")
    petras = ContactFactory(owner=north, first_name="Petras")
    rasa = ContactFactory(owner=south, first_name="Rasa")
    jonas = ContactFactory(owner=south, first_name="Jonas")

    def lines(*products):
        return [{"product": p.pk, "quantity": 1, "unit_price": str(p.price)} for p in products]

    make_order(north, ona, None, lines=lines(crete, insurance), order_date=at("2025-01-10"))
    make_order(north, ona, "300.00", order_date=at("2025-03-01"))
    make_order(north, ona, "200.00", order_date=at("2025-03-01"))
    make_order(north, ona, "999.00", order_date=at("2025-04-01"), status="refunded")
    make_order(north, ona, None, lines=lines(crete), order_date=at("2025-06-10"), status="paid")
    make_order(north, petras, None, lines=lines(crete, insurance), order_date=at("2025-05-30"))
    ExchangeRate.objects.create(currency="USD", rate=Decimal("0.9"), valid_from="2025-01-01")
    from rapport.sales import services

    services.order_create(actor=south, contact=rasa, currency="USD", total="100.00",
                          order_date=at("2025-06-01"))  # fmt: skip
    services.order_create(actor=south, contact=jonas, currency="GBP", total="70.00",
                          order_date=at("2025-06-01"))  # fmt: skip
    return {"ona": ona, "petras": petras, "rasa": rasa, "jonas": jonas, "crete": crete,
            "insurance": insurance}  # fmt: skip


def refresh(*args: str) -> str:
    out = io.StringIO()
    call_command("analytics", "refresh", *args, stdout=out)
    return out.getvalue()


def test_refresh_prints_each_step_with_time_and_rows(world):
    output = refresh("--as-of", AS_OF.isoformat())

    assert "customer and product metrics:" in output
    # inside the test transaction: the cursor on SQLite, COPY on PostgreSQL
    assert f"  read orders ({bulk_method()})" in output
    for step in (
        "purchase summary",
        "RFM scores",
        "write customer metrics",
        "write segment history",
    ):
        assert f"  {step}" in output
    assert "1 orders in GBP were left out: it has no exchange rate." in output
    assert "rate used: 1 USD = 0.9 EUR (valid from 2025-01-01) for 1 orders" in output
    assert "3 customers as of 2025-06-30" in output
    assert output.rstrip().splitlines()[-1].startswith("acquisition:")


def test_refresh_stores_each_customers_purchase_summary(world):
    refresh("--as-of", AS_OF.isoformat())

    ona = CustomerMetrics.objects.get(contact=world["ona"])
    # purchase days 2025-01-10 (1050), 2025-03-01 (300 + 200), 2025-06-10 (1000)
    assert (ona.orders, ona.frequency, ona.recency_days, ona.T_days) == (4, 2, 20, 171)
    assert (ona.first_purchase, ona.last_purchase) == (dt.date(2025, 1, 10), dt.date(2025, 6, 10))
    assert (ona.total_revenue, ona.monetary) == (Decimal("2550.00"), Decimal("750.00"))
    assert (ona.as_of, ona.currency) == (AS_OF, "EUR")
    rasa = CustomerMetrics.objects.get(contact=world["rasa"])
    assert (rasa.total_revenue, rasa.frequency, rasa.monetary) == (Decimal("90.00"), 0, 0)
    assert not CustomerMetrics.objects.filter(contact=world["jonas"]).exists()


def test_refresh_scores_segments_and_records_their_history(world):
    refresh("--as-of", AS_OF.isoformat())

    rows = {m.contact_id: m for m in CustomerMetrics.objects.all()}
    ona, petras, rasa = (rows[world[k].pk] for k in ("ona", "petras", "rasa"))
    assert {m.r_score for m in rows.values()} <= {1, 2, 3, 4, 5}
    assert ona.f_score > petras.f_score
    assert ona.m_score == 5
    assert rasa.m_score == 1
    history = set(RfmSegmentHistory.objects.values_list("contact_id", "rfm_segment", "left_on"))
    assert history == {(m.contact_id, m.rfm_segment, None) for m in rows.values()}
    assert all(m.rfm_segment for m in rows.values())


def test_refresh_records_the_run_with_its_warnings_and_fits(world):
    refresh("--as-of", AS_OF.isoformat())

    run = AnalyticsRun.objects.get(kind="customers")
    assert (run.status, run.as_of, run.customers, run.currency) == ("done", AS_OF, 3, "EUR")
    assert run.warnings[0] == {
        "code": "no_rate",
        "params": {"currency": "GBP", "orders": 1, "value": 70.0, "first_rate_from": None},
    }
    # three customers are far too few to fit the lifetime-value models: said, not crashed
    assert run.fits["bgnbd"]["ok"] is False
    assert run.fits["bgnbd"]["reason"] == "too_few_repeat_buyers"
    assert CustomerMetrics.objects.filter(p_alive__isnull=True).count() == 3
    assert [s["step"] for s in run.steps][:2] == [
        f"read orders ({bulk_method()})",
        "read order lines",
    ]


def test_refresh_stores_products_and_reports(world):
    refresh("--as-of", AS_OF.isoformat())

    # the window: the 12 complete months before as_of, 2024-06-01 … 2025-05-31
    crete = ProductMetrics.objects.get(product=world["crete"])
    assert (crete.revenue, crete.orders, crete.customers) == (Decimal("2000.00"), 2, 2)
    assert (crete.abc_class, crete.as_of) == ("A", AS_OF)
    scopes = set(ReportSnapshot.objects.filter(report="rfm").values_list("scope", flat=True))
    team_north = world["ona"].owner.team_id
    team_south = world["rasa"].owner.team_id
    assert scopes == {"all", f"team:{team_north}", f"team:{team_south}"}
    north = ReportSnapshot.objects.get(report="rfm", scope=f"team:{team_north}").payload
    assert sum(c["count"] for c in north["cells"]) == 2
    assert len(north["cells"]) == 25
    assert CrossSellPair.objects.count() == 0  # too few baskets for a pattern (3 at least)


def test_refreshing_twice_the_same_day_keeps_one_row_per_customer(world):
    refresh("--as-of", AS_OF.isoformat())
    refresh("--as-of", AS_OF.isoformat())

    assert CustomerMetrics.objects.count() == 3
    assert RfmSegmentHistory.objects.count() == 3
    assert AnalyticsRun.objects.filter(kind="customers").count() == 2


@pytest.mark.parametrize("step", ["next_best_offers", "pair_tables"])
def test_a_failure_in_the_cross_sell_thread_fails_the_run_and_keeps_the_old_metrics(
    world, monkeypatch, step
):
    refresh("--as-of", AS_OF.isoformat())
    before = sorted(CustomerMetrics.objects.values_list("contact_id", "computed_at"))

    def broken(*args, **kwargs):
        raise MemoryError("no room for the pairs")

    monkeypatch.setattr(f"rapport.analytics.refresh.{step}", broken)
    with pytest.raises(MemoryError, match="no room for the pairs"):
        refresh_customers(as_of=AS_OF)

    run = AnalyticsRun.objects.filter(kind="customers").latest("started_at")
    assert run.status == "failed"
    assert run.note == "MemoryError: no room for the pairs"
    assert sorted(CustomerMetrics.objects.values_list("contact_id", "computed_at")) == before


def test_a_future_as_of_is_refused():
    with pytest.raises(CommandError, match="is in the future"):
        refresh("--as-of", "2999-01-01")


def test_a_bad_as_of_is_refused():
    with pytest.raises(CommandError, match="--as-of must be a date like 2026-11-30"):
        refresh("--as-of", "yesterday")


def test_no_orders_at_all_gives_an_explained_empty_result(db):
    output = refresh("--as-of", AS_OF.isoformat())

    assert "There are no booked or paid orders up to 2025-06-30: nothing to compute." in output
    assert "0 customers as of 2025-06-30" in output
    assert CustomerMetrics.objects.count() == 0
    run = refresh_customers(as_of=AS_OF)
    assert run.status == "done"


def test_the_nightly_job_refreshes_as_of_the_last_complete_day(world):
    from rapport.analytics.jobs import nightly_refresh
    from rapport.core.schedule import JobContext

    slot = dt.datetime(2025, 7, 1, 2, 30, tzinfo=ZONE)
    result = nightly_refresh(
        JobContext(name="analytics.refresh", slot=slot, attempt=1, skipped_slots=0, manual=False)
    )

    assert result["as_of"] == "2025-06-30"
    assert result["customers"] == 3
    assert CustomerMetrics.objects.get(contact=world["ona"]).as_of == AS_OF


def test_the_nightly_job_is_declared_and_runs_on_demand(world):
    from rapport.core import schedule

    run = schedule.run_now("analytics.refresh")

    assert run.status == "succeeded"
    assert AnalyticsRun.objects.get(kind="customers").as_of == dt.date.today()


def test_admin_pages_of_runs_and_rates(client, django_user_model, world):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.com", "x-Pass-123")
    client.force_login(boss)
    refresh("--as-of", AS_OF.isoformat())
    run = AnalyticsRun.objects.get(kind="customers")

    assert client.get("/admin/analytics/analyticsrun/").status_code == 200
    page = client.get(f"/admin/analytics/analyticsrun/{run.pk}/change/")
    assert "1 orders in GBP were left out: it has no exchange rate." in page.text
    assert client.get("/admin/analytics/exchangerate/add/").status_code == 200


def test_next_best_offer_is_the_next_departure_of_a_destination_such_customers_bought(users):
    north = users["manager"]

    def tour(name, destination, departure):
        return make_product(name, destination=destination, departure_date=departure)

    crete = tour("Crete, 1 Feb", "Crete", dt.date(2025, 2, 1))
    cyprus_past = tour("Cyprus, 1 Feb", "Cyprus", dt.date(2025, 2, 1))
    cyprus_next = tour("Cyprus, 1 Aug", "Cyprus", dt.date(2025, 8, 1))
    tour("Cyprus, 1 Sep", "Cyprus", dt.date(2025, 9, 1))

    def buy(who, *products):
        line = [{"product": p.pk, "quantity": 1, "unit_price": "500.00"} for p in products]
        make_order(north, who, None, lines=line, order_date=at("2025-01-10"))

    for _ in range(3):
        buy(ContactFactory(owner=north), crete, cyprus_past)
    newcomer = ContactFactory(owner=north)
    buy(newcomer, crete)

    refresh_customers(as_of=AS_OF)

    metrics = CustomerMetrics.objects.get(contact=newcomer)
    assert metrics.next_best_offer_id == cyprus_next.pk
    assert metrics.next_best_offer_reason == {
        "code": "also_bought",
        "params": {"because_of_label": "Crete", "offer_label": "Cyprus", "confidence": 0.75,
                   "lift": 1.0, "customers": 3},
    }  # fmt: skip
    from rapport.analytics.labels import offer_text

    assert offer_text(metrics.next_best_offer_reason) == (
        "Bought Crete; 75 % of such customers also bought Cyprus, lift 1.0."
    )
