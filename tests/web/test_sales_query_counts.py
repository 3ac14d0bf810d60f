"""Pinned query counts for the sales pages and their API lists: a page with 30 rows costs
exactly what a page with one row costs (owners, sources, customers, stages and lines are
joined or prefetched, never fetched per row)."""

import pytest

from rapport.sales import services
from rapport.sales.models import Deal, Stage
from tests.api.conftest import API, bearer_client, make_contact
from tests.api.sales_data import make_lead, make_product, make_source
from tests.factories import make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(users, request):
    """`n` leads, deals (spread over the open stages) and orders with two lines each, all of
    team North's manager, with their own source, customer and product."""

    def make(n: int) -> None:
        manager = users["manager"]
        pipeline = make_pipeline()
        stages = list(Stage.objects.filter(pipeline=pipeline, kind="open"))
        tour, insurance = make_product(), make_product("Insurance", kind="addon", price="30")
        for i in range(n):
            source = make_source(f"Source {i}")
            customer = make_contact(manager, first_name=f"Olena{i}")
            make_lead(manager, source=source, email=f"lead{i}@example.com")
            deal = services.deal_create(
                actor=manager,
                data={"title": f"Trip {i}", "contact": customer.pk, "amount": "900",
                      "currency": "EUR"},
            )  # fmt: skip
            Deal.objects.filter(pk=deal.pk).update(stage=stages[i % len(stages)])
            services.order_create(
                actor=manager, contact=customer, currency="EUR",
                lines=[{"product": tour.pk}, {"product": insurance.pk, "quantity": 2}],
            )  # fmt: skip

    return make


# session + user, then the page's own queries
# each page also counts the bell's unread notifications (one query in the header)
WEB = {
    "/leads/": 7,  # page (source, owner, contact joined), count, the bar's sources and owners
    "/deals/": 8,  # page (all joined), count, the bar's pipelines, stages and owners
    "/orders/": 5,  # page (customer joined), count
    # pipeline, stages, sums per stage, one card query per column (5), pipelines, owners,
    # lost reasons
    "/pipeline/": 14,
}
API_LISTS = {"leads": 2, "deals": 3, "orders": 3}  # token + page (+ products, + lines)


@pytest.mark.parametrize("n", [1, 30])
@pytest.mark.parametrize("path", WEB)
def test_web_page_query_count_is_pinned(client, users, rows, django_assert_num_queries, n, path):
    rows(n)
    client.force_login(users["admin"])
    client.get(path)  # the session is written once

    with django_assert_num_queries(WEB[path]):
        response = client.get(path)

    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 30])
@pytest.mark.parametrize("path", API_LISTS)
def test_api_list_query_count_is_pinned(users, rows, django_assert_num_queries, n, path):
    rows(n)
    api = bearer_client(users["admin"])
    api.get(f"{API}/{path}", {"limit": 1})  # the token's last-use stamp is written once

    with django_assert_num_queries(API_LISTS[path]):
        response = api.get(f"{API}/{path}", {"limit": 50})

    assert len(response.json()["items"]) == n
