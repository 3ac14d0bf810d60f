import pytest

from rapport.contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/contacts/?city=%00&q=%00ol",
        "/companies/?q=%00",
        "/api/v1/contacts?city=%00",
    ],
)
def test_nul_in_query_strings_is_dropped_not_a_500(client, users, path):
    client.force_login(users["manager"])

    response = client.get(path)

    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


def test_nul_in_form_fields_is_dropped(client, users):
    client.force_login(users["manager"])

    response = client.post(
        "/contacts/new/",
        {
            "first_name": "Ol\x00ena",
            "last_name": "\x00",
            "lifecycle_stage": "lead",
            "email_value": "olena@example.com",
            "email_kind": "personal",
            "email_primary": "0",
        },
    )

    contact = Contact.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.pk}/"
    assert (contact.first_name, contact.last_name) == ("Olena", "")
