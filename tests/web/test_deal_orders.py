"""The deal page links an order already recorded for the customer, and detaches it; winning
then records an order only when none is linked."""

import pytest

from rapport.contacts import services as contacts
from rapport.sales import services
from rapport.sales.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(users, olena):
    return services.order_create(actor=users["manager"], contact=olena, currency="EUR",
                                 total="900")  # fmt: skip


def _win(client, deal):
    won = deal.pipeline.stages.get(kind="won")
    return client.post(f"/deals/{deal.pk}/move/", {"stage": won.pk, "version": deal.version})


def test_deal_page_offers_the_customers_unlinked_orders(as_user, deal, order):
    text = as_user("manager").get(f"/deals/{deal.pk}/").text

    assert f'action="/deals/{deal.pk}/orders/"' in text
    assert f'<option value="{order.pk}">Order #{order.pk}' in text
    assert 'id="link-order"' not in as_user("analyst").get(f"/deals/{deal.pk}/").text


def test_link_then_win_records_no_second_order(as_user, deal, order):
    client = as_user("manager")

    response = client.post(f"/deals/{deal.pk}/orders/", {"order": order.pk})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.deal_id == deal.pk
    page = client.get(f"/deals/{deal.pk}/").text
    assert f'action="/deals/{deal.pk}/orders/{order.pk}/detach/"' in page
    _win(client, deal)
    assert Order.objects.filter(contact=deal.contact).count() == 1


def test_win_without_a_linked_order_records_one(as_user, deal, order):
    _win(as_user("manager"), deal)

    assert Order.objects.filter(contact=deal.contact).count() == 2
    assert Order.objects.get(deal=deal).pk != order.pk


def test_detach_the_order(as_user, deal, order):
    client = as_user("manager")
    client.post(f"/deals/{deal.pk}/orders/", {"order": order.pk})

    response = client.post(f"/deals/{deal.pk}/orders/{order.pk}/detach/")

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.deal_id is None
    assert "detached from this deal" in client.get(f"/deals/{deal.pk}/").text
    timeline = client.get(f"/contacts/{deal.contact_id}/").text
    assert f"Order #{order.pk} linked to deal “Crete for two”" in timeline
    assert f"Order #{order.pk} detached from deal “Crete for two”" in timeline


def test_link_another_customers_order_is_refused_with_a_message(as_user, users, deal):
    client = as_user("manager")
    other = contacts.contact_create(actor=users["manager"], data={"first_name": "Taras"})
    foreign = services.order_create(actor=users["manager"], contact=other, currency="EUR",
                                    total="5")  # fmt: skip

    client.post(f"/deals/{deal.pk}/orders/", {"order": foreign.pk})

    foreign.refresh_from_db()
    assert foreign.deal_id is None
    assert "This order belongs to another customer." in client.get(f"/deals/{deal.pk}/").text


def test_read_only_and_other_teams_cannot_link(as_user, deal, order):
    assert (
        as_user("analyst").post(f"/deals/{deal.pk}/orders/", {"order": order.pk}).status_code == 403
    )
    assert (
        as_user("manager2").post(f"/deals/{deal.pk}/orders/", {"order": order.pk}).status_code
        == 404
    )
    order.refresh_from_db()
    assert order.deal_id is None
