import pytest

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


def test_nul_in_form_fields_is_dropped(client, users):
    client.force_login(users["manager"])

    response = client.post("/contacts/new/", {"first_name": "Ol\x00ena", "last_name": "\x00"})

    assert response.status_code in (200, 302)
