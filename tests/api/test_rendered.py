"""Answers rendered by the endpoint itself (core.api.rendering.rendered) skip ninja's response
validation; they must be exactly what that validation would have produced, byte for byte, and
the OpenAPI document must still describe them."""

import datetime as dt
import json

import pytest

from rapport.contacts.api import ContactPage
from rapport.contacts.models import Contact
from rapport.core.api.rendering import CONTENT_TYPE, render_json
from tests.api.conftest import API, make_contact
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contacts(users):
    company = CompanyFactory(owner=users["manager"])
    made = [
        make_contact(
            users["manager"],
            first_name=f"Ґанна{i}",
            last_name="Stonytė",
            middle_name="Ол",
            emails=[{"email": f"g{i}@example.com"}, {"email": f"g{i}@work.example.com"}],
            phones=[{"number": f"+3806712345{i:02d}", "kind": "work"}],
            tags=["ski", f"tag{i}", "Київ"],
            birth_date=dt.date(1990, 5, i + 1),
            company=company.pk if i % 2 else None,
            external_id=f"crm-{i}" if i % 3 else None,
            notes='«quoted» "notes"\nline two',
        )
        for i in range(7)
    ]
    make_contact(users["manager"], first_name="Bare")  # no e-mail, phone, tag or birth date
    Contact.objects.filter(pk=made[0].pk).update(custom={"size": 3, "vip": True, "note": "ї"})
    return made


def _as_ninja_would_render(content: bytes) -> bytes:
    """The page validated into the documented schema and dumped back, as ninja does it."""
    validated = ContactPage.model_validate(json.loads(content))
    return render_json(validated.model_dump(exclude_unset=True)).encode()


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"limit": 3},
        {"count": "true", "sort": "name"},
        {"q": "stonyt"},
        {"tag": "ski", "sort": "-name"},
    ],
)
def test_the_contact_list_is_what_the_schema_would_render(api_as, contacts, params):
    response = api_as("manager").get(f"{API}/contacts", params)

    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE
    assert response.json()["items"]
    assert response.content == _as_ninja_would_render(response.content)


def test_every_page_of_a_cursor_walk_is_what_the_schema_would_render(api_as, contacts):
    client = api_as("manager")
    response = client.get(f"{API}/contacts", {"limit": 3})
    pages = 1
    while response.json()["next"]:
        response = client.get(f"{API}/contacts", {"limit": 3, "cursor": response.json()["next"]})
        assert response.status_code == 200
        assert response.content == _as_ninja_would_render(response.content)
        pages += 1

    assert pages == 3


def test_the_document_still_names_the_page_schema(client):
    document = client.get(f"{API}/openapi.json").json()

    answer = document["paths"][f"{API}/contacts"]["get"]["responses"]["200"]
    schema = answer["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ContactPage"}
    items = document["components"]["schemas"]["ContactPage"]["properties"]["items"]
    assert items["items"] == {"$ref": "#/components/schemas/ContactOut"}
    assert set(document["components"]["schemas"]["ContactOut"]["properties"]) == set(
        ContactPage.model_fields["items"].annotation.__args__[0].model_fields
    )
