import pytest

from rapport.contacts.models import Contact, Tag
from rapport.core.models import AuditEntry
from tests.api.conftest import API, make_contact
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def test_create_normalises_and_returns_the_full_contact(api_as, users):
    company = CompanyFactory(owner=users["manager"])

    response = api_as("manager").post(
        f"{API}/contacts",
        {
            "first_name": " Олена ",
            "last_name": "Коваленко",
            "email": "Olena.K@Example.com",
            "phone": "(067) 123-45-67",
            "phones": [{"number": "+370 612 34567", "kind": "work"}],
            "birth_date": "1990-05-01",
            "gender": "female",
            "language": "uk",
            "city": "Kyiv",
            "country": "ua",
            "tags": ["ski", "beach", "ski"],
            "company": company.pk,
            "lifecycle_stage": "lead",
            "external_id": "crm-1",
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    contact = Contact.objects.get()
    assert body["id"] == contact.pk
    assert body["first_name"] == "Олена"
    assert body["email"] == "olena.k@example.com"
    assert body["phone"] == "+380671234567"
    assert body["phones"] == [
        {"number": "+380671234567", "kind": "mobile", "is_primary": True},
        {"number": "+37061234567", "kind": "work", "is_primary": False},
    ]
    assert body["emails"] == [
        {"email": "olena.k@example.com", "kind": "personal", "is_primary": True}
    ]
    assert body["birth_date"] == "1990-05-01"
    assert body["country"] == "UA"
    assert body["tags"] == ["beach", "ski"]
    assert body["company"] == company.pk
    assert body["owner"] == users["manager"].pk
    assert body["lifecycle_stage"] == "lead"
    assert body["external_id"] == "crm-1"
    assert body["custom"] == {}
    assert body["version"] == 1
    assert body["created_at"].endswith("+00:00")


def test_read_returns_the_contact(api_as, users):
    contact = make_contact(users["manager"], first_name="Rasa", last_name="Žemaitė")

    response = api_as("manager").get(f"{API}/contacts/{contact.pk}")

    assert response.status_code == 200
    assert response.json()["last_name"] == "Žemaitė"
    assert response.json()["owner"] == users["manager"].pk


def test_patch_changes_only_the_fields_sent_and_bumps_the_version(api_as, users):
    contact = make_contact(users["manager"], first_name="Rasa", city="Vilnius", tags=["ski"])

    response = api_as("manager").patch(
        f"{API}/contacts/{contact.pk}",
        {"city": "Kaunas", "version": 1},
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["first_name"], body["city"], body["tags"], body["version"]) == (
        "Rasa",
        "Kaunas",
        ["ski"],
        2,
    )
    assert AuditEntry.objects.filter(subject_contact_id=contact.pk, action="update").count() == 1


def test_patch_with_a_stale_version_is_a_409(api_as, users):
    contact = make_contact(users["manager"])
    api_as("manager").patch(
        f"{API}/contacts/{contact.pk}", {"city": "Lviv"}, content_type="application/json"
    )

    response = api_as("manager").patch(
        f"{API}/contacts/{contact.pk}",
        {"city": "Odesa", "version": 1},
        content_type="application/json",
    )

    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "version"
    contact.refresh_from_db()
    assert contact.city == "Lviv"


def test_delete_removes_the_contact(api_as, users):
    contact = make_contact(users["manager"])

    response = api_as("manager").delete(f"{API}/contacts/{contact.pk}")

    assert response.status_code == 204
    assert response.content == b""
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_duplicate_email_names_the_visible_existing_contact(api_as, users):
    existing = make_contact(users["manager"], email="ana@example.com")

    response = api_as("manager_mate").post(
        f"{API}/contacts",
        {"first_name": "Anna", "email": "ANA@example.com"},
        content_type="application/json",
    )

    assert response.status_code == 409
    body = response.json()
    assert body["errors"][0]["field"] == "email"
    assert body["errors"][0]["message"] == "ana@example.com already belongs to another contact."
    assert body["existing"] == {"id": existing.pk, "url": f"/api/v1/contacts/{existing.pk}"}


def test_duplicate_email_of_an_invisible_contact_leaks_nothing(api_as, users):
    existing = make_contact(users["manager"], first_name="Secret", email="ana@example.com")

    response = api_as("manager2").post(
        f"{API}/contacts",
        {"first_name": "Anna", "email": "ana@example.com"},
        content_type="application/json",
    )

    assert response.status_code == 409
    body = response.json()
    assert body["existing"] is None
    assert body["errors"][0]["field"] == "email"
    assert "Secret" not in response.content.decode()
    assert str(existing.pk) not in response.content.decode()


def test_duplicate_phone_is_refused_unless_allowed(api_as, users):
    make_contact(users["manager"], phone="+380671234567")
    payload = {"first_name": "Taras", "phone": "067 123 45 67"}

    refused = api_as("manager").post(f"{API}/contacts", payload, content_type="application/json")
    allowed = api_as("manager").post(
        f"{API}/contacts?allow_duplicates=true", payload, content_type="application/json"
    )

    assert refused.status_code == 409
    assert refused.json()["errors"][0]["field"] == "phone"
    assert allowed.status_code == 201
    assert Contact.objects.filter(phone="+380671234567").count() == 2


def test_external_id_filter_finds_one_contact(api_as, users):
    wanted = make_contact(users["admin"], external_id="erp-42")
    make_contact(users["admin"], external_id="erp-43")

    response = api_as("admin").get(f"{API}/contacts", {"external_id": "erp-42"})

    assert [c["id"] for c in response.json()["items"]] == [wanted.pk]


def test_filters_combine(api_as, users):
    admin = users["admin"]
    company = CompanyFactory(owner=admin)
    match = make_contact(
        admin,
        city="Vilnius",
        country="LT",
        lifecycle_stage="customer",
        tags=["ski"],
        company=company.pk,
        owner=users["manager"].pk,
    )
    make_contact(admin, city="Vilnius", country="LT", lifecycle_stage="lead", tags=["ski"])
    make_contact(admin, city="Kaunas", country="LT", lifecycle_stage="customer", tags=["ski"])

    response = api_as("admin").get(
        f"{API}/contacts",
        {
            "city": "Vilnius",
            "country": "lt",
            "lifecycle_stage": "customer",
            "tag": "ski",
            "company": company.pk,
            "owner": users["manager"].pk,
        },
    )

    assert response.status_code == 200
    assert [c["id"] for c in response.json()["items"]] == [match.pk]
    assert Tag.objects.count() == 1


def test_consent_filter(api_as, users):
    admin = users["admin"]
    granted = make_contact(admin, first_name="G")
    withdrawn = make_contact(admin, first_name="W")
    never = make_contact(admin, first_name="N")
    client = api_as("admin")
    for contact, status in ((granted, "granted"), (withdrawn, "granted"), (withdrawn, "withdrawn")):
        client.post(
            f"{API}/contacts/{contact.pk}/consents",
            {"channel": "email", "purpose": "marketing", "status": status, "source": "form"},
            content_type="application/json",
        )

    def ids(state: str) -> set[int]:
        response = client.get(f"{API}/contacts", {"consent": f"email:marketing:{state}"})
        return {c["id"] for c in response.json()["items"]}

    assert ids("granted") == {granted.pk}
    assert ids("withdrawn") == {withdrawn.pk}
    assert ids("none") == {never.pk}


def test_bad_consent_filter_is_a_422_naming_it(api_as):
    response = api_as("admin").get(f"{API}/contacts", {"consent": "email:marketing"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["consent"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("олен", {"olena"}),
        ("ОЛЕНА коВАЛ", {"olena"}),
        ("коваленко", {"olena", "taras"}),
        ("žemait", {"rasa"}),
        ("ŽEMAITĖ", {"rasa"}),
        ("rasa.z", {"rasa"}),
        ("067 123", {"olena"}),
        ("+380671", {"olena"}),
        ("0671234567", {"olena"}),
        ("612 345", {"rasa"}),
        ("nobody", set()),
    ],
)
def test_search_any_script_and_phone_fragments(api_as, users, query, expected):
    admin = users["admin"]
    contacts = {
        "olena": make_contact(
            admin, first_name="Олена", last_name="Коваленко", phone="+380671234567"
        ),
        "taras": make_contact(admin, first_name="Тарас", last_name="Коваленко"),
        "rasa": make_contact(
            admin,
            first_name="Rasa",
            last_name="Žemaitė",
            email="rasa.zemaite@example.lt",
            phone="+37061234567",
        ),
    }
    names = {c.pk: name for name, c in contacts.items()}

    response = api_as("admin").get(f"{API}/contacts", {"q": query})

    assert response.status_code == 200
    assert {names[c["id"]] for c in response.json()["items"]} == expected


def test_search_only_finds_what_the_caller_may_see(api_as, users):
    make_contact(users["manager"], first_name="Олена")

    mine = api_as("manager_mate").get(f"{API}/contacts", {"q": "олена"})
    theirs = api_as("manager2").get(f"{API}/contacts", {"q": "олена"})

    assert len(mine.json()["items"]) == 1
    assert theirs.json()["items"] == []


def test_handing_a_contact_to_another_team_answers_with_it_then_hides_it(api_as, users):
    contact = make_contact(users["manager"])
    client = api_as("manager")

    handed = client.patch(
        f"{API}/contacts/{contact.pk}",
        {"owner": users["manager2"].pk},
        content_type="application/json",
    )
    created = client.post(
        f"{API}/contacts",
        {"first_name": "Taras", "owner": users["manager2"].pk},
        content_type="application/json",
    )

    assert handed.status_code == 200
    assert handed.json()["owner"] == users["manager2"].pk
    assert created.status_code == 201
    assert created.json()["owner"] == users["manager2"].pk
    assert client.get(f"{API}/contacts/{contact.pk}").status_code == 404


def test_a_page_gives_each_contact_its_own_emails_phones_and_tags_in_order(api_as, users):
    # the page's e-mails, phones and tags come from one statement for all its contacts
    first = make_contact(
        users["manager"],
        first_name="Rasa",
        emails=[
            {"email": "rasa@work.lt", "kind": "work"},
            {"email": "rasa@home.lt", "is_primary": True},
        ],
        phones=[{"number": "+37061234567"}],
        tags=["vip", "ski"],
    )
    second = make_contact(
        users["manager"], first_name="Ona", emails=[{"email": "ona@example.lt"}], tags=["ski"]
    )

    items = api_as("manager").get(f"{API}/contacts", {"sort": "name"}).json()["items"]

    assert [(i["id"], i["emails"], i["phones"], i["tags"]) for i in items] == [
        (
            second.pk,
            [{"email": "ona@example.lt", "kind": "personal", "is_primary": True}],
            [],
            ["ski"],
        ),
        (
            first.pk,
            [
                {"email": "rasa@home.lt", "kind": "personal", "is_primary": True},
                {"email": "rasa@work.lt", "kind": "work", "is_primary": False},
            ],
            [{"number": "+37061234567", "kind": "mobile", "is_primary": True}],
            ["ski", "vip"],
        ),
    ]
