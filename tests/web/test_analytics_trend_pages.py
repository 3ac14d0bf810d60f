"""The cohort, forecast, cross-sell, manager and refresh-status pages: who sees what, the
figures the last refresh stored (hand-checked), their CSV files, and the empty states."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.conf import settings

from rapport.analytics.models import AnalyticsRun
from rapport.analytics.refresh import refresh_customers
from rapport.sales.models import Lead
from tests.api.conftest import make_contact
from tests.api.sales_data import make_order
from tests.api.test_customer_analytics import AS_OF, at

pytestmark = pytest.mark.django_db

JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}
PAGES = ["cohorts", "forecast", "cross-sell", "managers", "refresh/status"]


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _chart(text: str, name: str) -> dict:
    match = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', text, re.S)
    assert match is not None
    return json.loads(match.group(1))


# --- who may open the pages ------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("manager", 200), ("marketer", 200), ("analyst", 200), ("agent", 403)],
)
def test_each_page_per_role(as_user, users, page, role, status):
    response = as_user(role).get(f"/analytics/{page}/")

    assert response.status_code == status


@pytest.mark.parametrize("csv_name", ["cohorts", "forecast", "cross-sell", "managers"])
def test_a_service_agent_gets_no_csv(as_user, users, csv_name):
    assert as_user("agent").get(f"/analytics/{csv_name}.csv").status_code == 403


def test_the_pages_ask_for_a_login(client):
    response = client.get("/analytics/cohorts/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/analytics/cohorts/"


# --- before any refresh ----------------------------------------------------------------------


@pytest.mark.parametrize("page", ["cohorts", "forecast", "cross-sell"])
def test_before_any_refresh_the_page_says_so(as_user, users, page):
    response = as_user("admin").get(f"/analytics/{page}/")

    assert response.status_code == 200
    assert "No refresh has run yet, so there are no figures to show." in response.text
    assert "Download CSV" not in response.text
    assert "<table" not in response.text


def test_before_any_refresh_the_status_page_says_so(as_user, users):
    response = as_user("admin").get("/analytics/refresh/status/")

    assert 'id="no-runs"' in response.text
    assert 'id="refresh-now"' in response.text


# --- cohorts ---------------------------------------------------------------------------------


def test_cohort_heatmap_for_the_whole_business(as_user, sold):
    response = as_user("admin").get("/analytics/cohorts/")

    rows = response.context["rows"]
    assert [(r["cohort"], r["size"]) for r in rows] == [("2025-02", 6)]
    cells = rows[0]["cells"]
    assert [(c["months_since"], c["month"], c["customers"]) for c in cells] == [
        (0, "2025-02", 6), (1, "2025-03", 0), (2, "2025-04", 0), (3, "2025-05", 1),
        (4, "2025-06", 0),
    ]  # fmt: skip
    assert cells[3]["retention"] == pytest.approx(1 / 6, abs=1e-4)
    assert 'href="/contacts/?cohort=2025-02&amp;bought_in=2025-05"' in response.text
    assert ">17%</a>" in response.text  # retention is the default view
    assert 'id="short-history"' in response.text  # one cohort only


def test_cohort_revenue_and_count_toggles(as_user, sold):
    revenue = as_user("admin").get("/analytics/cohorts/", {"metric": "revenue"})
    counts = as_user("admin").get("/analytics/cohorts/", {"metric": "customers"})

    assert revenue.context["metric"] == "revenue"
    assert ">6,300</a>" in revenue.text  # 6 × 1,050 in the acquisition month
    assert ">1,000</a>" in revenue.text
    assert ">6</a>" in counts.text
    bad = as_user("admin").get("/analytics/cohorts/", {"metric": "nonsense"})
    assert bad.context["metric"] == "retention"


def test_a_cohort_cell_links_to_the_customers_behind_it(as_user, sold):
    page = as_user("admin").get("/contacts/", {"cohort": "2025-02", "bought_in": "2025-05"})
    whole_cohort = as_user("admin").get("/contacts/", {"cohort": "2025-02"})

    assert [c.pk for c in page.context["page"].items] == [sold["north0"].pk]
    assert len(whole_cohort.context["page"].items) == 6


def test_a_sales_manager_sees_the_cohorts_of_their_team(as_user, sold, users):
    response = as_user("manager").get("/analytics/cohorts/")
    other_team = as_user("manager").get("/analytics/cohorts/", {"team": users["manager2"].team_id})

    assert [(r["cohort"], r["size"]) for r in response.context["rows"]] == [("2025-02", 3)]
    assert response.context["filters"].teams == []  # always their own team's customers
    # another team's figures are not theirs: their own, and why
    assert [(r["cohort"], r["size"]) for r in other_team.context["rows"]] == [("2025-02", 3)]
    assert "You cannot choose that team; showing the figures you may see." in other_team.text


def test_a_teams_cohort_links_to_that_teams_customers(as_user, sold, users):
    south = users["manager2"].team_id

    response = as_user("admin").get("/analytics/cohorts/", {"team": south})

    url = response.context["rows"][0]["url"]
    assert url == f"/contacts/?cohort=2025-02&team={south}"
    listed = as_user("admin").get(url)
    assert {c.pk for c in listed.context["page"].items} == {
        sold["south0"].pk, sold["south1"].pk, sold["south2"].pk,
    }  # fmt: skip


def test_a_team_without_customers_has_no_cohorts(as_user, sold):
    from tests.factories import TeamFactory

    empty = TeamFactory(name="West")

    response = as_user("admin").get("/analytics/cohorts/", {"team": empty.pk})

    assert response.context["rows"] == []
    assert 'id="no-cohorts"' in response.text
    assert "Download CSV" not in response.text


def test_cohorts_csv(as_user, sold):
    rows = _csv_rows(as_user("admin").get("/analytics/cohorts.csv"))

    assert rows[0] == [
        "Cohort", "Months since the first purchase", "Month", "Cohort size",
        "Customers retained", "Customers retained, %", "Revenue", "Currency",
    ]  # fmt: skip
    assert rows[1:] == [
        ["2025-02", "0", "2025-02", "6", "6", "100.00", "6300.00", "EUR"],
        ["2025-02", "1", "2025-03", "6", "0", "0.00", "0.00", "EUR"],
        ["2025-02", "2", "2025-04", "6", "0", "0.00", "0.00", "EUR"],
        ["2025-02", "3", "2025-05", "6", "1", "16.70", "1000.00", "EUR"],
        ["2025-02", "4", "2025-06", "6", "0", "0.00", "0.00", "EUR"],
    ]


# --- forecast --------------------------------------------------------------------------------


def test_forecast_from_a_short_history_explains_itself(as_user, sold):
    response = as_user("admin").get("/analytics/forecast/", {"series": "orders"})

    assert [h["month"] for h in response.context["history"]] == [
        "2025-02", "2025-03", "2025-04", "2025-05",
    ]  # fmt: skip
    points = response.context["points"]
    assert [p["month"] for p in points][:2] == ["2025-06", "2025-07"]
    assert len(points) == 12
    assert points[0]["forecast"] == 1.0
    assert response.context["method"] == "Naive: every month as the last complete month"
    assert (
        "4 months of history: fewer than the 24 a seasonal model needs, so the forecast "
        "repeats the last month."
    ) in response.context["notes"]
    assert "A backtest needs at least 16 months of history; there are 4." in response.text
    chart = _chart(response.text, "forecast-data")
    assert chart["labels"][:5] == ["2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    assert chart["history"][:4] == [6.0, 0.0, 0.0, 1.0]
    assert chart["forecast"][3:5] == [1.0, 1.0]  # joined at the last month of history
    assert chart["pipeline"] is None  # orders: the pipeline is money
    assert "chart.umd.min.js" in response.text
    assert '<th scope="col" class="num">Range, 95 %</th>' in response.text


def test_forecast_of_revenue_shows_the_pipeline(as_user, sold):
    response = as_user("admin").get("/analytics/forecast/")

    assert response.context["with_pipeline"] is True
    assert response.context["points"][0]["pipeline"] == 0.0  # no open deals
    assert 'id="pipeline-note"' in response.text
    assert _chart(response.text, "forecast-data")["pipeline"][4] == 0.0


def test_the_pipeline_forecast_and_what_it_left_out(as_user, sold, users):
    from tests.api.sales_data import make_deal
    from tests.factories import make_pipeline

    make_pipeline()  # the default pipeline: new deals start at Enquiry, 10 %
    who = sold["north1"]
    make_deal(users["manager"], who, amount="2000", currency="EUR",
              expected_close_date="2025-08-15")  # fmt: skip
    make_deal(users["manager"], who, amount="900", currency="USD",
              expected_close_date="2025-07-01")  # fmt: skip
    refresh_customers(as_of=AS_OF)

    response = as_user("admin").get("/analytics/forecast/")

    pipeline = {p["month"]: p["pipeline"] for p in response.context["points"]}
    assert (pipeline["2025-07"], pipeline["2025-08"]) == (0.0, 200.0)
    assert "1 deal in a currency without an exchange rate was left out." in response.text
    rows = _csv_rows(as_user("admin").get("/analytics/forecast.csv"))
    assert [r[7] for r in rows[5:8]] == ["0.00", "0.00", "200.00"]  # June, July, August


def test_forecast_per_category_and_team(as_user, sold, users):
    tours = sold["crete"].category_id
    admin = as_user("admin").get("/analytics/forecast/", {"category": tours})
    north = as_user("manager").get("/analytics/forecast/", {"series": "orders"})

    assert [h["value"] for h in admin.context["history"]] == [6000.0, 0.0, 0.0, 1000.0]
    assert admin.context["with_pipeline"] is False
    assert sum(h["value"] for h in north.context["history"]) == 4.0


def test_forecast_csv(as_user, sold):
    rows = _csv_rows(as_user("admin").get("/analytics/forecast.csv", {"series": "orders"}))

    assert rows[0] == [
        "Month", "Actual", "Forecast", "Low, 80 %", "High, 80 %", "Low, 95 %", "High, 95 %",
        "Pipeline, weighted", "Currency",
    ]  # fmt: skip
    assert rows[1] == ["2025-02", "6.00", "", "", "", "", "", "", ""]
    assert rows[4] == ["2025-05", "1.00", "", "", "", "", "", "", ""]
    assert rows[5][:3] == ["2025-06", "", "1.00"]
    assert len(rows) == 1 + 4 + 12


# --- cross-sell ------------------------------------------------------------------------------


def test_cross_sell_pairs_in_one_basket(as_user, sold):
    response = as_user("admin").get("/analytics/cross-sell/", {"basis": "basket"})

    pairs = [(r["product_name"], r["also_bought_name"], r["customers"])
             for r in response.context["rows"]]  # fmt: skip
    # equal lift: the surer rule first (every insurance buyer took Crete; 6 of 7 Crete orders
    # had insurance)
    assert pairs == [("Insurance", "Crete", 6), ("Crete", "Insurance", 6)]
    crete, insurance = sold["crete"].pk, sold["insurance"].pk
    # a basket pair's customers may have bought both apart too: the list is not theirs
    assert "/contacts/?bought=" not in response.text
    by_customer = as_user("admin").get("/analytics/cross-sell/")
    assert f'href="/contacts/?bought={insurance}%2C{crete}"' in by_customer.text
    assert [p.name for p in response.context["products"]] == ["Crete", "Insurance"]


def test_cross_sell_filters(as_user, sold):
    crete = sold["crete"].pk
    one = as_user("admin").get("/analytics/cross-sell/", {"basis": "basket", "product": crete})
    strict = as_user("admin").get("/analytics/cross-sell/", {"basis": "basket", "min_lift": "1.5"})
    many = as_user("admin").get("/analytics/cross-sell/", {"basis": "basket", "min_customers": "7"})
    junk = as_user("admin").get("/analytics/cross-sell/", {"min_lift": "abc", "basis": "x"})

    assert [r["also_bought_name"] for r in one.context["rows"]] == ["Insurance"]
    assert strict.context["rows"] == []
    assert "No pair matches these filters" in strict.text
    assert many.context["rows"] == []
    assert (junk.status_code, junk.context["basis"], junk.context["min_lift"]) == (
        200, "customer", None,
    )  # fmt: skip


def test_the_pairs_customers_link_lists_them(as_user, sold):
    both = f"{sold['crete'].pk},{sold['insurance'].pk}"
    admin = as_user("admin").get("/contacts/", {"bought": both})
    north = as_user("manager").get("/contacts/", {"bought": both})

    assert len(admin.context["page"].items) == 6
    assert {c.pk for c in north.context["page"].items} == {
        sold["north0"].pk, sold["north1"].pk, sold["north2"].pk,
    }  # fmt: skip


def test_a_sales_manager_sees_their_teams_pairs(as_user, sold):
    response = as_user("manager").get("/analytics/cross-sell/", {"basis": "basket"})

    assert [r["customers"] for r in response.context["rows"]] == [3, 3]


def test_cross_sell_csv(as_user, sold):
    rows = _csv_rows(as_user("admin").get("/analytics/cross-sell.csv", {"basis": "basket"}))

    assert rows == [
        ["Product", "Also bought", "Support", "Confidence", "Lift", "Customers", "Product id",
         "Also bought id"],
        ["Insurance", "Crete", "0.8571", "1.0000", "1.00", "6", str(sold["insurance"].pk),
         str(sold["crete"].pk)],
        ["Crete", "Insurance", "0.8571", "0.8571", "1.00", "6", str(sold["crete"].pk),
         str(sold["insurance"].pk)],
    ]  # fmt: skip


def test_no_pairs_yet_is_explained(as_user, users):
    refresh_customers(as_of=AS_OF)  # a refresh with no orders at all

    response = as_user("admin").get("/analytics/cross-sell/")

    assert response.context["rows"] == []
    assert 'id="no-pairs"' in response.text
    assert "a pair needs at least three customers" in response.text


def test_the_product_page_shows_what_its_buyers_also_bought(as_user, sold):
    page = as_user("admin").get(f"/products/{sold['crete'].pk}/")
    agent = as_user("agent").get(f"/products/{sold['crete'].pk}/")

    assert [r["also_bought_name"] for r in page.context["also_bought"]] == ["Insurance"]
    assert "Customers who bought this also bought" in page.text
    assert agent.status_code == 200
    assert agent.context["also_bought"] is None
    assert "Customers who bought this also bought" not in agent.text


# --- managers --------------------------------------------------------------------------------


@pytest.fixture
def worked(users, clock):
    """`manager` converts a lead and wins 1,500 EUR this month; nothing the month before."""
    from rapport.sales import services
    from tests.factories import make_pipeline

    clock.set("2026-01-20T12:00")
    pipeline = make_pipeline()
    manager = users["manager"]
    lead = services.lead_capture(data={"email": "ona@example.lt"}, source=None).lead
    Lead.objects.filter(pk=lead.pk).update(owner=manager)
    lead.refresh_from_db()
    conversion = services.lead_convert(actor=manager, lead=lead, amount="1500", currency="EUR")
    services.deal_move_stage(
        actor=manager, deal=conversion.deal, stage=pipeline.stages.get(kind="won")
    )
    return conversion


def test_the_manager_league_table(as_user, users, worked):
    response = as_user("admin").get("/analytics/managers/", JANUARY)

    rows = response.context["rows"]
    assert rows[0]["manager"] == users["manager"].pk
    assert rows[0]["rank"] == 1
    assert (rows[0]["leads"], rows[0]["deals_won"], rows[0]["revenue"]) == (1, 1, 1500.0)
    leads = rows[0]["cells"][0]
    assert (leads["value"], leads["change"], leads["direction"], leads["good"]) == (
        1, 1, "up", True,
    )  # fmt: skip
    assert {r["manager"] for r in rows} >= {
        users["manager"].pk, users["manager_mate"].pk, users["manager2"].pk,
    }  # fmt: skip
    assert response.context["previous_start"] == dt.date(2025, 12, 1)
    assert response.context["previous_end"] == dt.date(2025, 12, 31)
    assert "▲ +1" in response.text
    leads_link = (
        f"/leads/?owner={users['manager'].pk}&created_after=2026-01-01&created_before=2026-01-31"
    )
    assert leads["url"] == leads_link
    listed = as_user("admin").get(leads_link)
    assert len(listed.context["page"].items) == 1  # the one lead counted


def test_a_sales_manager_sees_their_teams_managers(as_user, users, worked):
    response = as_user("manager").get("/analytics/managers/")

    assert {r["manager"] for r in response.context["rows"]} == {
        users["manager"].pk, users["manager_mate"].pk,
    }  # fmt: skip


def test_a_team_without_managers_is_explained(as_user, users, worked):
    from tests.factories import TeamFactory

    empty = TeamFactory(name="West")

    response = as_user("admin").get("/analytics/managers/", {"team": empty.pk})

    assert response.context["rows"] == []
    assert 'id="no-managers"' in response.text


def test_managers_sorted_by_a_column(as_user, users, worked):
    response = as_user("admin").get("/analytics/managers/", {"sort": "activities_overdue"})

    assert response.context["sort"] == "activities_overdue"
    assert 'href="?sort=leads&amp;from=2026-01-01&amp;to=2026-01-20"' in response.text
    junk = as_user("admin").get("/analytics/managers/", {"sort": "pk", "from": "x"})
    assert (junk.status_code, junk.context["sort"]) == (200, "revenue")
    assert "“x” is not a date like 2026-05-01; the default is used." in junk.text


def test_managers_csv(as_user, users, worked):
    rows = _csv_rows(as_user("manager").get("/analytics/managers.csv", JANUARY))

    assert rows[0][:6] == [
        "Rank", "Manager", "Team", "Leads", "Leads, previous period", "Leads, change",
    ]  # fmt: skip
    assert len(rows[0]) == 3 + 3 * 10
    assert len(rows) == 3  # the manager and their team mate
    first = rows[1]
    assert first[:6] == ["1", first[1], "North", "1", "0", "1"]
    assert first[1] == (users["manager"].get_full_name() or users["manager"].username)


# --- refresh status --------------------------------------------------------------------------


def test_refresh_status_after_a_refresh(as_user, sold):
    response = as_user("admin").get("/analytics/refresh/status/")

    latest = response.context["latest"]
    assert (latest.status, latest.as_of, latest.customers) == ("done", AS_OF, 6)
    assert 'id="run-steps"' in response.text
    assert "Done" in response.text
    assert response.context["fits"][0]["ok"] is False
    assert "Only 1 customers bought more than once; the model needs at least 20." in response.text


def test_refresh_steps_are_named_in_the_readers_language(client, users, sold):
    client.force_login(users["admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"

    page = client.get("/analytics/refresh/status/").text
    steps = re.findall(r'<th scope="row">([^<]*)</th>', page)

    assert steps[:4] == [
        "Читання замовлень",
        "Читання рядків замовлень",
        "Читання товарів, власників і курсів",
        "Перерахунок валют",
    ]
    assert "Запис показників клієнтів" in steps
    assert steps[-1] == "Фіксація транзакції"


def test_only_those_who_may_recompute_get_the_button(as_user, sold):
    assert 'id="refresh-now"' in as_user("admin").get("/analytics/refresh/status/").text
    assert 'id="refresh-now"' in as_user("analyst").get("/analytics/refresh/status/").text
    assert 'id="refresh-now"' not in as_user("manager").get("/analytics/refresh/status/").text


def test_refresh_now_runs_the_refresh_and_shows_its_warnings(as_user, users):
    who = make_contact(users["manager"], first_name="Ieva")
    make_order(users["manager"], who, "100.00", order_date=at("2025-03-01"))
    from rapport.sales import services

    services.order_create(
        actor=users["manager"], contact=who, currency="USD", total="80.00",
        order_date=at("2025-03-02"),
    )  # fmt: skip

    answer = as_user("admin").post(
        "/analytics/refresh/", {"next": "/analytics/refresh/status/"}
    )  # the tests' task backend runs it at once
    page = as_user("admin").get("/analytics/refresh/status/")

    assert (answer.status_code, answer["Location"]) == (302, "/analytics/refresh/status/")
    assert AnalyticsRun.objects.filter(kind="customers", status="done").count() == 1
    warnings = page.context["warnings"]
    assert warnings[0] == "1 orders in USD were left out: it has no exchange rate."
    assert warnings[1] == (
        "Repeat purchases (BG/NBD): Only 0 customers bought more than once; the model needs "
        "at least 20."
    )
    assert 'id="run-warnings"' in page.text


def test_a_sales_manager_cannot_refresh(as_user, users):
    assert as_user("manager").post("/analytics/refresh/").status_code == 403
    assert AnalyticsRun.objects.count() == 0


def test_a_running_refresh_is_watched_and_a_failed_one_says_why(as_user, users):
    from django.utils import timezone

    now = timezone.now()
    run = AnalyticsRun.objects.create(
        kind="customers", as_of=AS_OF, computed_at=now, started_at=now, seconds=0,
        status="running",
    )  # fmt: skip

    running = as_user("admin").get("/analytics/refresh/status/")
    AnalyticsRun.objects.filter(pk=run.pk).update(status="failed", note="MemoryError: out")
    failed = as_user("admin").get("/analytics/refresh/status/")

    assert 'hx-trigger="every 5s"' in running.text  # the page follows it until it ends
    assert "Running" in running.text
    assert 'hx-trigger="every 5s"' not in failed.text
    assert '<p class="error" id="run-failure">MemoryError: out</p>' in failed.text
