"""The permission matrix rows for the catalog, sales and analytics endpoints (see
tests/api/permissions.py): the records of `sales_world` are owned by `manager` like the
contacts' world, and shared set-up (catalog, pipelines, sources) follows its own policy."""

from typing import Any

from rapport.sales.models import Order, SourceSpend, TrackingNumber
from tests.api.conftest import API, make_contact
from tests.api.permissions import (
    ADMIN_ONLY,
    CATALOG,
    FIGURES,
    MAY_SEE,
    MAY_SEE_SOUTH,
    MAY_SEE_UNASSIGNED,
    REPORT,
    SPEND,
    Endpoint,
)
from tests.api.sales_data import (
    make_deal,
    make_lead,
    make_lost_reason,
    make_order,
    make_pipeline,
    make_product,
    make_source,
)


def sales_world(users: dict[str, Any]) -> dict[str, Any]:
    manager, south = users["manager"], users["manager2"]
    customer = make_contact(manager, first_name="Rasa", email="rasa@example.lt")
    south_customer = make_contact(south, first_name="Jonas", email="jonas@example.lt")
    pipeline = make_pipeline()
    source = make_source()
    TrackingNumber.objects.create(number="+37052000000", source=source)
    product = make_product()
    return {
        "customer": customer,
        "product": product,
        "category": make_product("Insurance", kind="addon", price="30", category="Add-ons")
        .category,
        "pipeline": pipeline,
        "spare_pipeline": make_pipeline("Corporate", default=False),
        "source": source,
        "spare_source": make_source("Exhibition 2025", kind="exhibition"),
        "spend": SourceSpend.objects.create(
            source=source, period_start="2025-01-01", period_end="2025-01-31", amount=500,
            currency="EUR",
        ),
        "lead": make_lead(manager, source=source, email="lina@example.lt"),
        "deal": make_deal(manager, customer, pipeline=pipeline),
        "order": make_order(manager, customer),
        "lost_reason": make_lost_reason(),
        "south_lead": make_lead(south, email="ona@example.lt"),
        "free_lead": make_lead(None, email="free@example.lt"),
        "south_deal": make_deal(south, south_customer, pipeline=pipeline),
        "south_order": make_order(south, south_customer),
    }  # fmt: skip


def _(key: str):
    return lambda w: w[key]


def _linked_order(w: dict[str, Any]) -> Order:
    Order.objects.filter(pk=w["order"].pk).update(deal=w["deal"])
    w["order"].refresh_from_db()
    return w["order"]


def _id(key: str):
    return lambda w: w[key].pk


def _north_and_south(north: str, south: str):
    return lambda w: [(w[north], MAY_SEE), (w[south], MAY_SEE_SOUTH)]


def _leads(w):
    return [(w["lead"], MAY_SEE), (w["south_lead"], MAY_SEE_SOUTH),
            (w["free_lead"], MAY_SEE_UNASSIGNED)]  # fmt: skip


SALES_ENDPOINTS = [
    # products
    Endpoint("list products", "GET", lambda w: f"{API}/products?kind=tour", "list",
             _("product"), policy=CATALOG),
    Endpoint("create product", "POST", lambda w: f"{API}/products", "create", _("product"),
             body=lambda w: {"name": "Ski pass", "kind": "addon",
                             "price": {"amount": "120", "currency": "EUR"}},
             success=201, policy=CATALOG),
    Endpoint("read product", "GET", lambda w: f"{API}/products/{w['product'].pk}", "read",
             _("product"), policy=CATALOG),
    Endpoint("change product", "PATCH", lambda w: f"{API}/products/{w['product'].pk}", "change",
             _("product"), body=lambda w: {"destination": "Crete"}, policy=CATALOG),
    Endpoint("delete product", "DELETE", lambda w: f"{API}/products/{w['product'].pk}",
             "delete", _("product"), success=204, policy=CATALOG),
    # categories
    Endpoint("list categories", "GET", lambda w: f"{API}/categories", "list", _("category"),
             policy=CATALOG),
    Endpoint("create category", "POST", lambda w: f"{API}/categories", "create", _("category"),
             body=lambda w: {"name": "Ski"}, success=201, policy=CATALOG),
    Endpoint("read category", "GET", lambda w: f"{API}/categories/{w['category'].pk}", "read",
             _("category"), policy=CATALOG),
    Endpoint("change category", "PATCH", lambda w: f"{API}/categories/{w['category'].pk}",
             "change", _("category"), body=lambda w: {"name": "Extras"}, policy=CATALOG),
    Endpoint("delete category", "DELETE", lambda w: f"{API}/categories/{w['category'].pk}",
             "delete", _("category"), success=204, policy=CATALOG),
    # leads
    Endpoint("list leads", "GET", lambda w: f"{API}/leads", "list", _("lead"), rows=_leads),
    Endpoint("create lead", "POST", lambda w: f"{API}/leads", "create", _("lead"),
             body=lambda w: {"email": "new@example.com"}, success=201),
    Endpoint("read lead", "GET", lambda w: f"{API}/leads/{w['lead'].pk}", "read", _("lead")),
    Endpoint("change lead", "PATCH", lambda w: f"{API}/leads/{w['lead'].pk}", "change",
             _("lead"), body=lambda w: {"message": "Called back"}),
    Endpoint("set lead status", "POST", lambda w: f"{API}/leads/{w['lead'].pk}/status",
             "change", _("lead"), body=lambda w: {"status": "contacted"}),
    Endpoint("delete lead", "DELETE", lambda w: f"{API}/leads/{w['lead'].pk}", "delete",
             _("lead"), success=204),
    Endpoint("convert lead", "POST", lambda w: f"{API}/leads/{w['lead'].pk}/convert", "change",
             _("lead"), body=lambda w: {}, success=201),
    # pipelines
    Endpoint("list pipelines", "GET", lambda w: f"{API}/pipelines?limit=1", "list",
             _("pipeline"), policy=ADMIN_ONLY),
    Endpoint("create pipeline", "POST", lambda w: f"{API}/pipelines", "create", _("pipeline"),
             body=lambda w: {"name": "Groups", "stages": [{"name": "New", "probability": 10}]},
             success=201, policy=ADMIN_ONLY),
    Endpoint("read pipeline", "GET", lambda w: f"{API}/pipelines/{w['pipeline'].pk}", "read",
             _("pipeline"), policy=ADMIN_ONLY),
    Endpoint("change pipeline", "PATCH", lambda w: f"{API}/pipelines/{w['pipeline'].pk}",
             "change", _("pipeline"), body=lambda w: {"name": "Leisure"}, policy=ADMIN_ONLY),
    Endpoint("delete pipeline", "DELETE",
             lambda w: f"{API}/pipelines/{w['spare_pipeline'].pk}", "delete",
             _("spare_pipeline"), success=204, policy=ADMIN_ONLY),
    # deals
    Endpoint("list deals", "GET", lambda w: f"{API}/deals", "list", _("deal"),
             rows=_north_and_south("deal", "south_deal")),
    Endpoint("create deal", "POST", lambda w: f"{API}/deals", "create_for", _("deal"),
             body=lambda w: {"title": "Ski", "contact": w["customer"].pk}, success=201,
             ref_field="contact"),
    Endpoint("read deal", "GET", lambda w: f"{API}/deals/{w['deal'].pk}", "read", _("deal")),
    Endpoint("change deal", "PATCH", lambda w: f"{API}/deals/{w['deal'].pk}", "change",
             _("deal"), body=lambda w: {"title": "Crete in June"}),
    Endpoint("move deal", "POST", lambda w: f"{API}/deals/{w['deal'].pk}/move", "change",
             _("deal"),
             body=lambda w: {"stage": w["pipeline"].stages.get(name="Offer sent").pk}),
    Endpoint("delete deal", "DELETE", lambda w: f"{API}/deals/{w['deal'].pk}", "delete",
             _("deal"), success=204),
    Endpoint("link order to deal", "POST", lambda w: f"{API}/deals/{w['deal'].pk}/orders",
             "change", _("order"), body=lambda w: {"order": w["order"].pk}),
    Endpoint("detach order from deal", "DELETE",
             lambda w: f"{API}/deals/{w['deal'].pk}/orders/{w['order'].pk}", "change",
             _linked_order, success=204),
    # orders
    Endpoint("list orders", "GET", lambda w: f"{API}/orders", "list", _("order"),
             rows=_north_and_south("order", "south_order")),
    Endpoint("create order", "POST", lambda w: f"{API}/orders", "create_for", _("order"),
             body=lambda w: {"contact": w["customer"].pk, "currency": "EUR",
                             "total": {"amount": "99", "currency": "EUR"}},
             success=201, ref_field="contact"),
    Endpoint("read order", "GET", lambda w: f"{API}/orders/{w['order'].pk}", "read",
             _("order")),
    Endpoint("set order status", "POST", lambda w: f"{API}/orders/{w['order'].pk}/status",
             "change", _("order"), body=lambda w: {"status": "paid"}),
    Endpoint("delete order", "DELETE", lambda w: f"{API}/orders/{w['order'].pk}", "delete",
             _("order"), success=204),
    # sources and spend
    Endpoint("list sources", "GET", lambda w: f"{API}/sources?kind=website", "list", _("source"),
             policy=CATALOG),
    Endpoint("create source", "POST", lambda w: f"{API}/sources", "create", _("source"),
             body=lambda w: {"name": "Instagram", "kind": "instagram"}, success=201,
             policy=CATALOG),
    Endpoint("read source", "GET", lambda w: f"{API}/sources/{w['source'].pk}", "read",
             _("source"), policy=CATALOG),
    Endpoint("change source", "PATCH", lambda w: f"{API}/sources/{w['source'].pk}", "change",
             _("source"), body=lambda w: {"is_active": False}, policy=CATALOG),
    Endpoint("delete source", "DELETE", lambda w: f"{API}/sources/{w['spare_source'].pk}",
             "delete", _("spare_source"), success=204, policy=CATALOG),
    Endpoint("list spend", "GET", lambda w: f"{API}/sources/{w['source'].pk}/spend", "list",
             _("spend"), policy=SPEND),
    Endpoint("record spend", "POST", lambda w: f"{API}/sources/{w['source'].pk}/spend",
             "create", _("spend"),
             body=lambda w: {"period_start": "2025-02-01", "period_end": "2025-02-28",
                             "amount": {"amount": "450", "currency": "EUR"}},
             success=201, policy=SPEND),
    Endpoint("list lost reasons", "GET", lambda w: f"{API}/lost-reasons", "list",
             _("lost_reason"), policy=REPORT),
    # the call-tracking webhook (any role that may create records)
    Endpoint("record call", "POST", lambda w: f"{API}/calls", "create", _("lead"),
             body=lambda w: {"caller": "+37061111111", "dialled": "+37052000000",
                             "time": "2025-05-01T10:00:00+03:00", "duration": 95}),
    # analytics
    # (the acquisition figures per role: tests/api/test_analytics.py, after a refresh)
    Endpoint("acquisition report", "GET", lambda w: f"{API}/analytics/acquisition", "report",
             _("source"), policy=FIGURES),
    Endpoint("funnel", "GET", lambda w: f"{API}/analytics/funnel?pipeline={w['pipeline'].pk}",
             "report", _("pipeline"), policy=FIGURES,
             rows=_north_and_south("deal", "south_deal"), count=lambda body: body["deals"]),
    Endpoint("customer journey", "GET",
             lambda w: f"{API}/customers/{w['customer'].pk}/journey", "read", _("customer")),
]  # fmt: skip
