"""The permission matrix rows of the customer-analytics endpoints (see tests/api/permissions.py).

`sales_world` holds one order of `customer` (team North) and one of the `south_order`'s customer
(team South): after a refresh, every report counts exactly the customers of those the role
may see — both for the whole business, one for a sales manager, none for a service agent
(who reads no figures: 403, and 404 on a customer's metrics)."""

import datetime as dt
from typing import Any

from django.db.models import Model
from django.utils import timezone

from rapport.accounts.models import User
from rapport.analytics.refresh import refresh_customers
from rapport.contacts.models import Contact
from rapport.sales.models import Order
from tests.api.conftest import API
from tests.api.permissions import FIGURES, MAY_SEE, MAY_SEE_SOUTH, ROLES, Endpoint, Policy

# A customer's metrics: their record's rule, and only for those who read figures.
METRICS = Policy({r: MAY_SEE[r] and r != "agent" for r in ROLES}, MAY_SEE, MAY_SEE, MAY_SEE)


def _refreshed(key: str):
    """The world's record `key`, after one refresh of the stored analytics (per world)."""

    def target(w: dict[str, Any]) -> Model:
        if not w.get("_refreshed"):
            # both orders in a complete month, so that the forecast's history holds them
            Order.objects.filter(pk__in=[w["order"].pk, w["south_order"].pk]).update(
                order_date=timezone.now() - dt.timedelta(days=45)
            )
            refresh_customers()
            w["_refreshed"] = True
        return w[key]

    return target


def _referred(w: dict[str, Any]) -> Model:
    """Each team's Olena referred that team's customer, then one refresh."""
    Contact.objects.filter(pk=w["customer"].pk).update(referred_by=w["contact"])
    Contact.objects.filter(pk=w["south_order"].contact_id).update(referred_by=w["south_contact"])
    return _refreshed("contact")(w)


def _customers(w: dict[str, Any]) -> list[tuple[Model, dict[str, bool]]]:
    return [(w["customer"], MAY_SEE), (w["south_order"].contact, MAY_SEE_SOUTH)]


def _products(w: dict[str, Any]) -> list[tuple[Model, dict[str, bool]]]:
    # every product is classified for every audience (without sales in it: C and Z)
    return [(w["product"], FIGURES.may_see), (w["category"].products.get(), FIGURES.may_see)]


def _managers(w: dict[str, Any]) -> list[tuple[Model, dict[str, bool]]]:
    north = w["customer"].owner
    mate = User.objects.get(username="mate")  # the users fixture's second North manager
    return [(north, MAY_SEE), (mate, MAY_SEE), (w["south_order"].contact.owner, MAY_SEE_SOUTH)]


def _cells(body: dict[str, Any]) -> int:
    return sum(cell["count"] for cell in body["cells"])


ANALYTICS_ENDPOINTS = [
    Endpoint("customer metrics", "GET", lambda w: f"{API}/customers/{w['customer'].pk}/metrics",
             "read", _refreshed("customer"), policy=METRICS),
    Endpoint("rfm report", "GET", lambda w: f"{API}/analytics/rfm", "report",
             _refreshed("customer"), policy=FIGURES, rows=_customers, count=_cells),
    Endpoint("abc-xyz of customers", "GET", lambda w: f"{API}/analytics/abc-xyz", "report",
             _refreshed("customer"), policy=FIGURES, rows=_customers, count=_cells),
    Endpoint("abc-xyz of products", "GET", lambda w: f"{API}/analytics/abc-xyz?entity=products",
             "report", _refreshed("product"), policy=FIGURES, rows=_products, count=_cells),
    Endpoint("clv report", "GET", lambda w: f"{API}/analytics/clv", "report",
             _refreshed("customer"), policy=FIGURES, rows=_customers,
             count=lambda body: body["customers_in_scope"]),
    Endpoint("cohorts", "GET", lambda w: f"{API}/analytics/cohorts?by=month", "report",
             _refreshed("customer"), policy=FIGURES, rows=_customers,
             count=lambda body: sum(c["customers"] for c in body["cells"]
                                    if c["months_since"] == 0)),
    Endpoint("forecast", "GET", lambda w: f"{API}/analytics/forecast?series=orders", "report",
             _refreshed("customer"), policy=FIGURES, rows=_customers,  # one order each
             count=lambda body: int(sum(h["value"] for h in body["history"]))),
    Endpoint("managers", "GET", lambda w: f"{API}/analytics/managers", "report",
             _refreshed("customer"), policy=FIGURES, rows=_managers, count=len),
    # too few baskets in this world for a pair (tests/api/test_customer_analytics.py has them)
    Endpoint("cross-sell", "GET", lambda w: f"{API}/analytics/cross-sell", "report",
             _refreshed("product"), policy=FIGURES, rows=lambda w: [], count=len),
    Endpoint("referrers", "GET", lambda w: f"{API}/analytics/referrers", "report", _referred,
             policy=FIGURES,
             rows=lambda w: [(w["contact"], MAY_SEE), (w["south_contact"], MAY_SEE_SOUTH)],
             count=lambda body: len(body["top"])),
]  # fmt: skip
