"""Sales and catalog lists: pinned query counts (lines, products and stages are prefetched,
never fetched per row), cursor pages, and the error shape on bad list parameters."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rapport.catalog.models import Product
from rapport.sales.models import LeadSource
from tests.api.conftest import API, make_contact
from tests.api.sales_data import make_deal, make_lead, make_order, make_pipeline, make_product

pytestmark = pytest.mark.django_db

ROWS = 12


@pytest.fixture
def sales(users):
    manager = users["manager"]
    tour, insurance = make_product(), make_product("Insurance", kind="addon", price="30")
    contact = make_contact(manager)
    make_pipeline()
    make_pipeline("Corporate", default=False)
    for i in range(ROWS):
        make_lead(manager, email=f"lead{i}@example.com")
        make_deal(manager, contact, products=[{"product": tour.pk}, {"product": insurance.pk}])
        make_order(
            manager, contact, total=None,
            lines=[{"product": tour.pk}, {"product": insurance.pk, "quantity": 2}],
        )  # fmt: skip
        LeadSource.objects.create(name=f"Source {i}", kind="other")
    for i in range(ROWS):
        make_product(f"Tour {i}")


def _queries(client, path, **params) -> int:
    client.get(f"{API}/{path}", {"limit": 1})  # the token's last-use stamp is written once
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{API}/{path}", params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# token + page (+ one per prefetched relation)
@pytest.mark.parametrize(
    ("path", "params", "pinned"),
    [
        ("leads", {}, 2),
        ("leads", {"status": "new", "utm_campaign": "x"}, 2),
        ("deals", {}, 3),  # + products; stage and order are joined
        ("deals", {"stage_kind": "open"}, 3),
        ("orders", {}, 3),  # + lines
        ("orders", {"count": "true"}, 4),
        ("pipelines", {}, 3),  # + stages
        ("products", {"q": "tour"}, 2),
        ("categories", {}, 2),
        ("sources", {}, 2),
        ("lost-reasons", {}, 2),
    ],
)
def test_list_query_count_is_pinned_and_does_not_grow_with_the_page(
    api_as, sales, path, params, pinned
):
    client = api_as("admin")

    small = _queries(client, path, limit=2, **params)
    large = _queries(client, path, limit=50, **params)

    assert small == large == pinned


def test_a_sales_manager_pays_no_query_more_for_their_team(api_as, sales):
    """The team comes with the token's user (ApiToken.authenticate)."""
    client = api_as("manager")

    assert _queries(client, "deals", limit=50) == 3
    assert _queries(client, "orders", limit=50) == 3


@pytest.mark.parametrize("path", ["leads", "deals", "orders", "products", "sources"])
def test_cursor_pages_cover_every_row_once(api_as, sales, path):
    client = api_as("admin")
    seen, cursor, pages = [], None, 0

    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = client.get(f"{API}/{path}", params).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break

    total = client.get(f"{API}/{path}", {"limit": 200}).json()["items"]
    assert seen == [item["id"] for item in total]
    assert len(seen) == len(set(seen)) >= ROWS
    assert pages == -(-len(seen) // 5)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("leads", {"cursor": "forged"}, "cursor"),
        ("leads", {"status": "lost"}, "status"),
        ("deals", {"limit": 201}, "limit"),
        ("orders", {"since": "2025-01-01T00:00:00"}, "since"),
        ("products", {"kind": "cruise"}, "kind"),
        ("deals", {"pipeline": "x"}, "pipeline"),
    ],
)
def test_bad_list_parameters_are_a_422_naming_them(api_as, path, params, field):
    response = api_as("admin").get(f"{API}/{path}", params)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "leads"), ("post", "calls"), ("get", "analytics/acquisition"), ("post", "orders")],
)
def test_without_a_token_every_new_endpoint_is_a_401(db, method, path):
    response = getattr(Client(), method)(f"{API}/{path}")

    assert response.status_code == 401
    assert set(response.json()) == {"detail", "errors"}
    assert not Product.objects.exists()
