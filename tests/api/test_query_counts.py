"""Pinned query counts for list endpoints: a page costs the same few queries at any size
(emails, phones and tags are prefetched, never fetched per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.contacts import services
from rapport.service.services import complaint_register
from tests.api.conftest import API, make_contact
from tests.factories import CompanyFactory, InteractionFactory

pytestmark = pytest.mark.django_db

# auth token + page + the e-mails, phones and tags of the page (one statement)
CONTACT_LIST_QUERIES = 3


# The matching ids before the page: one read of SQLite's FTS5 index, or on PostgreSQL the
# term index's entries of a narrow word counted, then read (contacts.search._term_entries;
# "olena" is narrow here); then the page's ids before its rows (search.page_by_keys).
def search_queries() -> int:
    return 2 if connection.vendor == "sqlite" else 3


@pytest.fixture
def rich_contacts(users):
    contacts = []
    for i in range(30):
        contact = make_contact(
            users["manager"],
            first_name=f"Olena{i}",
            emails=[{"email": f"o{i}@example.com"}, {"email": f"o{i}@work.example.com"}],
            phones=[{"number": f"+3806712345{i:02d}"}],
            tags=["ski", f"tag{i}"],
        )
        services.consent_record(
            actor=users["manager"], contact=contact, channel="email", purpose="marketing",
            status="granted", source="form",
        )  # fmt: skip
        InteractionFactory(contact=contact, actor=users["manager"])
        contacts.append(contact)
    return contacts


def _queries(client, path, **params) -> int:
    client.get(f"{API}/{path}", {"limit": 1})  # the token's last-use stamp is written once
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{API}/{path}", params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("path", "params", "pinned"),
    [
        ("contacts", {}, CONTACT_LIST_QUERIES),
        # a word search first asks the index for candidates, then the page's ids
        (
            "contacts",
            {"q": "olena", "sort": "name"},
            lambda: CONTACT_LIST_QUERIES + search_queries(),
        ),
        ("contacts", {"consent": "email:marketing:granted", "tag": "ski"}, CONTACT_LIST_QUERIES),
        ("contacts", {"count": "true"}, CONTACT_LIST_QUERIES + 1),
        ("companies", {}, 2),
        ("interactions", {}, 2),
        ("complaints", {}, 2),
        ("complaints", {"status": "open", "breached": "false"}, 2),
    ],
)
def test_list_query_count_is_pinned_and_does_not_grow_with_the_page(
    api_as, users, rich_contacts, path, params, pinned
):
    CompanyFactory.create_batch(30, owner=users["admin"])
    for contact in rich_contacts:
        complaint_register(actor=users["agent"], contact=contact, description="Late transfer")
    client = api_as("admin")

    if callable(pinned):  # it depends on the database
        pinned = pinned()
    small = _queries(client, path, limit=3, **params)
    large = _queries(client, path, limit=30, **params)

    assert small == large == pinned


def test_a_sales_manager_pays_no_query_more_for_their_team(api_as, rich_contacts):
    """The team comes with the token's user (ApiToken.authenticate)."""
    client = api_as("manager")

    assert _queries(client, "contacts", limit=30) == CONTACT_LIST_QUERIES


def test_contact_list_stays_under_the_cap(api_as, rich_contacts, django_assert_max_num_queries):
    client = api_as("admin")
    client.get(f"{API}/contacts", {"limit": 1})

    with django_assert_max_num_queries(CONTACT_LIST_QUERIES):
        response = client.get(f"{API}/contacts", {"limit": 200})

    assert len(response.json()["items"]) == 30
    assert all(len(item["emails"]) == 2 for item in response.json()["items"])
