"""The search-as-you-type pickers of the order and deal forms: their options endpoints
(ordering, scoping, the "departed" mark) and the forms taking the picked ids."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from rapport.catalog import services as catalog
from rapport.sales.models import Deal, Order

pytestmark = pytest.mark.django_db


def _tour(admin, name, *, days=None, destination="", sku=None, active=True):
    data = {"kind": "tour", "name": name, "destination": destination, "price": "500",
            "currency": "EUR", "is_active": active, "sku": sku or ""}  # fmt: skip
    if days is not None:
        day = timezone.localdate() + dt.timedelta(days=days)
        data.update(departure_date=day.isoformat(), return_date=day.isoformat())
    return catalog.product_create(actor=admin, data=data)


def _options(client, q=""):
    response = client.get("/products/options/", {"q": q, "format": "listbox"})
    assert response.status_code == 200
    return response.text


def _values(html):
    return [int(v) for v in re.findall(r'data-value="(\d+)"', html)]


@pytest.fixture
def tours(users):
    admin = users["admin"]
    return {
        "past": _tour(admin, "Rhodes, 7 nights", days=-10, destination="Rhodes"),
        "long_past": _tour(admin, "Rhodes, 10 nights", days=-40, destination="Rhodes"),
        "undated": _tour(admin, "Insurance", sku="INS-1"),
        "later": _tour(admin, "Crete, 7 nights", days=30, destination="Crete"),
        "soon": _tour(admin, "Київ, 3 ночі", days=0, destination="Київ", sku="KYIV-3"),
        "hidden": _tour(admin, "Crete, old offer", days=5, destination="Crete", active=False),
    }


def test_product_options_list_upcoming_then_undated_then_departed(as_user, tours):
    html = _options(as_user("manager"))

    assert _values(html) == [tours[k].pk for k in ("soon", "later", "undated", "past", "long_past")]
    assert html.count('class="departed"') == 2
    assert html.count(">departed</span>") == 2
    first = html.split("</li>")[0]
    assert "Київ · " in first
    assert "500.00 EUR" in first
    assert "KYIV-3" in first


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("КИЇВ", ["soon"]),  # any case, any script
        ("київ 3", ["soon"]),
        ("kyiv", ["soon"]),  # the code's prefix
        ("ins", ["undated"]),
        ("cre", ["later"]),  # not the product off sale
        ("nights", ["later", "past", "long_past"]),
        ("hodes", []),  # a word's prefix, not any part of it
    ],
)
def test_product_options_match_name_destination_or_code_prefix(as_user, tours, q, expected):
    assert _values(_options(as_user("manager"), q)) == [tours[k].pk for k in expected]


def test_product_options_say_when_nothing_matches(as_user, tours):
    html = _options(as_user("manager"), "zzz")

    assert 'aria-disabled="true"' in html
    assert "No product found; try other letters." in html


def test_contact_options_as_a_listbox_are_scoped_to_the_viewer(as_user, olena):
    mine = as_user("manager").get("/contacts/options/", {"q": "олена", "format": "listbox"})
    assert _values(mine.text) == [olena.pk]
    assert 'data-label="Олена Коваленко"' in mine.text
    assert "olena@example.com · Київ" in mine.text

    other = as_user("manager2").get("/contacts/options/", {"q": "олена", "format": "listbox"})
    assert _values(other.text) == []
    assert "Nobody found; try other letters." in other.text


def test_order_form_shows_pickers_not_a_product_dropdown(as_user, olena, tours):
    text = as_user("manager").get("/orders/new/", {"contact": olena.pk}).text

    assert text.count('role="combobox"') == 5  # the customer and four lines
    assert 'aria-controls="id_contact-listbox"' in text
    assert 'hx-get="/products/options/"' in text
    assert '<select name="line_product"' not in text
    assert "Crete, 7 nights" not in text  # no catalog dumped into the page


def test_order_form_takes_the_picked_ids(as_user, olena, tours):
    response = as_user("manager").post(
        "/orders/new/",
        {"q": ["Олена", "Київ"], "contact": olena.pk, "channel": "office", "status": "booked",
         "currency": "EUR", "line_product": [tours["soon"].pk], "line_description": [""],
         "line_quantity": ["2"], "line_unit_price": [""], "line_discount": [""]},
    )  # fmt: skip

    order = Order.objects.get()
    assert response.status_code == 302
    assert (order.contact_id, order.total) == (olena.pk, 1000)
    assert [line.product_id for line in order.lines.all()] == [tours["soon"].pk]


def test_order_form_refuses_a_customer_the_user_may_not_see(as_user, olena, tours):
    response = as_user("manager2").post(
        "/orders/new/",
        {"contact": olena.pk, "channel": "office", "status": "booked", "currency": "EUR",
         "line_product": [tours["soon"].pk], "line_description": [""], "line_quantity": ["1"],
         "line_unit_price": [""], "line_discount": [""]},
    )  # fmt: skip

    assert response.status_code == 200
    assert "Choose a customer you can see." in response.text
    assert "Олена" not in response.text  # the refused id is not named back
    # the picked product is still shown by name
    assert 'value="Київ, 3 ночі" role="combobox"' in response.text
    assert Order.objects.count() == 0


def test_deal_form_takes_the_picked_ids(as_user, olena, pipeline, tours):
    response = as_user("manager").post(
        "/deals/new/",
        {"title": "Kyiv weekend", "contact": olena.pk, "currency": "EUR",
         "product": [tours["soon"].pk, ""], "quantity": ["2", "1"], "unit_price": ["", ""]},
    )  # fmt: skip

    deal = Deal.objects.get()
    assert response.status_code == 302
    assert (deal.contact_id, deal.amount) == (olena.pk, 1000)
    assert [p.product_id for p in deal.products.all()] == [tours["soon"].pk]


def test_deal_form_refuses_an_unknown_product_id(as_user, olena, pipeline):
    response = as_user("manager").post(
        "/deals/new/",
        {"title": "Kyiv weekend", "contact": olena.pk, "currency": "EUR",
         "product": ["999999"], "quantity": ["1"], "unit_price": [""]},
    )  # fmt: skip

    assert response.status_code == 200
    assert "No such product." in response.text
    assert Deal.objects.count() == 0
