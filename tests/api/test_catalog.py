import pytest

from rapport.catalog.models import Category, Product
from rapport.sales import services
from tests.api.conftest import API, make_contact
from tests.api.sales_data import make_product

pytestmark = pytest.mark.django_db


def _post(client, path, body, **kwargs):
    return client.post(f"{API}/{path}", body, content_type="application/json", **kwargs)


def _fields(response):
    return [e["field"] for e in response.json()["errors"]]


def test_create_a_tour_and_read_it_back(api_as):
    category = Category.objects.create(name="Beach")
    client = api_as("marketer")

    created = _post(
        client,
        "products",
        {"name": " Crete,  7 nights ", "kind": "tour", "sku": "CRE-7", "category": category.pk,
         "destination": "Crete", "departure_date": "2025-06-01", "return_date": "2025-06-08",
         "hotel_category": 4, "price": {"amount": "899.5", "currency": "EUR"}},
    )  # fmt: skip
    read = client.get(f"{API}/products/{created.json()['id']}")

    assert created.status_code == 201
    assert read.json() == created.json()
    body = created.json()
    assert body["name"] == "Crete, 7 nights"
    assert body["price"] == {"amount": "899.50", "currency": "EUR"}
    assert body["duration_nights"] == 7
    assert (body["category"], body["hotel_category"], body["is_active"]) == (category.pk, 4, True)


def test_list_filters_by_kind_destination_activity_and_text(api_as):
    crete = make_product("Crete, 7 nights", destination="Crete", sku="CRE-7")
    make_product("Crete, old offer", destination="Crete", is_active=False)
    make_product("Rhodes, 10 nights", destination="Rhodes")
    make_product("Travel insurance", kind="addon", price="30")
    client = api_as("agent")

    def ids(**params):
        return [p["id"] for p in client.get(f"{API}/products", params).json()["items"]]

    assert ids(kind="tour", destination="crete", active="true") == [crete.pk]
    assert ids(q="cre-") == [crete.pk]
    assert len(ids(kind="addon")) == 1
    assert len(ids()) == 4


def test_update_changes_the_price_and_keeps_the_rest(api_as):
    product = make_product(destination="Crete")

    response = api_as("admin").patch(
        f"{API}/products/{product.pk}",
        {"price": {"amount": "949", "currency": "EUR"}},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["price"] == {"amount": "949.00", "currency": "EUR"}
    assert response.json()["destination"] == "Crete"


def test_an_unordered_product_is_deleted_an_ordered_one_taken_off_sale(api_as, users):
    spare, sold = make_product("Spare"), make_product("Sold")
    services.order_create(
        actor=users["admin"], contact=make_contact(users["admin"]), currency="EUR",
        lines=[{"product": sold.pk}],
    )  # fmt: skip
    client = api_as("marketer")

    deleted = client.delete(f"{API}/products/{spare.pk}")
    kept = client.delete(f"{API}/products/{sold.pk}")

    assert deleted.status_code == 204
    assert kept.status_code == 200
    assert kept.json()["is_active"] is False
    assert list(Product.objects.values_list("name", "is_active")) == [("Sold", False)]


@pytest.mark.parametrize("role", ["manager", "agent", "analyst"])
def test_only_admins_and_marketers_edit_the_catalog(api_as, role):
    response = _post(
        api_as(role), "products", {"name": "Ski", "price": {"amount": "1", "currency": "EUR"}}
    )

    assert response.status_code == 403
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "Crete"}, ["price"]),
        ({"price": {"amount": "10", "currency": "EUR"}}, ["name"]),
        ({"name": "Crete", "price": {"amount": "10", "currency": "XXX"}}, ["currency"]),
        ({"name": "Crete", "price": {"amount": "ten", "currency": "EUR"}}, ["price.amount"]),
        ({"name": "Crete", "price": {"amount": "-5", "currency": "EUR"}}, ["price"]),
        ({"name": "Crete", "price": {"amount": "10", "currency": "EUR"}, "hotel_category": 6},
         ["hotel_category"]),
        ({"name": "Crete", "price": {"amount": "10", "currency": "EUR"},
          "departure_date": "2025-06-08", "return_date": "2025-06-01"}, ["return_date"]),
        ({"name": "Crete", "price": {"amount": "10", "currency": "EUR"}, "category": 999},
         ["category"]),
        ({"name": "Crete", "price": {"amount": "10", "currency": "EUR"}, "colour": "red"},
         ["colour"]),
    ],
)  # fmt: skip
def test_bad_product_input_is_a_422_naming_the_field(api_as, body, fields):
    response = _post(api_as("marketer"), "products", body)

    assert response.status_code == 422
    assert _fields(response) == fields
    assert not Product.objects.exists()


def test_a_second_product_with_the_same_code_is_a_409(api_as):
    make_product(sku="CRE-7")

    response = _post(
        api_as("marketer"),
        "products",
        {"name": "Crete", "sku": "CRE-7", "price": {"amount": "10", "currency": "EUR"}},
    )

    assert response.status_code == 409
    assert _fields(response) == ["sku"]


def test_product_create_honours_the_idempotency_key(api_as):
    client = api_as("marketer")
    body = {"name": "Ski pass", "price": {"amount": "120", "currency": "EUR"}}

    first = _post(client, "products", body, headers={"Idempotency-Key": "p-1"})
    retry = _post(client, "products", body, headers={"Idempotency-Key": "p-1"})

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert Product.objects.count() == 1


def test_categories_nest_and_refuse_loops_duplicates_and_orphaning(api_as):
    client = api_as("marketer")

    beach = _post(client, "categories", {"name": "Beach"}).json()
    crete = _post(client, "categories", {"name": "Crete", "parent": beach["id"]}).json()
    again = _post(client, "categories", {"name": "beach"})
    loop = client.patch(
        f"{API}/categories/{beach['id']}", {"parent": crete["id"]}, content_type="application/json"
    )
    orphaning = client.delete(f"{API}/categories/{beach['id']}")
    children = client.get(f"{API}/categories", {"parent": beach["id"]})

    assert crete["parent"] == beach["id"]
    assert again.status_code == 409
    assert _fields(again) == ["name"]
    assert loop.status_code == 422
    assert _fields(loop) == ["parent"]
    assert orphaning.status_code == 409
    assert [c["id"] for c in children.json()["items"]] == [crete["id"]]
    assert client.delete(f"{API}/categories/{crete['id']}").status_code == 204
    assert list(Category.objects.values_list("name", flat=True)) == ["Beach"]
