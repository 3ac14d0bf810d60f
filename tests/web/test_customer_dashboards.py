"""The customer dashboards (RFM, ABC/XYZ, lifetime value and the at-risk list): who may see
them, what they show after a refresh and before any, their CSV, and that every number links
to the contact list holding exactly the customers it counts."""

import csv
import io
import re
from html import unescape

import pytest
from django.utils import timezone

from rapport.analytics.models import AnalyticsRun, ReportSnapshot
from tests.analytics import dashboard_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users):
    return dashboard_world.build(users)


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _contact_ids(client, url: str) -> list[int]:
    response = client.get(unescape(url))
    assert response.status_code == 200
    return sorted(c.pk for c in response.context["page"].items)


def _stored_run(**payloads) -> AnalyticsRun:
    """A finished refresh with the given reports (scope → payload) stored, no maths run."""
    now = timezone.now()
    run = AnalyticsRun.objects.create(
        kind="customers", as_of=now.date(), computed_at=now, seconds=1.0, currency="EUR",
        status=AnalyticsRun.Status.DONE,
    )  # fmt: skip
    for key, payload in payloads.items():
        report, _sep, scope = key.partition("@")
        report, _sep, variant = report.partition("/")
        ReportSnapshot.objects.create(
            report=report, variant=variant, scope=scope, as_of=run.as_of,
            computed_at=now, payload=payload,
        )  # fmt: skip
    return run


def _rfm_payload(cells: dict[tuple[int, int], tuple[int, float]]) -> dict:
    """All 25 cells (those not given empty) and the Champions segment (cells 55 and 54)."""
    rows = []
    for r in range(5, 0, -1):
        for f in range(5, 0, -1):
            count, revenue = cells.get((r, f), (0, 0.0))
            rows.append({"r_score": r, "f_score": f, "count": count, "revenue": revenue})
    champions = sum(c for (r, f), (c, _v) in cells.items() if f"{r}{f}" in ("55", "54"))
    return {"cells": rows, "segments": [{"rfm_segment": "champions", "count": champions,
                                         "revenue": 0.0}]}  # fmt: skip


# --- RFM --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "marketer", "analyst"])
def test_the_rfm_grid_shows_the_whole_business_to_those_who_read_it(as_user, users, role):
    _stored_run(**{
        "rfm@all": _rfm_payload({(5, 5): (3, 4200.0), (1, 1): (2, 150.5)}),
        f"rfm@team:{users['manager'].team_id}": _rfm_payload({(5, 5): (1, 1000.0)}),
    })  # fmt: skip

    response = as_user(role).get("/analytics/rfm/")

    assert response.status_code == 200
    grid = {
        (c["r_score"], c["f_score"]): c for row in response.context["grid"] for c in row["cells"]
    }
    assert (grid[5, 5]["count"], grid[5, 5]["revenue"], grid[5, 5]["heat"]) == (3, 4200.0, 100)
    assert (grid[1, 1]["count"], grid[1, 1]["revenue"], grid[1, 1]["heat"]) == (2, 150.5, 67)
    assert grid[5, 5]["segment_label"] == "Champions"
    assert grid[5, 5]["url"] == "/contacts/?r_score=5&f_score=5"
    assert sum(c["count"] for c in grid.values()) == 5
    assert [r["r_score"] for r in response.context["grid"]] == [5, 4, 3, 2, 1]
    assert 'href="/contacts/?r_score=5&amp;f_score=5"' in response.text
    assert 'aria-label="R5 F5: 3 customers"' in response.text


def test_a_sales_manager_sees_their_teams_grid_only(as_user, users):
    north = users["manager"].team_id
    _stored_run(**{
        "rfm@all": _rfm_payload({(5, 5): (3, 4200.0), (1, 1): (2, 150.5)}),
        f"rfm@team:{north}": _rfm_payload({(5, 5): (1, 1000.0)}),
    })  # fmt: skip

    response = as_user("manager").get("/analytics/rfm/", {"team": users["manager2"].team_id})

    grid = {
        (c["r_score"], c["f_score"]): c for row in response.context["grid"] for c in row["cells"]
    }
    assert (grid[5, 5]["count"], grid[5, 5]["revenue"]) == (1, 1000.0)
    assert grid[1, 1]["count"] == 0
    assert response.context["filters"].teams == []  # no team to choose
    assert "You cannot choose that team; showing the figures you may see." in response.text


def test_an_administrator_narrows_the_grid_to_a_team_and_its_links_keep_the_team(as_user, users):
    north = users["manager"].team_id
    _stored_run(**{
        "rfm@all": _rfm_payload({(5, 5): (3, 4200.0)}),
        f"rfm@team:{north}": _rfm_payload({(5, 5): (1, 1000.0)}),
    })  # fmt: skip

    response = as_user("admin").get("/analytics/rfm/", {"team": north})

    cell = response.context["grid"][0]["cells"][4]
    assert (cell["r_score"], cell["f_score"], cell["count"]) == (5, 5, 1)
    assert cell["url"] == f"/contacts/?r_score=5&f_score=5&team={north}"
    assert response.context["csv_url"] == f"/analytics/rfm.csv?team={north}"


def test_service_agents_may_not_read_the_rfm_grid(as_user):
    _stored_run(**{"rfm@all": _rfm_payload({(5, 5): (3, 4200.0)})})

    assert as_user("agent").get("/analytics/rfm/").status_code == 403
    assert as_user("agent").get("/analytics/rfm.csv").status_code == 403


def test_the_rfm_grid_asks_for_a_login(client):
    response = client.get("/analytics/rfm/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/analytics/rfm/"


def test_before_any_refresh_the_grid_says_so(as_user):
    response = as_user("admin").get("/analytics/rfm/")

    assert response.status_code == 200
    assert response.context["has_figures"] is False
    assert "No refresh has run yet, so there are no figures to show." in response.text
    assert "Recompute now" in response.text
    assert 'id="rfm-grid"' not in response.text
    manager = as_user("manager").get("/analytics/rfm/")  # who may not recompute
    assert "They appear after the nightly run." in manager.text
    assert "Recompute now" not in manager.text


def test_the_rfm_csv_holds_the_grid_then_the_segments(as_user):
    _stored_run(**{"rfm@all": _rfm_payload({(5, 5): (3, 4200.0), (1, 1): (2, 150.5)})})

    rows = _csv(as_user("analyst").get("/analytics/rfm.csv"))

    assert rows[0] == ["R score", "F score", "RFM segment", "Customers", "Revenue, EUR"]
    assert rows[1] == ["5", "1", "New", "0", "0.00"]
    assert rows[5] == ["5", "5", "Champions", "3", "4200.00"]
    assert rows[21] == ["1", "1", "Lost", "2", "150.50"]
    assert len(rows) == 1 + 25 + 1
    assert rows[26] == ["", "", "Champions", "3", "0.00"]


def test_every_rfm_number_links_to_exactly_its_customers(as_user, world):
    """After a real refresh: each cell's and each segment's link lists as many customers as
    the number says, and together the cells hold every customer with a purchase once."""
    client = as_user("admin")
    page = client.get("/analytics/rfm/")
    seen: list[int] = []
    for row in page.context["grid"]:
        for cell in row["cells"]:
            ids = _contact_ids(client, cell["url"])
            assert len(ids) == cell["count"], (cell["r_score"], cell["f_score"])
            seen += ids
    assert len(seen) == len(set(seen)) == len(dashboard_world.CUSTOMERS)
    for segment in page.context["segments"]:
        assert len(_contact_ids(client, segment["url"])) == segment["count"], segment["key"]
    assert page.context["customers"] == len(dashboard_world.CUSTOMERS)


def test_a_sales_managers_grid_counts_and_links_their_teams_customers(as_user, world):
    client = as_user("manager")
    page = client.get("/analytics/rfm/")
    seen: list[int] = []
    for row in page.context["grid"]:
        for cell in row["cells"]:
            ids = _contact_ids(client, cell["url"])
            assert len(ids) == cell["count"]
            seen += ids
    north = {world[name].pk for team, name, *_rest in dashboard_world.CUSTOMERS if team == "north"}
    assert set(seen) == north
    assert re.search(r"6 customers with a purchase", page.text)


# --- the contact list's metric orders -------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-clv", ["high", "low", "none_row", "never"]),
        ("-churn_risk", ["low", "high", "none_row", "never"]),
    ],
)
def test_the_contact_list_api_and_export_sort_alike_by_a_metric(client, users, sort, expected):
    """Highest first; customers without the figure (no metrics row, or a null) last, newest
    first among them — on the page, in the API and in the export alike."""
    from decimal import Decimal

    from tests.analytics.metrics_data import make_metrics
    from tests.api.conftest import API, bearer_client, make_contact

    admin = users["admin"]
    people = {name: make_contact(admin, first_name=name) for name in
              ("high", "never", "low", "none_row")}  # fmt: skip
    make_metrics(people["high"], clv_365d=Decimal("300.00"), churn_risk=0.2)
    make_metrics(people["low"], clv_365d=Decimal("100.00"), churn_risk=0.9)
    make_metrics(people["none_row"], clv_365d=None, churn_risk=None)
    names = {p.pk: name for name, p in people.items()}
    client.force_login(admin)

    page = client.get("/contacts/", {"sort": sort})
    api = bearer_client(admin).get(f"{API}/contacts", {"sort": sort, "limit": 3})
    api_next = bearer_client(admin).get(
        f"{API}/contacts", {"sort": sort, "cursor": api.json()["next"]}
    )
    export = client.get("/contacts/export/csv/", {"sort": sort})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))

    assert [names[c.pk] for c in page.context["page"].items] == expected
    searched = client.get("/contacts/", {"sort": sort, "q": "high"}).context["page"].items
    assert [names[c.pk] for c in searched] == ["high"]
    found = bearer_client(admin).get(f"{API}/contacts", {"sort": sort, "q": "low"}).json()
    assert [names[i["id"]] for i in found["items"]] == ["low"]
    assert [names[i["id"]] for i in api.json()["items"] + api_next.json()["items"]] == expected
    assert [names[int(r[0])] for r in rows[1:]] == expected
    assert (
        sort,
        "Highest lifetime value first" if sort == "-clv" else "Highest churn risk first",
    ) in [(v, str(label)) for v, label in page.context["orderings"]]


# --- ABC / XYZ --------------------------------------------------------------------------------


def _matrix_payload(cells: dict[str, tuple[int, float, float]]) -> dict:
    """All 9 cells ("AX": (count, revenue, share); those not given empty)."""
    return {
        "window": {"from": "2025-01-01", "to": "2025-12-31"},
        "thresholds": {"a": 0.8, "b": 0.95, "x": 0.5, "y": 1.0},
        "period": "month",
        "cells": [
            {"abc": a, "xyz": x, "count": cells.get(a + x, (0, 0.0, 0.0))[0],
             "revenue": cells.get(a + x, (0, 0.0, 0.0))[1],
             "revenue_share": cells.get(a + x, (0, 0.0, 0.0))[2]}
            for a in "ABC" for x in "XYZ"
        ],
    }  # fmt: skip


def test_the_customer_matrix_shows_counts_and_shares_and_links_to_its_customers(as_user, users):
    _stored_run(**{
        "abc-xyz/customers@all": _matrix_payload({"AX": (2, 8000.0, 0.8), "CZ": (7, 500.0, 0.05)}),
    })  # fmt: skip

    response = as_user("marketer").get("/analytics/abc-xyz/")

    assert response.status_code == 200
    ax = response.context["matrix"][0]["cells"][0]
    cz = response.context["matrix"][2]["cells"][2]
    assert (ax["count"], ax["revenue"], ax["revenue_share"], ax["heat"]) == (2, 8000.0, 0.8, 100)
    assert ax["url"] == "/contacts/?abc_class=A&xyz_class=X"
    assert (cz["count"], cz["heat"]) == (7, 6)  # shaded by share of revenue
    assert "80% · 8,000" in response.text
    assert response.context["window"]["from"].isoformat() == "2025-01-01"
    assert "A: the items that bring the first 80 % of revenue; B: up to 95 %" in response.text


def test_the_product_matrix_links_to_the_product_list_for_the_whole_business_only(as_user, users):
    north = users["manager"].team_id
    _stored_run(**{
        "abc-xyz/products@all": _matrix_payload({"AX": (1, 900.0, 0.9), "BY": (1, 100.0, 0.1)}),
        f"abc-xyz/products@team:{north}": _matrix_payload({"AX": (1, 900.0, 1.0)}),
    })  # fmt: skip

    admin = as_user("admin").get("/analytics/abc-xyz/", {"entity": "products"})
    ax = admin.context["matrix"][0]["cells"][0]
    assert (ax["count"], ax["url"]) == (1, "/products/?abc_class=A&xyz_class=X&active=all")
    assert admin.context["csv_url"] == "/analytics/abc-xyz.csv?entity=products"

    manager = as_user("manager").get("/analytics/abc-xyz/", {"entity": "products"})
    ax = manager.context["matrix"][0]["cells"][0]
    assert (ax["count"], ax["revenue_share"], ax["url"]) == (1, 1.0, "")
    assert manager.context["linked"] is False
    assert "so its numbers are not links" in manager.text


def test_the_matrix_csv(as_user):
    _stored_run(**{
        "abc-xyz/customers@all": _matrix_payload({"AX": (2, 8000.0, 0.8), "CZ": (7, 500.0, 0.05)}),
    })  # fmt: skip

    rows = _csv(as_user("analyst").get("/analytics/abc-xyz.csv", {"entity": "customers"}))

    assert rows[0] == ["ABC class", "XYZ class", "Customers", "Revenue, EUR", "Share of revenue, %"]
    assert rows[1] == ["A", "X", "2", "8000.00", "80.00"]
    assert rows[9] == ["C", "Z", "7", "500.00", "5.00"]
    assert len(rows) == 10


def test_service_agents_may_not_read_the_matrix(as_user):
    assert as_user("agent").get("/analytics/abc-xyz/").status_code == 403
    assert as_user("agent").get("/analytics/abc-xyz.csv").status_code == 403


def test_every_matrix_number_links_to_exactly_its_customers_and_products(as_user, world):
    client = as_user("admin")
    customers = client.get("/analytics/abc-xyz/")
    total = 0
    for row in customers.context["matrix"]:
        for cell in row["cells"]:
            assert len(_contact_ids(client, cell["url"])) == cell["count"], cell
            total += cell["count"]
    assert total == len(dashboard_world.CUSTOMERS)
    products = client.get("/analytics/abc-xyz/", {"entity": "products"})
    counted = 0
    for row in products.context["matrix"]:
        for cell in row["cells"]:
            listed = client.get(unescape(cell["url"])).context["page"].items
            assert len(listed) == cell["count"], cell
            counted += cell["count"]
    assert counted == 2  # Crete and Rome


# --- lifetime value and the at-risk list -------------------------------------------------------


def _clv_payload(*, ok: bool = True) -> dict:
    fits = {
        "bgnbd": {
            "ok": ok,
            "params": {"r": 0.24, "alpha": 4.41, "a": 0.79, "b": 2.43} if ok else None,
            "customers": 12,
            "log_likelihood": -9.5,
            "seconds": 0.01,
            "reason": None if ok else "too_few_repeat_buyers",
            "reason_params": {} if ok else {"repeat_buyers": 3, "minimum": 20},
        },
    }
    distribution = [
        {"from": 0.0, "to": 100.0, "count": 2},
        {"from": 100.0, "to": 200.0, "count": 0},
        {"from": 200.0, "to": 300.0, "count": 1},
    ]
    return {"fits": fits, "customers": 4, "distribution": distribution if ok else []}


@pytest.fixture
def risky(users):
    """North's Ona (CLV 1000, risk 0.5: 500 at risk) and Petras (CLV 300, risk 0.9: 270);
    South's Lina (CLV 2000, risk 0.3: 600); Tomas has no lifetime value."""
    from decimal import Decimal

    from tests.analytics.metrics_data import make_metrics
    from tests.api.conftest import make_contact

    north, south = users["manager"], users["manager2"]
    reason = {
        "recency_days": 240,
        "churn_reason_code": "overdue",
        "usual_interval_days": 90.0,
        "interval_source": "own",
    }
    people = {}
    for name, owner, clv, risk in (
        ("Ona", north, "1000.00", 0.5),
        ("Petras", north, "300.00", 0.9),
        ("Lina", south, "2000.00", 0.3),
        ("Tomas", north, None, 0.7),
    ):
        people[name] = make_contact(owner, first_name=name, last_name="K")
        make_metrics(
            people[name],
            clv_365d=Decimal(clv) if clv else None,
            churn_risk=risk,
            **reason,
            rfm_segment="at_risk",
        )
    return people


def test_the_at_risk_list_ranks_by_value_at_risk_with_the_reason(as_user, users, risky):
    _stored_run(**{"clv@all": _clv_payload()})

    response = as_user("analyst").get("/analytics/clv/")

    assert response.status_code == 200
    rows = response.context["at_risk"]
    assert [(r["contact"].first_name, r["value_at_risk"]) for r in rows] == [
        ("Lina", 600.0), ("Ona", 500.0), ("Petras", 270.0),
    ]  # fmt: skip
    assert rows[0]["reason"] == "No purchase for 240 days; usually every 90 days (2.67×)."
    assert "No purchase for 240 days; usually every 90 days (2.67×)." in response.text
    assert [b["url"] for b in response.context["bins"]] == [
        "/contacts/?clv_from=0.00&clv_below=100.00",
        "/contacts/?clv_from=100.00&clv_below=200.00",
        "/contacts/?clv_from=200.00&clv_below=300.00",
    ]
    assert response.context["valued"] == 3
    assert '"counts": [2, 0, 1]' in response.text


def test_a_sales_managers_at_risk_list_holds_their_teams_customers(as_user, users, risky):
    _stored_run(**{f"clv@team:{users['manager'].team_id}": _clv_payload()})

    response = as_user("manager").get("/analytics/clv/")

    assert [r["contact"].first_name for r in response.context["at_risk"]] == ["Ona", "Petras"]
    admin = as_user("admin").get("/analytics/clv/", {"team": users["manager2"].team_id})
    assert [r["contact"].first_name for r in admin.context["at_risk"]] == ["Lina"]


def test_a_model_that_could_not_be_fitted_says_why(as_user, risky):
    _stored_run(**{"clv@all": _clv_payload(ok=False)})

    response = as_user("admin").get("/analytics/clv/")

    assert response.status_code == 200
    assert "Only 3 customers bought more than once; the model needs at least 20." in response.text
    assert "No customer has a lifetime value yet." in response.text
    assert 'id="clv-chart"' not in response.text


def test_the_at_risk_and_distribution_csvs(as_user, users, risky):
    _stored_run(**{"clv@all": _clv_payload()})
    client = as_user("marketer")

    at_risk = _csv(client.get("/analytics/clv.csv"))
    distribution = _csv(client.get("/analytics/clv.csv", {"table": "distribution"}))

    assert at_risk[0] == ["Contact id", "Customer", "Owner", "Lifetime value, EUR", "Churn risk",
                          "Value at risk, EUR", "Last purchase", "RFM segment", "Why"]  # fmt: skip
    why = "No purchase for 240 days; usually every 90 days (2.67×)."
    lina = [str(risky["Lina"].pk), "Lina K", str(users["manager2"]), "2000.00", "0.300", "600.00",
            "2025-06-01", "At risk", why]  # fmt: skip
    assert at_risk[1] == lina
    assert len(at_risk) == 4
    assert distribution == [["CLV from, EUR", "CLV below, EUR", "Customers"],
                            ["0.00", "100.00", "2"], ["100.00", "200.00", "0"],
                            ["200.00", "300.00", "1"]]  # fmt: skip


def test_service_agents_may_not_read_lifetime_values(as_user):
    assert as_user("agent").get("/analytics/clv/").status_code == 403
    assert as_user("agent").get("/analytics/clv.csv").status_code == 403


def test_before_any_refresh_the_lifetime_value_page_says_so(as_user):
    response = as_user("marketer").get("/analytics/clv/")

    assert response.status_code == 200
    assert "No refresh has run yet, so there are no figures to show." in response.text
    assert response.context["at_risk"] == []


def test_every_distribution_bar_links_to_exactly_its_customers(as_user, users):
    """The bins the refresh stores (reports.histogram over the customers' stored values),
    with values on the bins' edges: each bar's link lists exactly its customers. (The small
    world is too thin for the spend model to fit, so the values are set here.)"""
    import polars as pl

    from rapport.analytics.models import CustomerMetrics
    from rapport.analytics.reports import histogram

    world = dashboard_world.build(users)
    values = ["0.00", "99.99", "100.00", "100.01", "250.50", "1234.56", "1200.00", "5.00", None]
    for (_team, name, *_rest), value in zip(dashboard_world.CUSTOMERS, values, strict=True):
        CustomerMetrics.objects.filter(contact=world[name]).update(clv_365d=value)
    stored = [
        float(v)
        for v in CustomerMetrics.objects.values_list("clv_365d", flat=True)
        if v is not None
    ]
    ReportSnapshot.objects.filter(report="clv", scope="all").update(
        payload={"fits": {}, "customers": 9, "distribution": histogram(pl.Series(stored))}
    )
    client = as_user("admin")
    page = client.get("/analytics/clv/")
    total = 0
    for b in page.context["bins"]:
        assert len(_contact_ids(client, b["url"])) == b["count"], b
        total += b["count"]
    assert total == page.context["valued"] == 8


# --- the dashboards' shared parts -------------------------------------------------------------


def test_every_analytics_page_shows_the_dashboards_sub_navigation(as_user):
    client = as_user("analyst")

    rfm = client.get("/analytics/rfm/").text
    acquisition = client.get("/analytics/").text

    nav = re.search(r'<nav class="tabs dashboards-nav"[^>]*>(.*?)</nav>', rfm, re.S)
    assert nav is not None
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav.group(1))
    from django.urls import reverse

    from rapport.analytics.views.dashboard_kit import DASHBOARDS

    current = ' aria-current="page"'
    assert links == [
        (reverse(d.url_name), current if d.url_name == "analytics:rfm" else "", str(d.label))
        for d in DASHBOARDS
    ]  # every registered dashboard, in order
    assert links[:5] == [
        ("/analytics/", "", "Acquisition"),
        ("/analytics/funnel/", "", "Pipeline funnel"),
        ("/analytics/rfm/", current, "RFM"),
        ("/analytics/abc-xyz/", "", "ABC/XYZ"),
        ("/analytics/clv/", "", "Lifetime value and churn"),
    ]
    assert '<a href="/analytics/rfm/">RFM</a>' in acquisition
    assert '<a href="/analytics/" aria-current="page">Analytics</a>' in rfm  # the main menu


def test_a_team_without_customers_gets_a_sentence_not_an_empty_grid(as_user, users):
    _stored_run(**{"rfm@all": _rfm_payload({(5, 5): (3, 4200.0)})})  # nobody of team South

    response = as_user("manager2").get("/analytics/rfm/")

    assert response.context["has_figures"] is False
    assert "None of the customers you may see had a purchase as of the last refresh." in (
        response.text
    )
    assert 'id="rfm-grid"' not in response.text


def test_the_contact_list_shows_each_customers_value(as_user, users, risky):
    response = as_user("manager").get("/contacts/", {"sort": "-clv"})

    rows = [(c.first_name, c.customer_value) for c in response.context["page"].items]
    assert rows == [
        ("Ona", "At risk · CLV 1,000 EUR · churn risk 50 %"),
        ("Petras", "At risk · CLV 300 EUR · churn risk 90 %"),
        ("Tomas", "At risk · churn risk 70 %"),
    ]
    assert '<th class="hide-sm">Customer value</th>' in response.text
    assert "At risk · CLV 1,000 EUR · churn risk 50 %" in response.text
