import pytest

from rapport.catalog.models import Product
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db

VALID = {
    "kind": "tour",
    "name": "Antalya, 10 nights",
    "destination": "Antalya",
    "departure_date": "2026-08-01",
    "return_date": "2026-08-11",
    "hotel_category": "5",
    "price": "1250.50",
    "currency": "EUR",
    "is_active": "on",
}


def test_list_shows_kind_destination_dates_price_and_active(as_user, product):
    response = as_user("agent").get("/products/")

    assert response.status_code == 200
    text = response.text
    assert "Crete, 7 nights" in text
    assert "Tour" in text
    assert "700.00 EUR" in text
    assert "7 nights" in text
    assert "/products/new/" not in text


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"kind": "addon"}, False),
        ({"kind": "tour"}, True),
        ({"q": "cret"}, True),
        ({"active": "no"}, False),
        ({"active": "all"}, True),
        ({"q": "zzz"}, False),
    ],
)
def test_list_filters(as_user, product, query, found):
    response = as_user("manager").get("/products/", query, **HTMX, HTTP_HX_TARGET="product-results")

    assert ("Crete, 7 nights" in response.text) is found


@pytest.mark.parametrize("name", ["admin", "marketer"])
def test_editors_create_products(as_user, name):
    response = as_user(name).post("/products/new/", VALID)

    created = Product.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/products/{created.pk}/"
    assert (created.hotel_category, str(created.price), created.duration_nights) == (
        5,
        "1250.50",
        10,
    )


@pytest.mark.parametrize("name", ["manager", "agent", "analyst"])
def test_others_read_only(as_user, product, name):
    client = as_user(name)

    page = client.get(f"/products/{product.pk}/")

    assert page.status_code == 200
    assert '<form method="post" class="product-form"' not in page.text
    assert client.get("/products/new/").status_code == 403
    assert client.post("/products/new/", VALID).status_code == 403
    assert client.post(f"/products/{product.pk}/", VALID).status_code == 403
    product.refresh_from_db()
    assert product.name == "Crete, 7 nights"


def test_edit_product(as_user, product):
    response = as_user("marketer").post(
        f"/products/{product.pk}/", {**VALID, "name": "Crete, 8 nights", "is_active": ""}
    )

    product.refresh_from_db()
    assert response.status_code == 302
    assert (product.name, product.is_active) == ("Crete, 8 nights", False)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"return_date": "2026-07-01"}, "The return cannot be before the departure."),
        ({"name": ""}, "Give the product a name."),
        ({"price": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"price": "1e40"}, "Ensure that there are no more than 14 digits in total."),
        ({"hotel_category": "9"}, "Ensure this value is less than or equal to 5."),
        ({"departure_date": "2026-02-30"}, "Enter a valid date."),
        ({"currency": "XXX"}, "Select a valid choice."),
    ],
)
def test_form_errors_name_the_field(as_user, change, message):
    response = as_user("admin").post("/products/new/", {**VALID, **change})

    assert response.status_code == 200
    assert message in response.text
    assert Product.objects.count() == 0


def test_duplicate_code_is_reported(as_user, product):
    product.sku = "CRETE-7"
    product.save()

    response = as_user("admin").post("/products/new/", {**VALID, "sku": "CRETE-7"})

    assert "Another product has this code." in response.text
    assert Product.objects.count() == 1


def test_unknown_product_is_404(as_user):
    assert as_user("admin").get("/products/999999/").status_code == 404
