import pytest

from rapport.contacts import services
from rapport.contacts.models import Contact, CustomField

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "first_name": "Тарас",
        "last_name": "Шевченко",
        "lifecycle_stage": "lead",
        "email_value": ["taras@example.com", ""],
        "email_kind": ["personal", "work"],
        "email_primary": "0",
        "phone_value": ["(067) 765-43-21", "+37061234567"],
        "phone_kind": ["mobile", "work"],
        "phone_primary": "1",
        "tags": "ski, family",
    }
    data.update(overrides)
    return data


def test_create_saves_channels_with_primary_and_tags(as_user, users):
    response = as_user("manager").post("/contacts/new/", form_data())

    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.pk}/"
    assert contact.owner == users["manager"]
    assert contact.email == "taras@example.com"
    assert contact.phone == "+37061234567"
    assert list(contact.phones.values_list("number", "is_primary")) == [
        ("+37061234567", True),
        ("+380677654321", False),
    ]
    assert sorted(t.name for t in contact.tags.all()) == ["family", "ski"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email_value": ["not-an-email"]}, "valid e-mail address"),
        (
            {"phone_value": ["12"], "phone_primary": "0"},
            "12 has too few digits for a +380 phone number.",
        ),
        ({"birth_date": "1990-13-40"}, "Enter a valid date."),
        ({"birth_date": "2999-01-01"}, "A birth date cannot be in the future."),
        ({"first_name": "", "last_name": ""}, "Enter a first or last name."),
        ({"country": "Narnia"}, "Use a two-letter ISO 3166 country code"),
    ],
)
def test_bad_input_is_shown_inline(as_user, overrides, message):
    response = as_user("manager").post("/contacts/new/", form_data(**overrides))

    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "saved"),
    [
        ("Žemaitytė-Šliūpienė", False),  # not an e-mail address: the form comes back
        ("Олександра Ґудзь", False),
        ("Anna 😀🏖️", False),
        ("bad\x00name", False),
        ("x" * 5000, False),
        ("<script>alert(1)</script>", False),
    ],
)
def test_odd_text_never_fails(as_user, value, saved):
    response = as_user("manager").post(
        "/contacts/new/",
        form_data(first_name=value, city=value, notes=value, email_value=[value], tags=value),
    )

    assert response.status_code == (302 if saved else 200)
    assert Contact.objects.exists() is saved
    assert 'aria-invalid="true"' in response.text
    assert "<script>alert(1)</script>" not in response.text


@pytest.mark.parametrize(
    "value", ["Žemaitytė-Šliūpienė", "Олександра Ґудзь", "Anna 😀🏖️", "bad\x00name"]
)
def test_odd_names_with_a_good_address_are_saved(as_user, value):
    response = as_user("manager").post(
        "/contacts/new/",
        form_data(first_name=value, city=value, notes=value, email_value=["a@example.com"]),
    )

    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.pk}/"
    assert contact.first_name == value.replace("\x00", "")


def test_duplicate_email_is_an_error_linking_to_the_existing_contact(as_user, olena):
    response = as_user("manager").post(
        "/contacts/new/", form_data(email_value=["OLENA@example.com"])
    )

    assert response.status_code == 200
    assert f'href="/contacts/{olena.pk}/"' in response.text
    assert "same e-mail" in response.text
    assert Contact.objects.count() == 1


def test_duplicate_email_of_an_invisible_contact_names_no_link(as_user, olena):
    response = as_user("manager2").post(
        "/contacts/new/", form_data(email_value=["olena@example.com"])
    )

    assert response.status_code == 200
    assert "already belongs to" in response.text
    assert f'href="/contacts/{olena.pk}/"' not in response.text


def test_same_name_asks_for_confirmation_then_creates(as_user, olena):
    client = as_user("manager")
    data = form_data(first_name="Олена", last_name="Коваленко", email_value=[""], phone_value=[""])

    warned = client.post("/contacts/new/", data)
    confirmed = client.post("/contacts/new/", {**data, "confirm_duplicate": "on"})

    assert warned.status_code == 200
    assert "same name" in warned.text
    assert 'name="confirm_duplicate"' in warned.text
    assert confirmed.status_code == 302
    assert Contact.objects.count() == 2


def test_edit_changes_fields_and_keeps_version(as_user, olena):
    client = as_user("manager")
    page = client.get(f"/contacts/{olena.pk}/edit/")

    response = client.post(
        f"/contacts/{olena.pk}/edit/",
        form_data(
            first_name="Олена",
            last_name="Коваленко",
            city="Львів",
            version="1",
            email_value=["olena@example.com"],
            phone_value=["+380671234567"],
            phone_primary="0",
        ),
    )

    olena.refresh_from_db()
    assert page.status_code == 200
    assert 'value="olena@example.com"' in page.text
    assert response.status_code == 302
    assert olena.city == "Львів"
    assert olena.version == 2


def test_stale_edit_is_refused_with_a_clear_message(as_user, users, olena):
    services.contact_update(actor=users["manager_mate"], contact=olena, data={"city": "Одеса"})

    response = as_user("manager").post(
        f"/contacts/{olena.pk}/edit/", form_data(city="Львів", version="1")
    )

    olena.refresh_from_db()
    assert response.status_code == 200
    assert "changed by someone else while you were editing" in response.text
    assert olena.city == "Одеса"


def test_custom_fields_get_an_input_and_inline_errors(as_user):
    CustomField.objects.create(
        entity="contact",
        key="passport_until",
        label="Passport valid until",
        field_type="date",
        required=True,
    )
    CustomField.objects.create(
        entity="contact", key="diet", label="Diet", field_type="choice", choices=["vegan", "none"]
    )
    client = as_user("manager")

    page = client.get("/contacts/new/")
    missing = client.post("/contacts/new/", form_data())
    saved = client.post(
        "/contacts/new/", form_data(custom_passport_until="2030-01-31", custom_diet="vegan")
    )

    assert 'name="custom_passport_until"' in page.text
    assert "Passport valid until" in page.text
    assert missing.status_code == 200
    assert "This field is required." in missing.text
    assert saved.status_code == 302
    assert Contact.objects.get().custom == {"passport_until": "2030-01-31", "diet": "vegan"}


def test_company_picker_links_a_visible_company(as_user, users):
    company = services.company_create(actor=users["manager"], data={"name": "Sunny Tours"})
    client = as_user("manager")

    options = client.get("/companies/options/", {"q": "sunny"})
    response = client.post("/contacts/new/", form_data(company=str(company.pk)))

    assert f'value="{company.pk}"' in options.text
    assert response.status_code == 302
    assert Contact.objects.get().company == company


def test_analyst_may_not_create_or_edit(as_user, olena):
    client = as_user("analyst")

    assert client.get("/contacts/new/").status_code == 403
    assert client.post("/contacts/new/", form_data()).status_code == 403
    assert client.get(f"/contacts/{olena.pk}/edit/").status_code == 403
    assert client.post(f"/contacts/{olena.pk}/edit/", form_data()).status_code == 403


def test_other_team_gets_404_for_edit_and_delete(as_user, olena):
    client = as_user("manager2")

    assert client.get(f"/contacts/{olena.pk}/edit/").status_code == 404
    assert client.post(f"/contacts/{olena.pk}/edit/", form_data()).status_code == 404
    assert client.post(f"/contacts/{olena.pk}/delete/").status_code == 404


def test_delete_is_refused_to_read_only_roles(as_user, olena):
    assert as_user("analyst").post(f"/contacts/{olena.pk}/delete/").status_code == 403
    assert as_user("marketer").post(f"/contacts/{olena.pk}/delete/").status_code == 403
    response = as_user("manager").post(f"/contacts/{olena.pk}/delete/")

    assert response.status_code == 302
    assert Contact.objects.count() == 0


def test_the_referrer_is_chosen_on_the_form_and_a_circle_is_refused(as_user, users):
    manager = users["manager"]
    anna = services.contact_create(actor=manager, data={"first_name": "Anna"})
    client = as_user("manager")

    created = client.post("/contacts/new/", form_data(referred_by=str(anna.pk)))
    taras = Contact.objects.get(first_name="Тарас")
    edit = client.get(f"/contacts/{taras.pk}/edit/")
    refused = client.post(
        f"/contacts/{anna.pk}/edit/",
        form_data(
            first_name="Anna", last_name="", email_value=[""], phone_value=[""],
            referred_by=str(taras.pk), version="1",
        ),
    )  # fmt: skip

    assert created.status_code == 302
    assert taras.referred_by_id == anna.pk
    assert f'name="referred_by" value="{anna.pk}"' in edit.text
    assert 'value="Anna"' in edit.text
    assert refused.status_code == 200
    assert (
        "Тарас Шевченко was referred, directly or through others, by this contact: a referral "
        "cannot go round in a circle." in refused.text
    )
    page = client.get(f"/contacts/{taras.pk}/")
    assert f'<a href="/contacts/{anna.pk}/">Anna</a>' in page.text
    anna_page = client.get(f"/contacts/{anna.pk}/")
    assert f'<dd class="referred"><a href="/contacts/{taras.pk}/">Тарас Шевченко</a></dd>' in (
        anna_page.text
    )


def test_a_referrer_the_viewer_cannot_see_is_not_named(as_user, users):
    south = services.contact_create(actor=users["manager2"], data={"first_name": "Südlich"})
    mine = services.contact_create(
        actor=users["admin"],
        data={"first_name": "Mine", "owner": users["manager"].pk, "referred_by": south.pk},
    )

    page = as_user("manager").get(f"/contacts/{mine.pk}/")
    edit = as_user("manager").get(f"/contacts/{mine.pk}/edit/")

    assert "Südlich" not in page.text
    assert "someone outside your contacts" in page.text
    assert "Südlich" not in edit.text
