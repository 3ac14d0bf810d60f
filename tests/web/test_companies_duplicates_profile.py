import pytest

from rapport.accounts.models import ApiToken
from rapport.contacts import services
from rapport.contacts.models import Company, Contact, ContactPhone
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(users):
    return services.company_create(
        actor=users["manager"], data={"name": "Sunny Tours UAB", "city": "Vilnius"}
    )


def test_company_list_search_and_visibility(as_user, company):
    found = as_user("manager").get(
        "/companies/", {"q": "sunny"}, HTTP_HX_TARGET="company-results", **HTMX
    )
    hidden = as_user("manager2").get("/companies/")

    assert [c.name for c in found.context["page"].items] == ["Sunny Tours UAB"]
    assert "<html" not in found.text
    assert hidden.context["page"].items == []


def test_company_detail_lists_its_visible_contacts(as_user, users, company):
    services.contact_create(
        actor=users["manager"], data={"first_name": "Rasa", "company": company.pk}
    )

    response = as_user("manager").get(f"/companies/{company.pk}/")

    assert response.status_code == 200
    assert "Rasa" in response.text
    assert as_user("manager2").get(f"/companies/{company.pk}/").status_code == 404


def test_company_create_and_edit_with_inline_errors(as_user):
    client = as_user("manager")

    bad = client.post("/companies/new/", {"name": "", "email": "nope", "phone": "1"})
    created = client.post("/companies/new/", {"name": "Kelionių namai", "phone": "+37052123456"})
    company = Company.objects.get()
    edited = client.post(
        f"/companies/{company.pk}/edit/", {"name": "Kelionių namai UAB", "phone": "+370 5 212 3456"}
    )

    company.refresh_from_db()
    assert bad.status_code == 200
    assert "Enter the company&#x27;s name." in bad.text
    assert "valid e-mail address" in bad.text
    assert created.status_code == 302
    assert edited.status_code == 302
    assert company.name == "Kelionių namai UAB"
    assert company.phone == "+37052123456"


def test_company_writes_refused_by_role_and_team(as_user, company):
    assert as_user("analyst").post("/companies/new/", {"name": "X"}).status_code == 403
    assert (
        as_user("analyst").post(f"/companies/{company.pk}/edit/", {"name": "X"}).status_code == 403
    )
    assert (
        as_user("manager2").post(f"/companies/{company.pk}/edit/", {"name": "X"}).status_code == 404
    )


@pytest.fixture
def twins(users):
    manager = users["manager"]
    first = services.contact_create(
        actor=manager, data={"first_name": "Taras", "phone": "+380501112233", "city": "Lviv"}
    )
    second = services.contact_create(
        actor=manager, data={"first_name": "Taras", "last_name": "Bondar", "email": "t@example.com"}
    )
    ContactPhone.objects.create(contact=second, number="+380501112233", is_primary=True)
    return first, second


def test_duplicates_page_groups_and_merges(as_user, twins):
    first, second = twins
    client = as_user("manager")

    page = client.get("/duplicates/")
    confirm = client.get("/duplicates/merge/", {"ids": f"{first.pk},{second.pk}"})
    merged = client.post(
        "/duplicates/merge/", {"ids": f"{first.pk},{second.pk}", "keep": second.pk}
    )

    assert f"ids={first.pk},{second.pk}" in page.text
    assert confirm.status_code == 200
    assert merged.status_code == 302
    assert merged["Location"] == f"/contacts/{second.pk}/"
    assert list(Contact.objects.values_list("pk", "city")) == [(second.pk, "Lviv")]


def test_merge_refused_to_read_only_and_hidden_to_other_team(as_user, twins):
    ids = ",".join(str(c.pk) for c in twins)

    assert "Merge…" not in as_user("analyst").get("/duplicates/").text
    assert (
        as_user("analyst").post("/duplicates/merge/", {"ids": ids, "keep": twins[0].pk}).status_code
        == 403
    )
    assert as_user("manager2").get("/duplicates/merge/", {"ids": ids}).status_code == 404
    assert as_user("manager2").get("/duplicates/").context["groups"] == []
    assert Contact.objects.count() == 2


def test_profile_creates_token_shown_once_and_revokes(as_user, users):
    client = as_user("manager")

    created = client.post("/profile/tokens/", {"name": "Website"})
    token = ApiToken.objects.get()
    raw = created.context["raw_token"]
    later = client.get("/profile/")
    revoked = client.post(f"/profile/tokens/{token.pk}/revoke/")

    token.refresh_from_db()
    assert raw in created.text
    assert ApiToken.authenticate(raw) is None  # revoked by now
    assert raw not in later.text
    assert token.key_prefix in later.text
    assert revoked.status_code == 302
    assert token.revoked_at is not None


def test_token_works_until_revoked_and_others_cannot_revoke_it(as_user, users):
    token, raw = ApiToken.issue(user=users["manager"], name="CLI")

    response = as_user("manager2").post(f"/profile/tokens/{token.pk}/revoke/")

    assert response.status_code == 404
    assert ApiToken.authenticate(raw) == users["manager"]


def test_token_name_is_required(as_user):
    response = as_user("manager").post("/profile/tokens/", {"name": ""})

    assert response.status_code == 200
    assert "This field is required." in response.text
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize("role", ["agent", "marketer"])
def test_merging_needs_the_right_to_delete_the_contact_that_disappears(as_user, twins, role):
    """Agents and marketers change any contact but delete none, so they merge none either."""
    ids = ",".join(str(c.pk) for c in twins)
    client = as_user(role)

    page = client.get("/duplicates/")
    form = client.get("/duplicates/merge/", {"ids": ids})
    merged = client.post("/duplicates/merge/", {"ids": ids, "keep": twins[0].pk})

    assert [can for _group, can in page.context["groups"]] == [False]
    assert "Merge…" not in page.text
    assert (form.status_code, merged.status_code) == (403, 403)
    assert Contact.objects.count() == 2
