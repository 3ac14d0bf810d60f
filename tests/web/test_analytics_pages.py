import csv
import datetime as dt
import io
import json
import re

import pytest
from django.utils import timezone

from rapport.analytics.models import AnalyticsRun
from rapport.analytics.services import refresh_acquisition
from rapport.sales import services
from rapport.sales.models import SourceSpend

pytestmark = pytest.mark.django_db


@pytest.fixture
def won(users, lead, stages, source):
    """The web lead converted by `manager` and its deal won: 1000 EUR of revenue."""
    conversion = services.lead_convert(
        actor=users["manager"], lead=lead, amount="1000", currency="EUR"
    )
    services.deal_move_stage(
        actor=users["manager"], deal=conversion.deal, stage=stages["Offer sent"]
    )
    services.deal_move_stage(actor=users["manager"], deal=conversion.deal, stage=stages["Won"])
    today = timezone.localdate()
    SourceSpend.objects.create(
        source=source,
        period_start=today.replace(day=1),
        period_end=today.replace(day=1),
        amount=250,
        currency="EUR",
    )
    refresh_acquisition()
    return conversion


def _chart(text: str, name: str) -> dict:
    match = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', text, re.S)
    assert match is not None
    return json.loads(match.group(1))


def test_acquisition_by_source_as_chart_and_table(as_user, won):
    response = as_user("marketer").get("/analytics/", {"by": "source"})

    assert response.status_code == 200
    chart = _chart(response.text, "acquisition-data")
    assert chart["labels"] == ["Website"]
    assert chart["series"][0]["data"] == [1000.0]
    assert chart["series"][1]["data"] == [250.0]
    assert chart["counts"][0]["data"] == [1]
    row = response.context["rows"][0]
    assert (row["leads"], row["converted"], row["deals_won"], row["new_customers"]) == (1, 1, 1, 1)
    assert (row["spend"], row["cac"], row["romi_pct"]) == (250.0, 250.0, 300.0)
    assert "chart.umd.min.js" in response.text


@pytest.mark.parametrize(
    ("by", "label"),
    [
        ("channel", "Website"),
        ("campaign", "summer-crete"),
        ("manager", None),
        ("month", None),
    ],
)
def test_acquisition_groupings(as_user, won, users, by, label):
    rows = as_user("admin").get("/analytics/", {"by": by, "model": "linear"}).context["rows"]

    expected = {
        "manager": str(users["manager"]),
        "month": timezone.localdate().strftime("%Y-%m"),
    }.get(by, label)
    assert [r["label"] for r in rows] == [expected]
    assert rows[0]["revenue"] == 1000.0


def test_manager_of_another_team_sees_nothing_and_no_spend(as_user, won):
    response = as_user("manager2").get("/analytics/")

    assert response.context["rows"] == []
    assert "shown for the whole business only" in response.text


def test_service_agent_is_refused(as_user):
    assert as_user("agent").get("/analytics/").status_code == 403
    assert as_user("agent").get("/analytics/funnel/").status_code == 403
    assert as_user("agent").get("/analytics/acquisition.csv").status_code == 403


def test_csv_has_the_same_rows(as_user, won):
    response = as_user("analyst").get("/analytics/acquisition.csv", {"by": "source"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Source", "Leads", "Qualified"]
    assert rows[1][0] == "Website"
    assert rows[1][1] == "1"
    assert rows[1][6] == "1000.00"
    assert rows[1][7] == "250.00"


def test_csv_neutralises_formula_labels(as_user, users, stages):
    from rapport.sales.models import LeadSource

    evil = LeadSource.objects.create(name="=HYPERLINK(1)", kind="other")
    captured = services.lead_capture(data={"email": "x@example.com"}, source=evil).lead
    services.lead_convert(actor=users["admin"], lead=captured)
    refresh_acquisition()

    response = as_user("admin").get("/analytics/acquisition.csv", {"by": "source"})

    assert "'=HYPERLINK(1)" in response.content.decode("utf-8-sig")


@pytest.mark.parametrize(
    "query",
    [
        {"by": "nonsense", "model": "nonsense"},
        {"from": "2026-13-01", "to": "x"},
        {"team": "abc", "owner": "-1"},
        {"from": "2030-01-01", "to": "2020-01-01"},
    ],
)
def test_odd_filters_fall_back(as_user, won, query):
    client = as_user("admin")
    default_page = client.get("/analytics/")
    default_csv = client.get("/analytics/acquisition.csv").content

    page = client.get("/analytics/", query)
    sheet = client.get("/analytics/acquisition.csv", query)

    params = page.context["params"]
    assert (params.by, params.model, params.team, params.owner) == (
        "source", "first_touch", None, None,
    )  # fmt: skip
    assert params.start <= timezone.localdate() <= params.end
    assert page.context["rows"] == default_page.context["rows"]
    assert [r["label"] for r in page.context["rows"]] == ["Website"]
    assert sheet.content.split(b"\n")[1:] == default_csv.split(b"\n")[1:]


def test_each_ratio_is_named_for_what_it_divides(as_user, won, users, source):
    # a second lead from the same source that is never converted: 2 leads, 1 converted
    services.lead_capture(data={"email": "second@example.com"}, source=source)
    refresh_acquisition()

    response = as_user("admin").get("/analytics/", {"by": "source"})

    titles = [str(title) for _name, title in response.context["columns"]]
    row = response.context["rows"][0]
    assert (titles[-2], titles[-1]) == ("Leads converted", "Lead → customer")
    assert (row["leads"], row["converted"], row["new_customers"]) == (2, 1, 1)
    assert (row["conversion_rate"], row["customer_rate"]) == (0.5, 0.5)
    assert "Leads converted" in response.text


def test_categories_are_points_and_months_a_line(as_user, won):
    client = as_user("admin")

    by_source = _chart(client.get("/analytics/", {"by": "source"}).text, "acquisition-data")
    by_month = _chart(client.get("/analytics/", {"by": "month"}).text, "acquisition-data")

    assert by_source["time_series"] is False
    assert by_month["time_series"] is True


def test_recompute_button_runs_the_task(as_user, won, lead):
    AnalyticsRun.objects.update(computed_at=timezone.now() - dt.timedelta(days=3))
    client = as_user("marketer")

    page = client.get("/analytics/")
    response = client.post("/analytics/refresh/", {"next": "/analytics/?by=month"})

    assert 'id="recompute"' in page.text
    assert response.status_code == 302
    assert response["Location"] == "/analytics/?by=month"
    run = AnalyticsRun.objects.get(kind="acquisition")
    assert run.computed_at > timezone.now() - dt.timedelta(minutes=1)
    customers = AnalyticsRun.objects.get(kind="customers")  # the customer metrics, too
    assert (customers.status, customers.as_of) == ("done", timezone.localdate())


@pytest.mark.parametrize("name", ["manager", "agent"])
def test_recompute_is_for_admins_analysts_marketers(as_user, name):
    assert as_user(name).post("/analytics/refresh/").status_code == 403
    assert AnalyticsRun.objects.count() == 0


def test_recompute_never_redirects_off_site(as_user):
    response = as_user("analyst").post("/analytics/refresh/", {"next": "https://evil.example/"})

    assert response["Location"] == "/analytics/"


def test_funnel_page_per_pipeline(as_user, won, pipeline):
    response = as_user("admin").get("/analytics/funnel/", {"pipeline": pipeline.pk})

    assert response.status_code == 200
    rows = {r["name"]: r for r in response.context["rows"]}
    assert rows["Enquiry"]["reached"] == 1
    assert rows["Offer sent"]["reached"] == 1
    assert rows["Booking"]["reached"] == 1  # passed on the way to Won
    assert rows["Won"]["reached"] == 1
    assert rows["Lost"]["reached"] == 0
    assert rows["Enquiry"]["conversion_to_next"] == 1.0
    chart = _chart(response.text, "funnel-data")
    assert chart["labels"] == ["Enquiry", "Offer sent", "Booking", "Won", "Lost"]
    assert chart["series"][0]["data"] == [1, 1, 1, 1, 0]


def test_funnel_respects_visibility(as_user, won, pipeline):
    rows = as_user("manager2").get("/analytics/funnel/").context["rows"]

    assert [r["reached"] for r in rows] == [0, 0, 0, 0, 0]


def test_funnel_without_pipelines(as_user):
    response = as_user("analyst").get("/analytics/funnel/", {"pipeline": "x", "from": "bad"})

    assert response.status_code == 200
    assert "There is no pipeline yet." in response.text


@pytest.mark.parametrize(("days", "reached"), [((0, 0), 1), ((1, 2), 0), ((-2, -1), 0)])
def test_the_page_and_the_api_give_the_same_funnel_for_a_period(
    as_user, users, won, pipeline, days, reached
):
    from tests.api.conftest import API, bearer_client

    today = timezone.localdate()
    start, end = (today + dt.timedelta(days=d) for d in days)

    page = as_user("admin").get(
        "/analytics/funnel/", {"pipeline": pipeline.pk, "from": start, "to": end}
    )
    api = bearer_client(users["admin"]).get(
        f"{API}/analytics/funnel", {"pipeline": pipeline.pk, "start": start, "end": end}
    )

    page_rows = [(r["name"], r["reached"]) for r in page.context["rows"]]
    api_rows = [(s["name"], s["reached"]) for s in api.json()["stages"]]
    assert page_rows == api_rows
    assert [n for _name, n in api_rows] == [reached] * 4 + [0]
    assert api.json()["deals"] == reached
