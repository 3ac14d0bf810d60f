"""Linking an order recorded on its own to its deal, and detaching it; winning a deal with a
linked order records no second order."""

import pytest

from rapport.sales.models import Order
from tests.api.conftest import API, make_contact
from tests.api.sales_data import make_deal, make_order, make_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users):
    manager = users["manager"]
    customer = make_contact(manager, first_name="Rasa", email="rasa@example.lt")
    other = make_contact(manager, first_name="Jonas", email="jonas@example.lt")
    pipeline = make_pipeline()
    return {
        "pipeline": pipeline,
        "customer": customer,
        "deal": make_deal(manager, customer, pipeline=pipeline),
        "order": make_order(manager, customer),
        "foreign_order": make_order(manager, other),
        "other_deal": make_deal(manager, customer, pipeline=pipeline, title="Ski"),
    }


def _link(client, deal, order_id):
    return client.post(
        f"{API}/deals/{deal.pk}/orders", {"order": order_id}, content_type="application/json"
    )


def _win(client, w):
    won = w["pipeline"].stages.get(kind="won")
    return client.post(
        f"{API}/deals/{w['deal'].pk}/move", {"stage": won.pk}, content_type="application/json"
    )


def test_link_an_order_then_win_records_no_second_order(api_as, world):
    client = api_as("manager")

    response = _link(client, world["deal"], world["order"].pk)

    assert response.status_code == 200
    assert response.json()["order"] == world["order"].pk
    assert _win(client, world).json()["order"] == world["order"].pk
    assert Order.objects.filter(contact=world["customer"]).count() == 1


def test_win_without_a_linked_order_records_one(api_as, world):
    response = _win(api_as("manager"), world)

    new = Order.objects.exclude(pk__in=[world["order"].pk, world["foreign_order"].pk]).get()
    assert response.json()["order"] == new.pk
    assert new.deal_id == world["deal"].pk


def test_linking_twice_is_harmless(api_as, world):
    client = api_as("manager")
    _link(client, world["deal"], world["order"].pk)

    assert _link(client, world["deal"], world["order"].pk).status_code == 200


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other customer", "This order belongs to another customer."),
        ("other deal", "This order is already linked to deal #"),
        ("deal has one", "This deal already has order #"),
    ],
)
def test_link_conflicts(api_as, world, case, message):
    client = api_as("manager")
    order, deal = world["order"], world["deal"]
    if case == "other customer":
        order = world["foreign_order"]
    elif case == "other deal":
        _link(client, world["other_deal"], order.pk)
    else:
        spare = make_order(world["deal"].owner, world["customer"], total="10")
        _link(client, deal, spare.pk)

    response = _link(client, deal, order.pk)

    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "order"
    assert response.json()["errors"][0]["message"].startswith(message)
    order.refresh_from_db()
    assert order.deal_id != deal.pk


def test_link_an_order_one_cannot_see_is_422(api_as, users, world):
    theirs = make_order(users["manager2"], make_contact(users["manager2"], first_name="Ona"))

    response = _link(api_as("manager"), world["deal"], theirs.pk)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["order"]
    theirs.refresh_from_db()
    assert theirs.deal_id is None


def test_detach_the_order(api_as, world):
    client = api_as("manager")
    deal, order = world["deal"], world["order"]
    _link(client, deal, order.pk)

    response = client.delete(f"{API}/deals/{deal.pk}/orders/{order.pk}")

    assert response.status_code == 204
    order.refresh_from_db()
    assert order.deal_id is None
    assert client.get(f"{API}/deals/{deal.pk}").json()["order"] is None


def test_detach_an_order_not_linked_to_the_deal_is_404(api_as, world):
    client = api_as("manager")

    response = client.delete(f"{API}/deals/{world['deal'].pk}/orders/{world['order'].pk}")

    assert response.status_code == 404
