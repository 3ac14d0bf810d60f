from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rapport.catalog import services
from rapport.catalog.models import Product
from rapport.core.errors import Conflict

pytestmark = pytest.mark.django_db

TOUR = {
    "name": "Antalya, 10 nights",
    "kind": "tour",
    "sku": "TR-ANT-10",
    "destination": "Antalya, Türkiye",
    "departure_date": "2027-06-01",
    "return_date": "2027-06-11",
    "hotel_category": 5,
    "price": "1 249,50",
    "currency": "eur",
}


def test_tour_is_created_with_money_and_duration(users):
    tour = services.product_create(actor=users["marketer"], data=TOUR)

    assert (tour.price, tour.currency, tour.duration_nights) == (Decimal("1249.50"), "EUR", 10)


def test_every_bad_field_is_reported(users):
    with pytest.raises(ValidationError) as exc:
        services.product_create(
            actor=users["admin"],
            data={**TOUR, "return_date": "2027-05-01", "hotel_category": 7, "price": "abc"},
        )

    assert set(exc.value.message_dict) == {"return_date", "hotel_category", "price"}


def test_unknown_currency_is_named(users):
    with pytest.raises(ValidationError) as exc:
        services.product_create(actor=users["admin"], data={**TOUR, "currency": "XYZ"})

    assert set(exc.value.message_dict) == {"currency"}


def test_duplicate_code_is_a_conflict(users):
    services.product_create(actor=users["admin"], data=TOUR)

    with pytest.raises(Conflict):
        services.product_create(actor=users["admin"], data={**TOUR, "name": "Copy"})


def test_sales_managers_do_not_edit_the_catalog(users):
    with pytest.raises(PermissionError):
        services.product_create(actor=users["manager"], data=TOUR)


def test_ordered_product_is_taken_off_sale_not_deleted(users):
    from rapport.contacts.services import contact_create
    from rapport.sales.services import order_create

    tour = services.product_create(actor=users["admin"], data=TOUR)
    person = contact_create(actor=users["manager"], data={"first_name": "Ugnė"})
    order_create(
        actor=users["manager"], contact=person, currency="EUR", lines=[{"product": tour.pk}]
    )

    services.product_delete(actor=users["admin"], product=tour)

    assert Product.objects.get(pk=tour.pk).is_active is False
