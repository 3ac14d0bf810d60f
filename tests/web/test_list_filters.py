"""One filter definition per list: the web list, the API list and the export accept the same
parameter names and, for the same filters, hold the same rows.

For every list, each case sends the same query string to the three; together the cases use
every parameter the filter set declares, so a filter that one of them ignored would show.
"""

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from rapport.activities import services as activities
from rapport.activities.filters import ACTIVITY_FILTERS
from rapport.catalog.filters import PRODUCT_FILTERS
from rapport.catalog.models import Category, Product
from rapport.contacts import services as contacts
from rapport.contacts.filters import COMPANY_FILTERS, CONTACT_FILTERS
from rapport.contacts.models import Contact, CustomField
from rapport.core.filtersets import FilterSet
from rapport.sales import services as sales
from rapport.sales.filters import DEAL_FILTERS, LEAD_FILTERS, LEAD_SOURCE_FILTERS, ORDER_FILTERS
from rapport.sales.models import Deal, Lead, LeadSource, Order, Stage
from rapport.service import services as service
from rapport.service.filters import COMPLAINT_FILTERS
from rapport.service.models import Complaint, ComplaintCategory, RootCause
from tests.analytics.metrics_data import make_metrics, make_product_metrics
from tests.api.conftest import API, bearer_client
from tests.api.sales_data import make_lead, make_product
from tests.factories import make_pipeline

pytestmark = pytest.mark.django_db

PAGING = {"limit", "cursor", "count", "sort"}


def at(day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, 1, day, 12, 0))


@pytest.fixture
def data(users):
    """Two or three rows per list that the filters tell apart; `admin` sees them all."""
    admin, manager = users["admin"], users["manager"]
    web, phone = (
        LeadSource.objects.create(name="Website", kind="website"),
        LeadSource.objects.create(name="Hotline", kind="phone", is_active=False),
    )
    CustomField.objects.create(entity="contact", key="vip", label="VIP", field_type="text")
    acme = contacts.company_create(
        actor=manager, data={"name": "Acme Travel", "city": "Kyiv", "country": "UA"}
    )
    contacts.company_create(
        actor=admin, data={"name": "Baltic Tours", "city": "Vilnius", "external_id": "B-1"}
    )
    olena = contacts.contact_create(
        actor=manager,
        data={
            "first_name": "Olena", "last_name": "Koval", "email": "olena@example.com",
            "city": "Kyiv", "country": "UA", "tags": ["ski"], "company": acme.pk,
            "external_id": "C-1", "custom": {"vip": "gold"},
        },
    )  # fmt: skip
    petro = contacts.contact_create(
        actor=admin,
        data={"first_name": "Petro", "last_name": "Bondar", "city": "Lviv", "country": "PL"},
    )
    contacts.consent_record(
        actor=admin, contact=petro, channel="email", purpose="marketing",
        status="granted", source="form",
    )  # fmt: skip

    taras = make_lead(None, source=web, first_name="Taras", utm_campaign="summer-crete")
    iryna = make_lead(manager, source=phone, first_name="Iryna", email="iryna@example.com")
    sales.lead_set_status(actor=admin, lead=iryna, status="disqualified", reason="spam")
    Lead.objects.filter(pk=taras.pk).update(created_at=at(5))
    Lead.objects.filter(pk=iryna.pk).update(created_at=at(15))

    leisure, corporate = make_pipeline(), make_pipeline("Corporate", default=False)
    crete = sales.deal_create(actor=manager, data={"title": "Crete for two", "contact": olena.pk})
    rome = sales.deal_create(
        actor=admin,
        data={"title": "Rome offsite", "contact": petro.pk, "pipeline": corporate.pk},
    )
    Deal.objects.filter(pk=rome.pk).update(
        stage=Stage.objects.get(pipeline=corporate, name="Won"), created_at=at(20)
    )
    Deal.objects.filter(pk=crete.pk).update(created_at=at(3))

    crete_tour = make_product(
        "Crete, 7 nights", destination="Crete", departure_date=dt.date(2026, 7, 1)
    )
    sales.order_create(
        actor=admin, contact=olena, currency="EUR", order_date=at(4), channel="office",
        external_id="X-1", deal=crete,
        lines=[{"product": crete_tour.pk, "quantity": 1, "unit_price": "900"}],
    )  # fmt: skip
    sales.order_create(
        actor=admin, contact=petro, currency="EUR", total="300", order_date=at(18),
        channel="website", status="paid",
    )  # fmt: skip

    Contact.objects.filter(pk=petro.pk).update(lifecycle_stage="lost")  # after his order
    visa = activities.activity_create(
        actor=manager,
        data={"subject": "Call about the visa", "contact": olena.pk, "deal": crete.pk,
              "due_at": at(10)},
    )  # fmt: skip
    office = activities.activity_create(
        actor=admin,
        data={"kind": "meeting", "subject": "Office meeting", "contact": petro.pk,
              "due_at": dt.datetime(2027, 2, 1, 10, tzinfo=dt.UTC)},
    )  # fmt: skip
    activities.activity_complete(actor=admin, activity=office, outcome="Signed")
    activities.activity_create(
        actor=admin,
        data={"kind": "task", "subject": "Prepare documents", "contact": petro.pk,
              "due_at": dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)},
    )  # fmt: skip
    activities.activity_complete(actor=manager, activity=visa)  # olena: no next step left
    activities.activity_create(
        actor=admin, data={"subject": "Call back", "contact": petro.pk, "due_at": at(12)}
    )  # overdue
    make_product("Travel insurance", kind="addon", category="Extras")
    make_product("Old Rome tour", destination="Rome", is_active=False)
    late = RootCause.objects.create(name="Transfer late")
    hotel = ComplaintCategory.objects.create(name="Hotel")
    resolved = service.complaint_register(
        actor=admin, contact=olena, description="No transfer", severity="high", channel="email",
        category=hotel.pk, product=crete_tour.pk, order=Order.objects.get(external_id="X-1").pk,
        assignee=users["agent"].pk,
    )  # fmt: skip
    service.complaint_resolve(
        actor=admin, complaint=resolved, root_cause=late.pk, resolution="Sorry"
    )
    late_one = service.complaint_register(
        actor=admin, contact=petro, description="Cold room", severity="low", channel="phone"
    )
    Complaint.objects.filter(pk=resolved.pk).update(created_at=at(6))
    Complaint.objects.filter(pk=late_one.pk).update(created_at=at(16), breached=True)
    make_product_metrics(crete_tour, abc_class="A", xyz_class="X")
    make_product_metrics(Product.objects.get(name="Old Rome tour"), abc_class="C", xyz_class="X")
    make_metrics(olena, r_score=5, f_score=4, rfm_segment="champions", abc_class="A",
                 xyz_class="X", clv_365d=Decimal("250.00"), churn_risk=0.1,
                 first_purchase=dt.date(2026, 1, 4))  # fmt: skip
    make_metrics(petro, r_score=1, f_score=1, rfm_segment="lost", abc_class="C",
                 xyz_class="Z", clv_365d=Decimal("20.00"), churn_risk=0.8)  # fmt: skip
    # a contact who never bought (the cohort and bought_in filters tell the others apart)
    contacts.contact_create(actor=admin, data={"first_name": "Ona", "city": "Vilnius"})
    return {
        "web": web, "phone": phone, "acme": acme, "olena": olena, "petro": petro,
        "manager": manager, "leisure": leisure, "corporate": corporate, "crete": crete,
        "late": late, "hotel": hotel, "tour": crete_tour, "agent": users["agent"],
        "order_x1": Order.objects.get(external_id="X-1"),
    }  # fmt: skip


@dataclass
class ListCase:
    filters: FilterSet
    web: str
    api: str
    export: str | None
    page_rows: str  # the web page's context variable holding its rows
    cases: Callable[[dict[str, Any]], list[dict[str, Any]]]


LISTS = {
    "leads": ListCase(
        LEAD_FILTERS,
        "/leads/",
        "leads",
        "/leads/export/csv/",
        "page",
        lambda d: [
            {"q": "taras"},
            {"status": "open"},
            {"status": "disqualified"},
            {"source": d["phone"].pk},
            {"owner": d["manager"].pk},
            {"owner": "none"},
            {"unassigned": "true"},
            {"utm_campaign": "SUMMER"},
            {"created_after": "2026-01-10", "created_before": "2026-01-31"},
            {"created_before": "2026-01-05"},
        ],
    ),
    "deals": ListCase(
        DEAL_FILTERS,
        "/deals/",
        "deals",
        "/deals/export/csv/",
        "page",
        lambda d: [
            {"q": "crete"},
            {"q": "bondar"},
            {"pipeline": d["corporate"].pk},
            {"stage": d["crete"].stage_id},
            {"stage_kind": "won"},
            {"owner": d["manager"].pk},
            {"contact": d["olena"].pk},
            {"created_after": "2026-01-10"},
            {"created_before": "2026-01-03"},
        ],
    ),
    "orders": ListCase(
        ORDER_FILTERS,
        "/orders/",
        "orders",
        "/orders/export/csv/",
        "page",
        lambda d: [
            {"q": "koval"},
            {"status": "paid"},
            {"channel": "website"},
            {"contact": d["petro"].pk},
            {"deal": d["crete"].pk},
            {"external_id": "X-1"},
            {"since": "2026-01-10", "until": "2026-01-31"},
            {"until": "2026-01-04"},
        ],
    ),
    "complaints": ListCase(
        COMPLAINT_FILTERS,
        "/complaints/",
        "complaints",
        "/complaints/export/csv/",
        "page",
        lambda d: [
            {"q": "koval"},
            {"q": "cold room"},
            {"status": "resolved"},
            {"status": "open"},
            {"breached": "true"},
            {"severity": "low"},
            {"category": d["hotel"].pk},
            {"category": "none"},
            {"root_cause": d["late"].pk},
            {"assignee": d["agent"].pk},
            {"channel": "phone"},
            {"contact": d["petro"].pk},
            {"product": d["tour"].pk},
            {"order": d["order_x1"].pk},
            {"created_after": "2026-01-10"},
            {"created_before": "2026-01-07"},
        ],
    ),
    "sources": ListCase(
        LEAD_SOURCE_FILTERS,
        "/marketing/sources/",
        "sources",
        None,
        "listed_sources",
        lambda d: [{"kind": "phone"}, {"active": "true"}, {"active": "false"}],
    ),
    "products": ListCase(
        PRODUCT_FILTERS,
        "/products/",
        "products",
        "/products/export/csv/",
        "page",
        lambda d: [
            {"q": "crete", "active": "all"},
            {"kind": "addon", "active": "all"},
            {"category": d["extras"], "active": "all"},
            {"active": "false"},
            {"active": "true"},
            {"destination": "rome", "active": "all"},
            {"departs_after": "2026-06-01", "departs_before": "2026-07-02", "active": "all"},
            {"abc_class": "A", "active": "all"},
            {"xyz_class": "X", "active": "all"},
            {"abc_class": "C", "xyz_class": "X", "active": "false"},
        ],
    ),
    "contacts": ListCase(
        CONTACT_FILTERS,
        "/contacts/",
        "contacts",
        "/contacts/export/csv/",
        "page",
        lambda d: [
            {"q": "olena"},
            {"owner": d["manager"].pk},
            {"tag": "ski"},
            {"lifecycle_stage": "lost"},
            {"city": "Lviv"},
            {"consent": "email:marketing:granted"},
            {"country": "pl"},
            {"external_id": "C-1"},
            {"company": d["acme"].pk},
            {"custom.vip": "gold"},
            {"no_next_step": "true"},
            {"team": d["manager"].team_id},
            {"rfm_segment": "champions"},
            {"abc_class": "C"},
            {"xyz_class": "X"},
            {"r_score": "5", "f_score": "4"},
            {"f_score": "1"},
            {"clv_from": "100", "clv_below": "250.01"},
            {"clv_below": "100"},
            {"churn_risk_from": "0.5"},
            {"churn_risk_below": "0.5"},
            {"cohort": "2026-01"},
            {"bought_in": "2026-01"},
            {"bought": str(d["tour"].pk)},
        ],
    ),
    "activities": ListCase(
        ACTIVITY_FILTERS,
        "/activities/",
        "activities",
        "/activities/export/csv/",
        "page",
        lambda d: [
            {"q": "visa", "status": "all"},
            {"assignee": d["manager"].pk, "status": "all"},
            {"status": "done"},
            {"kind": "meeting", "status": "all"},
            {"due_after": "2027-01-15", "due_before": "2027-02-15", "status": "all"},
            {"overdue": "true"},
            {"overdue": "false", "status": "all"},
            {"contact": d["olena"].pk, "status": "all"},
            {"deal": d["crete"].pk, "status": "all"},
        ],
    ),
    "companies": ListCase(
        COMPANY_FILTERS,
        "/companies/",
        "companies",
        "/companies/export/csv/",
        "page",
        lambda d: [
            {"q": "baltic"},
            {"owner": d["manager"].pk},
            {"city": "Kyiv"},
            {"country": "UA"},
            {"external_id": "B-1"},
        ],
    ),
}


def _api_query_params(client, path: str) -> set[str]:
    schema = client.get(f"{API}/openapi.json").json()
    operation = schema["paths"][f"/api/v1/{path}"]["get"]
    return {p["name"] for p in operation["parameters"] if p["in"] == "query"} - PAGING


def _web_ids(client, spec: ListCase, params: dict[str, Any]) -> list[int]:
    response = client.get(spec.web, params)
    assert response.status_code == 200
    rows = response.context[spec.page_rows]
    return sorted(row.pk for row in getattr(rows, "items", rows))


def _api_ids(client, spec: ListCase, params: dict[str, Any]) -> list[int]:
    response = client.get(f"{API}/{spec.api}", {**params, "limit": 200})
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["items"])


def _export_ids(client, spec: ListCase, params: dict[str, Any]) -> list[int]:
    assert spec.export is not None
    response = client.get(spec.export, params)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "id"
    return sorted(int(row[0]) for row in rows[1:])


@pytest.mark.parametrize("name", LISTS)
def test_web_api_and_export_take_the_same_filters_with_the_same_rows(client, users, data, name):
    spec = LISTS[name]
    data["extras"] = Category.objects.get(name="Extras").pk
    api = bearer_client(users["admin"])
    client.force_login(users["admin"])
    cases = spec.cases(data)
    declared = set(spec.filters.param_names()) - {"custom.<key>"}

    assert _api_query_params(api, spec.api) == declared
    assert {param for case in cases for param in case if param != "custom.vip"} >= declared
    for params in cases:
        web = _web_ids(client, spec, params)
        assert web, (name, params)  # every case finds something ...
        everything = _web_ids(client, spec, {"active": "all"} if name == "products" else {})
        assert web != everything, (name, params)
        assert _api_ids(api, spec, params) == web, (name, params)  # ... the same thing
        if spec.export:
            assert _export_ids(client, spec, params) == web, (name, params)


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize(
    "bad", ["99999999999999999999999", "-1", "2.5", "no-such-choice", "2026-02-30", "1e309"]
)
def test_a_bad_filter_value_is_a_message_on_the_page_and_a_422_from_the_api(
    client, users, name, bad
):
    spec = LISTS[name]
    api = bearer_client(users["admin"])
    client.force_login(users["admin"])
    for param in spec.filters.param_names():
        if param == "custom.<key>":
            continue
        parsed = spec.filters.parse({param: bad})
        page = client.get(spec.web, {param: bad})
        answer = api.get(f"{API}/{spec.api}", {param: bad})

        assert page.status_code == 200
        assert answer.status_code == (422 if parsed.errors else 200), (param, bad)
        for message in parsed.errors.values():
            assert message in page.content.decode()
