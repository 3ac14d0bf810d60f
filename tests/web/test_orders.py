import datetime as dt

import pytest

from rapport.sales import services
from rapport.sales.models import Order, OrderStatus
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(users, olena, product):
    return services.order_create(
        actor=users["manager"],
        contact=olena,
        currency="EUR",
        lines=[{"product": product.pk, "quantity": 2, "discount": "100"}],
    )


def test_360_page_lists_orders_with_lines_and_the_journey(as_user, olena, order):
    response = as_user("manager").get(f"/contacts/{olena.pk}/")

    assert response.status_code == 200
    text = response.text
    assert f'href="/orders/{order.pk}/"' in text
    assert "1,300.00 EUR" in text
    assert "2 × Crete, 7 nights" in text
    assert f'hx-get="/contacts/{olena.pk}/journey/"' in text
    assert f'href="/orders/new/?contact={olena.pk}"' in text


def test_360_page_has_no_sales_buttons_for_read_only(as_user, olena, order):
    text = as_user("analyst").get(f"/contacts/{olena.pk}/").text

    assert f'href="/orders/{order.pk}/"' in text
    assert "/orders/new/" not in text
    assert "/deals/new/" not in text


def test_order_page_and_status_change_through_htmx(as_user, order):
    client = as_user("manager")

    page = client.get(f"/orders/{order.pk}/")
    changed = client.post(f"/orders/{order.pk}/status/", {"status": "paid"}, **HTMX)

    order.refresh_from_db()
    assert page.status_code == 200
    assert "Crete, 7 nights" in page.text
    assert changed.status_code == 200
    assert "<html" not in changed.text
    assert order.status == OrderStatus.PAID
    assert 'class="badge order-paid">Paid' in changed.text


def test_bad_status_is_an_error(as_user, order):
    response = as_user("manager").post(f"/orders/{order.pk}/status/", {"status": "lost"}, **HTMX)

    order.refresh_from_db()
    assert "Choose a status from the list." in response.text
    assert order.status == OrderStatus.BOOKED


def test_order_permissions(as_user, order):
    assert as_user("manager2").get(f"/orders/{order.pk}/").status_code == 404
    assert (
        as_user("manager2").post(f"/orders/{order.pk}/status/", {"status": "paid"}).status_code
        == 404
    )
    assert as_user("analyst").get(f"/orders/{order.pk}/").status_code == 200
    assert (
        as_user("analyst").post(f"/orders/{order.pk}/status/", {"status": "paid"}).status_code
        == 403
    )
    assert as_user("analyst").get("/orders/new/").status_code == 403
    assert "#" + str(order.pk) not in as_user("manager2").get("/orders/").text


def test_order_list_filters(as_user, order):
    client = as_user("manager")

    assert f"#{order.pk}" in client.get("/orders/", {"status": "booked"}).text
    assert f"#{order.pk}" not in client.get("/orders/", {"status": "paid"}).text
    assert f"#{order.pk}" in client.get("/orders/", {"q": "коваленко"}).text
    assert f"#{order.pk}" in client.get("/orders/", {"q": f"#{order.pk}"}).text
    assert f"#{order.pk}" not in client.get("/orders/", {"channel": "website"}).text
    assert f"#{order.pk}" not in client.get("/orders/", {"to": "2001-01-01"}).text
    assert "1 order" in client.get("/orders/").text
    assert client.get("/orders/", {"status": "x", "from": "y", "cursor": "z"}).status_code == 200


def test_create_order_with_lines(as_user, olena, product):
    response = as_user("manager").post(
        "/orders/new/",
        {
            "contact": olena.pk,
            "channel": "phone",
            "status": "booked",
            "currency": "EUR",
            "promo_code": "SUMMER",
            "line_product": [product.pk, ""],
            "line_description": ["", "Transfer"],
            "line_quantity": ["1", "2"],
            "line_unit_price": ["", "25"],
            "line_discount": ["50", ""],
        },
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.pk}/"
    assert order.total == 700 - 50 + 2 * 25
    assert order.promo_code == "SUMMER"
    assert [line.description for line in order.lines.order_by("id")] == [
        "Crete, 7 nights",
        "Transfer",
    ]


def test_create_order_with_a_total_only(as_user, olena):
    as_user("manager").post(
        "/orders/new/",
        {
            "contact": olena.pk,
            "channel": "office",
            "status": "paid",
            "currency": "UAH",
            "total": "12000",
        },
    )

    order = Order.objects.get()
    assert (order.total, order.currency, order.status) == (12000, "UAH", "paid")


def test_create_order_shows_line_errors_on_their_row(as_user, olena, product):
    response = as_user("manager").post(
        "/orders/new/",
        {
            "contact": olena.pk,
            "channel": "office",
            "status": "booked",
            "currency": "EUR",
            "line_product": [product.pk],
            "line_description": [""],
            "line_quantity": ["1"],
            "line_unit_price": [""],
            "line_discount": ["5000"],
        },
    )

    assert response.status_code == 200
    assert "the discount cannot exceed the line" in response.text
    assert Order.objects.count() == 0


def test_create_order_without_lines_or_total(as_user, olena):
    response = as_user("manager").post(
        "/orders/new/",
        {"contact": olena.pk, "channel": "office", "status": "booked", "currency": "EUR"},
    )

    assert "Give the order&#x27;s lines or its total." in response.text
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"contact": "abc"},
        {"contact": "999999"},
        {"total": "1e99"},
        {"total": "-3"},
        {
            "line_unit_price": ["1e60"],
            "line_description": ["x"],
            "line_product": [""],
            "line_quantity": ["1"],
            "line_discount": [""],
        },
        {
            "line_product": ["abc"],
            "line_quantity": ["many"],
            "line_description": [""],
            "line_unit_price": ["NaN"],
            "line_discount": ["Infinity"],
        },
        {"order_date": "2024-02-31T10:00"},
        {"channel": "pigeon"},
    ],
)
def test_create_order_odd_input_is_never_a_500(as_user, olena, data):
    payload = {
        "contact": olena.pk,
        "channel": "office",
        "status": "booked",
        "currency": "EUR",
        "total": "10",
        **data,
    }

    response = as_user("manager").post("/orders/new/", payload)

    assert response.status_code == 200
    assert Order.objects.count() == 0


def test_create_order_for_a_hidden_customer_is_refused(as_user, olena):
    response = as_user("manager2").post(
        "/orders/new/",
        {
            "contact": olena.pk,
            "channel": "office",
            "status": "booked",
            "currency": "EUR",
            "total": "10",
        },
    )

    assert "Choose a customer you can see." in response.text
    assert Order.objects.count() == 0


def test_journey_partial_ends_at_the_first_order(as_user, olena, order, lead):
    from rapport.sales.models import Lead

    earlier = order.order_date - dt.timedelta(days=2)
    Lead.objects.filter(pk=lead.pk).update(contact=olena, created_at=earlier)

    response = as_user("manager").get(f"/contacts/{olena.pk}/journey/", **HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert "summer-crete" in response.text
    assert f"#{order.pk}: 1,300.00 EUR" in response.text  # in the reader's number format
    assert as_user("manager2").get(f"/contacts/{olena.pk}/journey/").status_code == 404


def test_an_admin_deletes_an_order_with_a_confirmation(as_user, order):
    client = as_user("admin")
    page = client.get(f"/orders/{order.pk}/").text
    assert f'action="/orders/{order.pk}/delete/"' in page
    assert "return confirm(" in page

    response = client.post(f"/orders/{order.pk}/delete/", follow=True)

    assert response.redirect_chain[-1][0] == "/orders/"
    assert f"Order #{order.pk} deleted." in response.text
    assert not Order.objects.filter(pk=order.pk).exists()


@pytest.mark.parametrize("role", ["marketer", "agent", "analyst"])
def test_roles_that_may_not_delete_see_no_button_and_are_refused(as_user, order, role):
    client = as_user(role)
    assert "/delete/" not in client.get(f"/orders/{order.pk}/").text

    assert client.post(f"/orders/{order.pk}/delete/").status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()


def test_delete_needs_a_post(as_user, order):
    assert as_user("admin").get(f"/orders/{order.pk}/delete/").status_code == 405
