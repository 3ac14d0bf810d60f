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
