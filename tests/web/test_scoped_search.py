"""Order and deal lists, and the global-search selectors, search the viewer's own contacts:
a manager's customer is found even when more than a search's cap of newer contacts of other
teams match the same words (search scopes first, then caps)."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.contacts import search
from rapport.contacts.models import Contact
from rapport.contacts.selectors import find_companies, find_contacts
from rapport.sales import services
from rapport.sales.selectors import find_deals, find_leads, find_orders
from tests.factories import CompanyFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(users, olena):
    """`olena` (manager's) made older than 1,001 other teams' 'Олена Коваленко'."""
    Contact.objects.filter(pk=olena.pk).update(created_at=timezone.now() - dt.timedelta(days=900))
    others = Contact.objects.bulk_create(
        ContactFactory.build(owner=users["manager2"], first_name="Олена", last_name="Коваленко")
        for _ in range(search.FULLTEXT_CAP + 1)
    )
    search.write_index((c.pk, ["олена", "коваленко"]) for c in others)
    return others


@pytest.fixture
def order(users, olena, product):
    return services.order_create(
        actor=users["manager"],
        contact=olena,
        currency="EUR",
        lines=[{"product": product.pk, "quantity": 1}],
    )


def test_order_list_finds_the_managers_old_customer(as_user, crowd, order):
    text = as_user("manager").get("/orders/", {"q": "коваленко олена"}).text

    assert f"#{order.pk}" in text


def test_deal_list_finds_the_managers_old_customer(as_user, crowd, deal):
    assert "Crete for two" in as_user("manager").get("/deals/", {"q": "Коваленко"}).text


def test_global_search_selectors_scope_first(users, crowd, olena, order, deal, lead):
    manager = users["manager"]

    assert find_contacts(manager, "коваленко", 3) == [olena]
    assert find_orders(manager, "коваленко", 3) == [order]
    assert find_orders(manager, f"#{order.pk}", 3) == [order]
    assert find_orders(users["manager2"], f"#{order.pk}", 3) == []
    assert find_deals(manager, "Коваленко", 3) == [deal]
    assert find_deals(manager, "crete", 3) == [deal]
    assert find_deals(users["manager2"], "crete", 3) == []
    assert len(find_contacts(users["admin"], "коваленко", 3)) == 3
    assert find_contacts(manager, " ", 3) == find_orders(manager, "", 3) == []
    assert find_leads(users["admin"], lead.last_name, 3) == [lead]


def test_global_company_search_is_scoped(users):
    mine = CompanyFactory(name="Seaside Travel", owner=users["manager"])
    CompanyFactory(name="Seaside Tours", owner=users["manager2"])

    assert find_companies(users["manager"], "seas", 5) == [mine]
    assert [c.name for c in find_companies(users["admin"], "seas", 5)] == [
        "Seaside Tours",
        "Seaside Travel",
    ]
