import pytest

from rapport.contacts.models import Contact
from rapport.core.pagination import COUNT_CAP
from tests.api.conftest import API
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

LAST_NAMES = ["Adams", "Baker", "Clark", "Davis", "Evans", "Fox"]


@pytest.fixture
def contacts(users):
    # Many people share a last name, so ties must be broken by first name, then id.
    return [
        ContactFactory(
            owner=users["admin"],
            first_name=f"Name{i % 9}",
            last_name=LAST_NAMES[i % len(LAST_NAMES)],
        )
        for i in range(120)
    ]


def _walk(client, **params):
    ids, cursor, pages = [], None, 0
    while True:
        query = {**params, "limit": 7, **({"cursor": cursor} if cursor else {})}
        response = client.get(f"{API}/contacts", query)
        assert response.status_code == 200
        body = response.json()
        ids += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return ids, pages


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("-created", lambda c: (c.created_at, c.pk), True),
        ("created", lambda c: (c.created_at, c.pk), False),
        ("name", lambda c: (c.last_name, c.first_name, c.pk), False),
        ("-name", lambda c: (c.last_name, c.first_name, c.pk), True),
    ],
)
def test_cursor_walk_returns_every_contact_once_in_order(api_as, contacts, sort, key, reverse):
    expected = [c.pk for c in sorted(Contact.objects.all(), key=key, reverse=reverse)]

    ids, pages = _walk(api_as("admin"), sort=sort)

    assert ids == expected
    assert len(set(ids)) == 120
    assert pages == 18  # 17 full pages of 7 and one of 1


def test_default_limit_is_50_and_max_is_200(api_as, contacts):
    client = api_as("admin")

    default = client.get(f"{API}/contacts").json()
    biggest = client.get(f"{API}/contacts", {"limit": 200}).json()
    too_big = client.get(f"{API}/contacts", {"limit": 201})
    zero = client.get(f"{API}/contacts", {"limit": 0})

    assert len(default["items"]) == 50
    assert default["next"] is not None
    assert len(biggest["items"]) == 120
    assert biggest["next"] is None
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["field"] == "limit"
    assert zero.status_code == 422


def test_count_only_when_asked(api_as, contacts):
    client = api_as("admin")

    plain = client.get(f"{API}/contacts", {"limit": 5}).json()
    counted = client.get(f"{API}/contacts", {"limit": 5, "count": "true"}).json()

    assert set(plain) == {"items", "next"}
    assert (counted["count"], counted["count_exact"]) == (120, True)


def test_count_is_capped(api_as, users):
    Contact.objects.bulk_create(
        Contact(owner=users["admin"], first_name=f"N{i}") for i in range(COUNT_CAP + 1)
    )

    body = api_as("admin").get(f"{API}/contacts", {"limit": 1, "count": "true"}).json()

    assert (body["count"], body["count_exact"]) == (COUNT_CAP, False)


@pytest.mark.parametrize("cursor", ["abc", "W10:1tXyZ:bad", "x" * 2000])
def test_a_bad_cursor_is_a_422_naming_it(api_as, contacts, cursor):
    response = api_as("admin").get(f"{API}/contacts", {"cursor": cursor})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["cursor"]
    assert "first page" in response.json()["detail"]


def test_a_cursor_of_another_sort_order_is_a_422(api_as, contacts):
    client = api_as("admin")
    cursor = client.get(f"{API}/contacts", {"sort": "name", "limit": 3}).json()["next"]

    response = client.get(f"{API}/contacts", {"sort": "-created", "cursor": cursor})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_interactions_and_companies_page_the_same_way(api_as, users):
    from tests.factories import CompanyFactory, InteractionFactory

    contact = ContactFactory(owner=users["admin"])
    InteractionFactory.create_batch(5, contact=contact)
    CompanyFactory.create_batch(5, owner=users["admin"])
    client = api_as("admin")

    for resource in ("interactions", "companies"):
        first = client.get(f"{API}/{resource}", {"limit": 3}).json()
        second = client.get(f"{API}/{resource}", {"limit": 3, "cursor": first["next"]}).json()
        assert len(first["items"]) == 3
        assert len(second["items"]) == 2
        assert second["next"] is None
        assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


@pytest.mark.parametrize("other", ["companies", "products", "leads", "orders", "interactions"])
def test_a_cursor_of_another_list_is_a_422(api_as, contacts, other):
    client = api_as("admin")
    cursor = client.get(f"{API}/contacts", {"limit": 3}).json()["next"]

    response = client.get(f"{API}/{other}", {"cursor": cursor})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"
