import pytest

from rapport.contacts.models import Company
from tests.api.conftest import API
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_create_read_update_delete_a_company(api_as, users):
    client = api_as("manager")

    created = client.post(
        f"{API}/companies",
        {"name": "Baltic Tours", "email": "Info@Baltic.LT", "phone": "+370 5 212 3456",
         "country": "lt", "external_id": "acc-1"},
        content_type="application/json",
    )  # fmt: skip
    company_id = created.json()["id"]
    read = client.get(f"{API}/companies/{company_id}")
    updated = client.patch(
        f"{API}/companies/{company_id}", {"city": "Vilnius"}, content_type="application/json"
    )
    deleted = client.delete(f"{API}/companies/{company_id}")

    assert created.status_code == 201
    assert created.json()["email"] == "info@baltic.lt"
    assert created.json()["phone"] == "+37052123456"
    assert created.json()["country"] == "LT"
    assert created.json()["owner"] == users["manager"].pk
    assert read.status_code == 200
    assert read.json()["name"] == "Baltic Tours"
    assert updated.status_code == 200
    assert (updated.json()["name"], updated.json()["city"]) == ("Baltic Tours", "Vilnius")
    assert deleted.status_code == 204
    assert not Company.objects.exists()


def test_create_without_a_name_is_a_422(api_as):
    response = api_as("manager").post(
        f"{API}/companies", {"city": "Riga"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["name"]


def test_duplicate_external_id_is_a_409(api_as, users):
    CompanyFactory(owner=users["manager"], external_id="acc-1")

    response = api_as("manager").post(
        f"{API}/companies",
        {"name": "Other", "external_id": "acc-1"},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "external_id"


def test_list_filters_by_name_prefix_and_sorts_by_name(api_as, users):
    admin = users["admin"]
    for name in ("Sun Travel", "Baltic Tours", "sunrise trips", "Nordic Ways"):
        CompanyFactory(owner=admin, name=name)

    response = api_as("admin").get(f"{API}/companies", {"q": "sun"})

    assert [c["name"] for c in response.json()["items"]] == ["Sun Travel", "sunrise trips"]
