import pytest
from django.core.exceptions import ValidationError

from rapport.contacts import services
from rapport.contacts.models import CustomField

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(db):
    CustomField.objects.create(
        entity="contact", key="passport_expiry", label="Passport expiry", field_type="date"
    )
    CustomField.objects.create(
        entity="contact",
        key="meal",
        label="Meal",
        field_type="choice",
        choices=["vegetarian", "halal", "any"],
        required=True,
    )
    CustomField.objects.create(
        entity="contact",
        key="seats",
        label="Seats",
        field_type="multi_choice",
        choices=["aisle", "window", "front"],
    )


def test_valid_values_are_stored_cleaned(users, fields):
    contact = services.contact_create(
        actor=users["manager"],
        data={
            "first_name": "Ona",
            "custom": {"passport_expiry": "2030-05-01", "meal": "halal", "seats": "aisle, front"},
        },
    )

    assert contact.custom == {
        "passport_expiry": "2030-05-01",
        "meal": "halal",
        "seats": ["aisle", "front"],
    }


def test_each_bad_value_is_named(users, fields):
    with pytest.raises(ValidationError) as exc:
        services.contact_create(
            actor=users["manager"],
            data={
                "first_name": "Ona",
                "custom": {"passport_expiry": "soon", "seats": ["aisle", "roof"], "shoe": 42},
            },
        )

    assert set(exc.value.message_dict) == {
        "custom.passport_expiry",
        "custom.seats",
        "custom.shoe",
        "custom.meal",
    }


def test_partial_update_keeps_other_values(users, fields):
    contact = services.contact_create(
        actor=users["manager"], data={"first_name": "Ona", "custom": {"meal": "any"}}
    )

    services.contact_update(
        actor=users["manager"], contact=contact, data={"custom": {"seats": ["window"]}}
    )
    contact.refresh_from_db()

    assert contact.custom == {"meal": "any", "seats": ["window"]}


def test_contacts_filter_by_custom_attribute(users, fields):
    from rapport.contacts.selectors import ContactFilters, contacts_for, filter_contacts

    halal = services.contact_create(
        actor=users["manager"],
        data={"first_name": "Ona", "custom": {"meal": "halal", "seats": ["aisle", "front"]}},
    )
    services.contact_create(
        actor=users["manager"], data={"first_name": "Eglė", "custom": {"meal": "any"}}
    )
    visible = contacts_for(users["admin"])

    assert list(filter_contacts(visible, ContactFilters(custom={"meal": "halal"}))) == [halal]
    assert list(filter_contacts(visible, ContactFilters(custom={"seats": "front"}))) == [halal]
    assert list(filter_contacts(visible, ContactFilters(custom={"nope": "x"}))) == []


def test_custom_attributes_filter_the_api_and_web_lists_and_fill_exports(client, users, fields):
    from rapport.accounts.models import ApiToken
    from rapport.contacts.export import contacts_csv
    from rapport.contacts.selectors import contacts_for

    halal = services.contact_create(
        actor=users["manager"], data={"first_name": "Ona", "custom": {"meal": "halal"}}
    )
    services.contact_create(
        actor=users["manager"], data={"first_name": "Eglė", "custom": {"meal": "any"}}
    )
    _, raw = ApiToken.issue(user=users["admin"], name="t")

    api = client.get("/api/v1/contacts?custom.meal=halal", HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.force_login(users["admin"])
    web = client.get("/contacts/", {"custom.meal": "halal"})
    csv = contacts_csv(contacts_for(users["admin"])).decode("utf-8-sig").splitlines()

    assert [c["id"] for c in api.json()["items"]] == [halal.pk]
    assert list(web.context["page"].items) == [halal]
    header = csv[0].split(",")
    assert "custom.meal" in header
    assert {line.split(",")[header.index("custom.meal")] for line in csv[1:]} == {"halal", "any"}
