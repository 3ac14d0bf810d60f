"""Referral value end to end: the refresh stores each customer's referred customers and their
revenue, the 360° page says it in words, and the top-referrers page, CSV and API list the
referrers of the viewer's audience (exact figures, per role)."""

import pytest

from rapport.analytics.models import AnalyticsRun, CustomerMetrics, ReportSnapshot
from rapport.analytics.refresh import refresh_customers
from tests.analytics.test_refresh import AS_OF, at
from tests.api.conftest import API, bearer_client, make_contact
from tests.api.sales_data import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as(users):
    return lambda role: bearer_client(users[role])


@pytest.fixture
def referred(users):
    """North: Anna (a customer, 300 EUR) referred Borys (1000 + 3200 EUR over two days) and
    Clara (never bought); Borys referred Dara (70.50 EUR). South: Sofia (never bought)
    referred Stas (500 EUR)."""
    north, south = users["manager"], users["manager2"]
    anna = make_contact(north, first_name="Anna")
    borys = make_contact(north, first_name="Borys", referred_by=anna.pk)
    make_contact(north, first_name="Clara", referred_by=anna.pk)
    dara = make_contact(north, first_name="Dara", referred_by=borys.pk)
    sofia = make_contact(south, first_name="Sofia")
    stas = make_contact(south, first_name="Stas", referred_by=sofia.pk)
    make_order(north, anna, "300.00", order_date=at("2025-03-01"))
    make_order(north, borys, "1000.00", order_date=at("2025-03-02"))
    make_order(north, borys, "3200.00", order_date=at("2025-05-02"))
    make_order(north, dara, "70.50", order_date=at("2025-06-01"))
    make_order(south, stas, "500.00", order_date=at("2025-06-01"))
    run = refresh_customers(as_of=AS_OF)
    return {"anna": anna, "borys": borys, "dara": dara, "sofia": sofia, "run": run}


def test_the_refresh_stores_referred_customers_and_their_revenue(referred):
    rows = {
        m.contact.first_name: (m.referred_customers, str(m.referred_revenue))
        for m in CustomerMetrics.objects.select_related("contact")
    }

    # Sofia never bought: she has no metrics row (her referral shows in the top list)
    assert rows == {
        "Anna": (1, "4200.00"),
        "Borys": (1, "70.50"),
        "Dara": (0, "0.00"),
        "Stas": (0, "0.00"),
    }
    run = AnalyticsRun.objects.get(pk=referred["run"].pk)
    assert [s["rows"] for s in run.steps if s["step"] == "referral value"] == [3]


def test_the_360_page_says_what_the_referrals_brought(as_user, referred):
    page = as_user("manager").get(f"/contacts/{referred['anna'].pk}/")

    assert page.context["customer_analytics"].referrals == "Referred 1 customer, 4,200.00\xa0EUR"
    assert '<p class="referrals">Referred 1 customer, 4,200.00\xa0EUR</p>' in page.text


def test_the_api_lists_the_audiences_top_referrers(api_as, referred):
    admin = api_as("admin").get(f"{API}/analytics/referrers").json()
    north = api_as("manager").get(f"{API}/analytics/referrers").json()

    assert admin == {
        "as_of": "2025-06-30",
        "currency": "EUR",
        "referrers": 3,
        "referred_customers": 3,
        "referred_revenue": {"amount": "4770.50", "currency": "EUR"},
        "top": [
            {"rank": 1, "contact": referred["anna"].pk, "name": "Anna", "referred_customers": 1,
             "referred_revenue": {"amount": "4200.00", "currency": "EUR"}},
            {"rank": 2, "contact": referred["sofia"].pk, "name": "Sofia",
             "referred_customers": 1, "referred_revenue": {"amount": "500.00", "currency": "EUR"}},
            {"rank": 3, "contact": referred["borys"].pk, "name": "Borys",
             "referred_customers": 1, "referred_revenue": {"amount": "70.50", "currency": "EUR"}},
        ],
    }  # fmt: skip
    assert [r["name"] for r in north["top"]] == ["Anna", "Borys"]
    assert (north["referrers"], north["referred_revenue"]["amount"]) == (2, "4270.50")


def test_the_metrics_api_carries_the_referral_value(api_as, referred):
    body = api_as("analyst").get(f"{API}/customers/{referred['anna'].pk}/metrics").json()

    assert (body["referred_customers"], body["referred_revenue"]) == (
        1,
        {"amount": "4200.00", "currency": "EUR"},
    )


def test_before_any_refresh_the_api_says_none_was_computed(api_as, users):
    body = api_as("admin").get(f"{API}/analytics/referrers").json()

    assert body == {
        "as_of": None,
        "currency": "EUR",
        "referrers": 0,
        "referred_customers": 0,
        "referred_revenue": {"amount": "0.00", "currency": "EUR"},
        "top": [],
    }


@pytest.mark.parametrize(
    ("role", "status", "names"),
    [
        ("admin", 200, ["Anna", "Sofia", "Borys"]),
        ("analyst", 200, ["Anna", "Sofia", "Borys"]),
        ("marketer", 200, ["Anna", "Sofia", "Borys"]),
        ("manager", 200, ["Anna", "Borys"]),
        ("manager_mate", 200, ["Anna", "Borys"]),
        ("manager2", 200, ["Sofia"]),
        ("agent", 403, None),
    ],
)
def test_the_top_referrers_page_per_role(as_user, referred, role, status, names):
    response = as_user(role).get("/analytics/referrers/")

    assert response.status_code == status
    if names is not None:
        assert [row["contact"].first_name for row in response.context["rows"]] == names


def test_the_page_states_totals_and_the_csv_holds_the_same_rows(as_user, referred):
    client = as_user("manager")

    page = client.get("/analytics/referrers/")
    csv = client.get("/analytics/referrers.csv")

    assert "2 referrers brought 2 customers, who bought 4,270.50 EUR." in page.text
    assert f'<a href="/contacts/{referred["anna"].pk}/">Anna</a>' in page.text
    assert csv.content.decode("utf-8-sig").splitlines() == [
        "Rank,Contact id,Referrer,Referred customers,Their revenue,Currency",
        f"1,{referred['anna'].pk},Anna,1,4200.00,EUR",
        f"2,{referred['borys'].pk},Borys,1,70.50,EUR",
    ]


def test_before_any_refresh_the_page_says_so(as_user, users):
    page = as_user("admin").get("/analytics/referrers/")

    assert "No refresh has run yet, so there are no figures to show." in page.text
    assert 'id="referrers-table"' not in page.text


def test_a_refresh_from_before_referrals_were_counted_is_named(as_user, referred):
    run = referred["run"]
    run.steps = [s for s in run.steps if s["step"] != "referral value"]
    run.save()
    ReportSnapshot.objects.filter(report="referrers").delete()

    page = as_user("admin").get("/analytics/referrers/")

    assert "No refresh has counted referrals yet: recompute the figures." in page.text
