"""The customer-analytics endpoints after a refresh: exact shapes (INTERFACES.md), hand-checked
figures, and a sales manager's reports covering their team's customers only."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from rapport.activities.models import Activity
from rapport.analytics.refresh import refresh_customers
from rapport.sales.models import Lead
from tests.api.conftest import API, make_contact
from tests.api.sales_data import make_order, make_product

pytestmark = pytest.mark.django_db

ZONE = zoneinfo.ZoneInfo("Europe/Vilnius")
AS_OF = dt.date(2025, 6, 30)


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=ZONE)


@pytest.fixture
def sold(users):
    """Three customers of team North and three of team South each book Crete with insurance
    in one order (2025-02-03); North's first also books Crete again on 2025-05-10."""
    crete = make_product("Crete", price="1000.00", category="Tours")
    insurance = make_product("Insurance", price="50.00", kind="addon", category="Extras")
    basket = [
        {"product": crete.pk, "quantity": 1, "unit_price": "1000.00"},
        {"product": insurance.pk, "quantity": 1, "unit_price": "50.00"},
    ]
    people = {}
    for team, owner in (("north", users["manager"]), ("south", users["manager2"])):
        for k in range(3):
            who = make_contact(owner, first_name=f"{team}{k}", email=f"{team}{k}@example.lt")
            make_order(owner, who, None, lines=basket, order_date=at("2025-02-03"))
            people[f"{team}{k}"] = who
    make_order(users["manager"], people["north0"], None, lines=basket[:1],
               order_date=at("2025-05-10"))  # fmt: skip
    refresh_customers(as_of=AS_OF)
    return {"crete": crete, "insurance": insurance, **people}


def test_a_customers_metrics(api_as, sold):
    body = api_as("manager").get(f"{API}/customers/{sold['north0'].pk}/metrics").json()

    assert set(body) >= {
        "as_of", "computed_at", "recency_days", "frequency", "monetary", "r_score", "f_score",
        "m_score", "rfm_segment", "abc_class", "xyz_class", "p_alive", "expected_purchases_90d",
        "expected_purchases_365d", "expected_order_value", "clv_365d", "churn_risk",
        "next_best_offer", "T_days", "total_revenue", "orders", "segment_history",
    }  # fmt: skip
    assert body["as_of"] == "2025-06-30"
    assert (body["orders"], body["frequency"], body["recency_days"], body["T_days"]) == (
        2, 1, 51, 147,
    )  # fmt: skip
    assert body["total_revenue"] == {"amount": "2050.00", "currency": "EUR"}
    assert body["monetary"] == {"amount": "1000.00", "currency": "EUR"}
    assert (body["r_score"], body["f_score"], body["m_score"]) == (5, 5, 5)
    assert body["rfm_segment"] == "champions"
    assert body["rfm_segment_label"] == "Champions"
    assert body["segment_history"] == [
        {"rfm_segment": "champions", "label": "Champions", "from": "2025-06-30", "to": None}
    ]
    # six customers cannot fit a lifetime-value model: nulls, never NaN
    assert (body["p_alive"], body["clv_365d"], body["expected_order_value"]) == (None, None, None)
    # so churn risk is the customer's own rhythm: 51 days since the last purchase, usually 96
    assert body["churn_risk"] == 0.0
    assert body["churn_reason"]["code"] == "on_track"
    assert body["churn_reason"]["text"] == (
        "On track: last purchase 51 days ago; usually every 96 days."
    )


def test_metrics_of_a_contact_without_purchases(api_as, sold, users):
    nobody = make_contact(users["manager"], first_name="Ieva")

    body = api_as("admin").get(f"{API}/customers/{nobody.pk}/metrics").json()

    assert (body["as_of"], body["orders"], body["rfm_segment"], body["recency_days"]) == (
        "2025-06-30", 0, None, None,
    )  # fmt: skip
    assert body["total_revenue"] == {"amount": "0.00", "currency": "EUR"}
    assert body["segment_history"] == []


def test_metrics_before_any_refresh(api_as, users):
    who = make_contact(users["manager"], first_name="Ieva")

    body = api_as("manager").get(f"{API}/customers/{who.pk}/metrics").json()

    assert (body["as_of"], body["orders"]) == (None, 0)


def test_rfm_report_shape_and_scope(api_as, sold, users):
    admin = api_as("admin").get(f"{API}/analytics/rfm").json()
    north = api_as("manager").get(f"{API}/analytics/rfm").json()

    assert set(admin) == {"as_of", "currency", "cells", "segments"}
    assert len(admin["cells"]) == 25
    assert admin["cells"][0] == {
        "r_score": 5, "f_score": 5, "count": 1,
        "revenue": {"amount": "2050.00", "currency": "EUR"},
    }  # fmt: skip
    assert sum(c["count"] for c in admin["cells"]) == 6
    assert sum(c["count"] for c in north["cells"]) == 3
    assert [s["rfm_segment"] for s in admin["segments"]][:3] == [
        "champions", "loyal", "potential_loyalist",
    ]  # fmt: skip
    assert len(admin["segments"]) == 11
    south_team = users["manager2"].team_id
    as_south = api_as("admin").get(f"{API}/analytics/rfm?team={south_team}").json()
    assert sum(c["count"] for c in as_south["cells"]) == 3
    other = api_as("manager").get(f"{API}/analytics/rfm?team={south_team}").json()
    assert sum(c["count"] for c in other["cells"]) == 0


def test_abc_xyz_report(api_as, sold):
    body = api_as("admin").get(f"{API}/analytics/abc-xyz?entity=customers").json()

    assert body["window"] == {"from": "2024-06-01", "to": "2025-05-31"}
    assert body["thresholds"]["a"] == 0.8
    assert body["thresholds"]["b"] == 0.95
    assert [(c["abc"], c["xyz"]) for c in body["cells"]][:3] == [("A", "X"), ("A", "Y"), ("A", "Z")]
    assert sum(c["count"] for c in body["cells"]) == 6
    assert sum(c["revenue_share"] for c in body["cells"]) == pytest.approx(1.0)
    products = api_as("admin").get(f"{API}/analytics/abc-xyz?entity=products").json()
    assert sum(c["count"] for c in products["cells"]) == 2
    refused = api_as("admin").get(f"{API}/analytics/abc-xyz?entity=deals")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "entity"


def test_clv_report_says_why_there_are_no_figures(api_as, sold):
    body = api_as("analyst").get(f"{API}/analytics/clv").json()

    assert (body["ok"], body["r"], body["customers_in_scope"]) == (False, None, 6)
    bgnbd = next(m for m in body["models"] if m["model"] == "bgnbd")
    assert bgnbd["reason"] == (
        "Only 1 customers bought more than once; the model needs at least 20."
    )


def test_cohorts_report(api_as, sold):
    body = api_as("admin").get(f"{API}/analytics/cohorts?by=month").json()

    first = body["cells"][0]
    assert (first["cohort"], first["months_since"], first["cohort_size"], first["customers"]) == (
        "2025-02", 0, 6, 6,
    )  # fmt: skip
    may = next(c for c in body["cells"] if c["months_since"] == 3)
    assert (may["customers"], may["revenue"]) == (1, {"amount": "1000.00", "currency": "EUR"})


def test_cross_sell_pairs_per_team(api_as, sold):
    url = f"{API}/analytics/cross-sell?product={sold['crete'].pk}&basis=basket"
    admin = api_as("admin").get(url).json()
    north = api_as("manager").get(url).json()

    assert admin == [
        {
            "product": sold["crete"].pk, "product_name": "Crete",
            "also_bought": sold["insurance"].pk, "also_bought_name": "Insurance",
            "support": pytest.approx(6 / 7), "confidence": pytest.approx(6 / 7),
            "lift": 1.0, "customers": 6,
        }
    ]  # fmt: skip
    assert north[0]["customers"] == 3
    assert api_as("agent").get(url).status_code == 403


def test_forecast_from_a_short_history(api_as, sold):
    body = api_as("admin").get(f"{API}/analytics/forecast?months=6&series=orders").json()

    assert (body["as_of"], body["series"], body["method"]) == ("2025-06-30", "orders", "naive")
    # the history ends with May, the last complete month before as_of (March, April: none)
    assert body["history"] == [
        {"month": "2025-02", "value": 6.0}, {"month": "2025-03", "value": 0.0},
        {"month": "2025-04", "value": 0.0}, {"month": "2025-05", "value": 1.0},
    ]  # fmt: skip
    assert [p["month"] for p in body["points"]] == [
        "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11",
    ]  # fmt: skip
    assert body["points"][0]["forecast"] == 1.0
    assert "short_history" in [n["code"] for n in body["notes"]]
    assert body["pipeline"][0] == {"month": "2025-06", "weighted_amount": 0.0}  # no open deals
    assert len(body["pipeline"]) == 6
    north = api_as("manager").get(f"{API}/analytics/forecast?series=orders").json()
    assert sum(h["value"] for h in north["history"]) == 4.0


def test_forecast_refuses_a_horizon_beyond_the_stored_one(api_as, sold):
    response = api_as("admin").get(f"{API}/analytics/forecast?months=13")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "months"


def test_manager_performance(api_as, users):
    from rapport.sales import services
    from tests.factories import make_pipeline

    pipeline = make_pipeline()
    manager = users["manager"]
    lead = services.lead_capture(data={"email": "ona@example.lt"}, source=None).lead
    Lead.objects.filter(pk=lead.pk).update(owner=manager)
    lead.refresh_from_db()
    conversion = services.lead_convert(actor=manager, lead=lead, amount="1500", currency="EUR")
    services.deal_move_stage(
        actor=manager, deal=conversion.deal, stage=pipeline.stages.get(kind="won")
    )
    now = timezone.now()
    task = {"kind": "call", "subject": "Call back", "time_zone": "Europe/Vilnius",
            "assignee": manager}  # fmt: skip
    Activity.objects.create(**task, due_at=now - dt.timedelta(days=2), status="done",
                            completed_at=now - dt.timedelta(days=2, hours=1))  # fmt: skip
    Activity.objects.create(**task, due_at=now - dt.timedelta(days=1))  # planned, now overdue
    today = dt.date.today()
    url = f"{API}/analytics/managers?from={today - dt.timedelta(days=6)}&to={today}"

    rows = api_as("admin").get(url).json()
    north = api_as("manager").get(url).json()

    assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)
    mine = next(r for r in rows if r["manager"] == manager.pk)
    assert (mine["leads"], mine["conversion_rate"], mine["deals_won"]) == (1, 1.0, 1)
    assert (mine["revenue"], mine["average_deal"], mine["currency"]) == (1500.0, 1500.0, "EUR")
    assert mine["first_response_minutes_median"] is not None
    assert (mine["activities_done"], mine["activities_overdue"]) == (1, 1)
    assert mine["complaints_resolved"] == 0
    assert (mine["previous"]["leads"], mine["change"]["leads"]) == (0, 1)
    assert {r["manager"] for r in north} == {manager.pk, users["manager_mate"].pk}
    backwards = api_as("admin").get(f"{API}/analytics/managers?from={today}&to=2020-01-01")
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "from"


@pytest.mark.parametrize(
    ("path", "field"),
    [("analytics/managers", "from"), ("analytics/managers", "to"),
     ("analytics/acquisition", "start"), ("analytics/acquisition", "end"),
     ("analytics/funnel", "start"), ("analytics/funnel", "end")],
)  # fmt: skip
def test_a_day_outside_1900_2999_is_a_422_naming_the_field(api_as, path, field):
    # schemathesis found from=0507-05-02: the period before it underflowed datetime (a 500)
    response = api_as("admin").get(f"{API}/{path}", {field: "0507-05-02"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert "1900" in response.json()["errors"][0]["message"]
