import pytest

from rapport.contacts import services
from rapport.contacts.views import contacts as contact_views
from tests.factories import ContactFactory
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [c.full_name for c in response.context["page"].items]


def test_manager_sees_own_team_only(as_user, users, olena):
    ContactFactory(first_name="Jonas", last_name="Jonaitis", owner=users["manager2"])

    mine = as_user("manager").get("/contacts/")
    theirs = as_user("manager2").get("/contacts/")

    assert names(mine) == ["Олена Коваленко"]
    assert names(theirs) == ["Jonas Jonaitis"]
    assert mine.context["count"] == 1


def test_search_as_you_type_returns_only_the_results_partial(as_user, users, olena):
    services.contact_create(
        actor=users["manager"], data={"first_name": "Rūta", "last_name": "Žemaitytė"}
    )

    response = as_user("manager").get(
        "/contacts/", {"q": "ков"}, HTTP_HX_TARGET="contact-results", **HTMX
    )

    assert response.status_code == 200
    assert "<html" not in response.text
    assert names(response) == ["Олена Коваленко"]
    assert "Олена Коваленко" in response.text


@pytest.mark.parametrize(
    "q", ["žemai", "ŽEMAITYTĖ", "0671234567", "+380 67 123", "olena@example.com"]
)
def test_search_finds_by_any_script_email_and_phone(as_user, users, olena, q):
    services.contact_create(
        actor=users["manager"],
        data={"first_name": "Rūta", "last_name": "Žemaitytė", "phone": "+37061234567"},
    )

    response = as_user("manager").get("/contacts/", {"q": q})

    expected = ["Rūta Žemaitytė"] if "ž" in q.lower() else ["Олена Коваленко"]
    assert names(response) == expected


def test_filters_by_stage_city_tag_owner_and_consent(as_user, users, olena):
    other = services.contact_create(
        actor=users["manager"],
        data={"first_name": "Ieva", "city": "Kaunas", "lifecycle_stage": "customer", "tags": "ski"},
    )
    services.consent_record(
        actor=users["manager"],
        contact=other,
        channel="email",
        purpose="marketing",
        status="granted",
        source="web form",
    )
    client = as_user("admin")

    assert names(client.get("/contacts/", {"stage": "customer"})) == ["Ieva"]
    assert names(client.get("/contacts/", {"city": "Київ"})) == ["Олена Коваленко"]
    assert names(client.get("/contacts/", {"tag": "ski"})) == ["Ieva"]
    assert names(client.get("/contacts/", {"owner": users["manager"].pk})) == [
        "Ieva",
        "Олена Коваленко",
    ]
    assert names(client.get("/contacts/", {"consent": "email:marketing:granted"})) == ["Ieva"]
    assert names(client.get("/contacts/", {"consent": "email:marketing:none"})) == [
        "Олена Коваленко"
    ]


def test_sort_by_name(as_user, users):
    for first, last in [("B", "Bbb"), ("A", "Aaa"), ("C", "Ccc")]:
        ContactFactory(first_name=first, last_name=last, owner=users["manager"])

    response = as_user("manager").get("/contacts/", {"sort": "name"})

    assert names(response) == ["A Aaa", "B Bbb", "C Ccc"]


def test_cursor_pagination_loads_the_next_rows(as_user, users, monkeypatch):
    monkeypatch.setattr(contact_views, "PAGE_SIZE", 2)
    for first in ["A", "B", "C"]:
        ContactFactory(first_name=first, last_name="X", owner=users["manager"])
    client = as_user("manager")

    first = client.get("/contacts/", {"sort": "name"})
    more = client.get("/contacts/", {"sort": "name", "cursor": first.context["page"].next}, **HTMX)

    assert names(first) == ["A X", "B X"]
    assert "Load more" in first.text
    assert names(more) == ["C X"]
    assert "<table" not in more.text
    assert "Load more" not in more.text


def test_bad_cursor_starts_again(as_user, olena):
    response = as_user("manager").get("/contacts/", {"cursor": "forged"})

    assert response.status_code == 200
    assert names(response) == ["Олена Коваленко"]


def test_count_is_capped(as_user, users, monkeypatch):
    monkeypatch.setattr(contact_views, "COUNT_CAP", 2)
    for first in ["A", "B", "C"]:
        ContactFactory(first_name=first, owner=users["manager"])

    response = as_user("manager").get("/contacts/")

    assert response.context["count"] == 2
    assert response.context["exact"] is False
    assert "2+ contacts" in response.text


@pytest.mark.parametrize("q", ["\x00", "😀" * 300, "Ž" * 5000, "'; drop table x; --", "%_%"])
def test_odd_search_input_never_fails(as_user, olena, q):
    response = as_user("manager").get("/contacts/", {"q": q, "owner": "x", "city": q})

    assert response.status_code == 200


def test_person_picker_options_are_scoped(as_user, users, olena):
    ContactFactory(first_name="Олег", last_name="Hidden", owner=users["manager2"])

    response = as_user("manager").get("/contacts/options/", {"q": "ол"})

    assert "Олена Коваленко" in response.text
    assert "Hidden" not in response.text


def test_list_page_query_count_does_not_grow_with_rows(as_user, users, django_assert_num_queries):
    company = services.company_create(actor=users["manager"], data={"name": "Sunny Tours"})
    for i in range(30):
        ContactFactory(first_name=f"N{i}", owner=users["manager"], company=company)
    client = as_user("manager")
    client.get("/contacts/")  # warm the session and content types

    # session, user, colleague ids, page of contacts (owner and company joined), the page's
    # next steps (one query), their customer values (one query), capped count, owners and
    # tags for the filters, the bell's count, the static segments "Save as segment" may add to
    with django_assert_num_queries(11):
        response = client.get("/contacts/")

    assert len(response.context["page"].items) == 30
