"""The header's global search: grouped, capped, scoped, and calm about odd input."""

import pytest
from django.urls import reverse

from rapport.contacts import services as contacts
from rapport.sales import services as sales
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db

URL = reverse("web:search")


def person(actor, first, last, **extra):
    return contacts.contact_create(
        actor=actor, data={"first_name": first, "last_name": last, **extra}
    )


def test_results_are_grouped_by_kind_with_see_all_links(as_user, users, olena, pipeline, lead):
    manager = users["manager"]
    contacts.company_create(actor=manager, data={"name": "Olenivka Tours"})
    sales.deal_create(
        actor=manager, data={"title": "Olenivka spa weekend", "contact": olena.pk, "amount": "300"}
    )
    sales.order_create(actor=manager, contact=olena, currency="EUR", total="120")

    response = as_user("manager").get(URL, {"q": "ole"}, **HTMX)

    html = response.text
    assert response.status_code == 200
    assert [g.kind.key for g in response.context["groups"]] == [
        "contacts",
        "companies",
        "deals",
        "orders",
    ]
    assert "Олена Коваленко" in html
    assert "Olenivka Tours" in html
    assert "Olenivka spa weekend" in html
    assert 'href="/contacts/?q=ole"' in html
    assert 'href="/companies/?q=ole"' in html
    assert 'href="/deals/?q=ole"' in html
    assert 'href="/orders/?q=ole"' in html
    assert "Taras" not in html  # the lead does not match
    assert response.context["total"] == 4
    assert "4 results" in html
    assert "<html" not in html  # HTMX gets the fragment only


def test_a_lead_is_found_by_its_name(as_user, lead):
    response = as_user("manager").get(URL, {"q": "Shevch"}, **HTMX)

    assert [g.kind.key for g in response.context["groups"]] == ["leads"]
    assert f'href="/leads/{lead.pk}/"' in response.text


def test_each_group_shows_five_and_counts_the_rest(as_user, users):
    for i in range(7):
        person(users["manager"], f"Marko{i}", "Petrenko")

    response = as_user("manager").get(URL, {"q": "petrenko"}, **HTMX)

    (group,) = response.context["groups"]
    assert len(group.rows) == 5
    assert (group.count, group.exact) == (7, True)
    assert "7 results" in response.text
    assert response.text.count('href="/contacts/') == 5 + 1  # five rows and "See all"


def test_a_manager_never_sees_another_teams_rows(as_user, users, pipeline):
    mine = person(users["manager"], "Zoryana", "Mine")
    theirs = person(users["manager2"], "Zoryana", "Theirs")
    sales.deal_create(
        actor=users["manager2"], data={"title": "Zoryana cruise", "contact": theirs.pk}
    )
    sales.order_create(actor=users["manager2"], contact=theirs, currency="EUR", total="99")
    contacts.company_create(actor=users["manager2"], data={"name": "Zoryana Travel"})

    response = as_user("manager").get(URL, {"q": "zoryana"}, **HTMX)

    assert [g.kind.key for g in response.context["groups"]] == ["contacts"]
    assert [c.pk for c in response.context["groups"][0].rows] == [mine.pk]
    assert "Theirs" not in response.text
    assert "Zoryana cruise" not in response.text
    assert "Zoryana Travel" not in response.text
    # the other team's manager finds their own
    other = as_user("manager2").get(URL, {"q": "zoryana"}, **HTMX)
    assert [g.kind.key for g in other.context["groups"]] == [
        "contacts",
        "companies",
        "deals",
        "orders",
    ]


def test_empty_and_one_letter_queries_search_nothing(as_user, olena):
    client = as_user("manager")

    empty = client.get(URL, {"q": "  "}, **HTMX)
    one = client.get(URL, {"q": "о"}, **HTMX)

    assert empty.status_code == 200
    assert empty.text.strip() == ""
    assert one.status_code == 200
    assert one.context["groups"] == []
    assert "Type at least 2 characters." in one.text
    assert "Олена" not in one.text


def test_without_htmx_it_is_a_full_page(as_user, olena):
    response = as_user("manager").get(URL, {"q": "олена"})

    assert response.status_code == 200
    assert "<html" in response.text
    assert 'id="content"' in response.text
    assert "Олена Коваленко" in response.text


def test_needs_login(client):
    response = client.get(URL, {"q": "ol"})

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/search/%3Fq%3Dol"


@pytest.mark.parametrize(
    "q",
    [
        "\x00\x00",
        "a\x00b",
        "%_%",
        "'; DROP TABLE contacts; --",
        "#",
        "#12",
        "#99999999999999999999999",
        "99999999999999999999999",
        "+380 (67) 123",
        "@",
        "ół",
        "x" * 5000,
        "Лук’ян",
        "🙂🙂",
        '"" ** OR NEAR',
    ],
)
def test_odd_input_never_fails(as_user, olena, q):
    response = as_user("manager").get(URL, {"q": q}, **HTMX)

    assert response.status_code == 200


@pytest.mark.parametrize("raw", ["%ED%A0%80x", "%FF%FE", "%00", "q=1&q=2"])
def test_bytes_that_are_not_utf8_never_fail(as_user, olena, raw):
    response = as_user("manager").get(f"{URL}?q={raw}", **HTMX)

    assert response.status_code == 200


@pytest.fixture
def complaints(users, olena):
    """North's customer's complaint, and South's customer's with the same words."""
    from rapport.service import services as service

    south = person(users["manager2"], "Jonas", "Petraitis")
    return {
        "north": service.complaint_register(
            actor=users["manager"], contact=olena, description="The shuttle bus never came."
        ),
        "south": service.complaint_register(
            actor=users["manager2"], contact=south, description="The shuttle bus was late."
        ),
    }


# Who finds which complaint about the shuttle (the complaint list's own visibility).
FINDS = {
    "admin": {"north", "south"}, "manager": {"north"}, "manager_mate": {"north"},
    "manager2": {"south"}, "marketer": {"north", "south"}, "agent": {"north", "south"},
    "analyst": {"north", "south"},
}  # fmt: skip


@pytest.mark.parametrize(("role", "found"), FINDS.items())
def test_complaints_are_found_within_what_the_role_may_see(as_user, role, found, complaints):
    response = as_user(role).get(URL, {"q": "shuttle"}, **HTMX)

    groups = {g.kind.key: g for g in response.context["groups"]}
    assert list(groups) == ["complaints"]
    assert {c.pk for c in groups["complaints"].rows} == {complaints[k].pk for k in found}
    assert groups["complaints"].count == len(found)
    assert 'href="/complaints/?q=shuttle"' in response.text
    for key, complaint in complaints.items():
        assert (f'href="/complaints/{complaint.pk}/"' in response.text) is (key in found)


def test_a_complaint_is_found_by_its_number_and_its_customers_name(as_user, complaints):
    number = complaints["north"].pk

    by_number = as_user("agent").get(URL, {"q": f"#{number}"}, **HTMX)
    by_name = as_user("agent").get(URL, {"q": "Коваленко"}, **HTMX)

    [group] = by_number.context["groups"]
    assert (group.kind.key, [c.pk for c in group.rows]) == ("complaints", [number])
    assert f"#{number} · Олена Коваленко" in by_number.text
    found = {g.kind.key: [r.pk for r in g.rows] for g in by_name.context["groups"]}
    assert found["complaints"] == [number]
