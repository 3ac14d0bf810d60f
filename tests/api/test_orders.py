import pytest

from rapport.sales.models import Order
from rapport.timeline.models import Interaction
from tests.api.conftest import API, make_contact
from tests.api.sales_data import make_order, make_product

pytestmark = pytest.mark.django_db


def _post(client, path, body, **kwargs):
    return client.post(f"{API}/{path}", body, content_type="application/json", **kwargs)


def _fields(response):
    return [e["field"] for e in response.json()["errors"]]


def _eur(amount):
    return {"amount": amount, "currency": "EUR"}


def test_create_with_lines_totals_them_and_goes_on_the_timeline(api_as, users):
    contact = make_contact(users["manager"])
    tour = make_product()

    response = _post(
        api_as("manager"),
        "orders",
        {"contact": contact.pk, "currency": "EUR", "order_date": "2025-03-01T12:00:00+02:00",
         "channel": "website", "promo_code": "SPRING",
         "lines": [{"product": tour.pk, "quantity": 2, "discount": _eur("50")},
                   {"description": "Transfer", "unit_price": _eur("40")}]},
    )  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert body["total"] == _eur("1788.00")
    assert body["order_date"] == "2025-03-01T10:00:00+00:00"
    assert (body["channel"], body["status"], body["promo_code"]) == ("website", "booked", "SPRING")
    fields = ["product", "quantity", "unit_price", "discount", "line_total"]
    assert [tuple(line[f] for f in fields) for line in body["lines"]] == [
        (tour.pk, 2, _eur("899.00"), _eur("50.00"), _eur("1748.00")),
        (None, 1, _eur("40.00"), _eur("0.00"), _eur("40.00")),
    ]
    assert Interaction.objects.get(channel="order").source_id == body["id"]


def test_create_with_a_total_only(api_as, users):
    contact = make_contact(users["manager"])

    response = _post(
        api_as("agent"),
        "orders",
        {"contact": contact.pk, "currency": "EUR", "total": _eur("1200"), "external_id": "b-1"},
    )

    assert response.status_code == 201
    assert (response.json()["total"], response.json()["lines"]) == (_eur("1200.00"), [])


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"currency": "EUR"}, ["total"]),
        ({"currency": "XXX", "total": {"amount": "1", "currency": "XXX"}}, ["currency"]),
        ({"currency": "EUR", "total": _eur("1"), "contact": 999}, ["contact"]),
        ({"currency": "EUR", "total": {"amount": "1", "currency": "USD"}}, ["total.currency"]),
        ({"currency": "EUR", "lines": [{"product": 999}]}, ["lines[0].product"]),
        ({"currency": "EUR", "lines": [{"description": "Transfer"}]}, ["lines[0].unit_price"]),
        ({"currency": "EUR", "lines": [{"description": "T", "unit_price": _eur("10")}],
          "total": _eur("11")}, ["total"]),
        ({"currency": "EUR", "total": _eur("1"), "status": "lost"}, ["status"]),
        ({"currency": "EUR", "total": _eur("1"), "order_date": "2025-03-01T12:00:00"},
         ["order_date"]),
    ],
)  # fmt: skip
def test_bad_order_input_is_a_422_naming_the_field(api_as, users, body, fields):
    contact = make_contact(users["manager"])

    response = _post(api_as("manager"), "orders", {"contact": contact.pk, **body})

    assert response.status_code == 422
    assert _fields(response) == fields
    assert not Order.objects.exists()


def test_a_second_order_with_the_same_external_id_is_a_409(api_as, users):
    contact = make_contact(users["manager"])
    make_order(users["manager"], contact, external_id="b-1")

    response = _post(
        api_as("manager"),
        "orders",
        {"contact": contact.pk, "currency": "EUR", "total": _eur("1"), "external_id": "b-1"},
    )

    assert response.status_code == 409
    assert _fields(response) == ["external_id"]


def test_list_filters_by_contact_status_and_date(api_as, users):
    olena, taras = make_contact(users["manager"]), make_contact(users["manager"], first_name="T")
    wanted = make_order(users["manager"], olena, order_date=_at("2025-03-01"))
    make_order(users["manager"], olena, order_date=_at("2024-03-01"))
    make_order(users["manager"], olena, order_date=_at("2025-03-02"), status="cancelled")
    make_order(users["manager"], taras, order_date=_at("2025-03-01"))

    response = api_as("manager").get(
        f"{API}/orders",
        {"contact": olena.pk, "status": "booked", "since": "2025-01-01T00:00:00+00:00",
         "until": "2026-01-01T00:00:00+00:00"},
    )  # fmt: skip

    assert [o["id"] for o in response.json()["items"]] == [wanted.pk]


def _at(day):
    import datetime as dt

    return dt.datetime.fromisoformat(f"{day}T12:00:00+00:00")


def test_orders_follow_the_customers_visibility(api_as, users):
    order = make_order(users["manager"], make_contact(users["manager"]))

    assert api_as("manager2").get(f"{API}/orders/{order.pk}").status_code == 404
    assert api_as("manager2").get(f"{API}/orders").json()["items"] == []
    assert api_as("manager_mate").get(f"{API}/orders/{order.pk}").status_code == 200


def test_status_changes_are_recorded_and_idempotent(api_as, users):
    order = make_order(users["manager"], make_contact(users["manager"]))
    client = api_as("manager")
    key = {"Idempotency-Key": "pay-1"}

    paid = _post(client, f"orders/{order.pk}/status", {"status": "paid"}, headers=key)
    again = _post(client, f"orders/{order.pk}/status", {"status": "paid"}, headers=key)
    other = _post(client, f"orders/{order.pk}/status", {"status": "refunded"}, headers=key)
    bad = _post(client, f"orders/{order.pk}/status", {"status": "lost"})

    assert paid.json()["status"] == "paid"
    assert again.content == paid.content
    assert other.status_code == 409
    assert _fields(bad) == ["status"]
    assert Order.objects.get().status == "paid"
    assert Interaction.objects.filter(channel="order", direction="internal").count() == 1
