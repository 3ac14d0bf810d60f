"""`referred_by` on the contact API: read, set, cleared, and refused with a 422 naming the
field when it points at the contact itself, closes a circle or names an unseen contact."""

import pytest

from tests.api.conftest import API, make_contact

pytestmark = pytest.mark.django_db


def test_referred_by_is_read_set_and_cleared(api_as, users):
    anna = make_contact(users["manager"], first_name="Anna")
    client = api_as("manager")

    created = client.post(
        f"{API}/contacts",
        {"first_name": "Borys", "referred_by": anna.pk},
        content_type="application/json",
    )
    borys = created.json()
    cleared = client.patch(
        f"{API}/contacts/{borys['id']}", {"referred_by": None}, content_type="application/json"
    )

    assert created.status_code == 201
    assert borys["referred_by"] == anna.pk
    assert client.get(f"{API}/contacts/{anna.pk}").json()["referred_by"] is None
    assert cleared.json()["referred_by"] is None


def test_a_circle_is_a_422_naming_the_field(api_as, users):
    anna = make_contact(users["manager"], first_name="Anna")
    borys = make_contact(users["manager"], first_name="Borys", referred_by=anna.pk)

    response = api_as("manager").patch(
        f"{API}/contacts/{anna.pk}", {"referred_by": borys.pk}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "referred_by",
            "message": "Borys was referred, directly or through others, by this contact: a "
            "referral cannot go round in a circle.",
        }
    ]


@pytest.mark.parametrize("target", ["self", "other_team", "missing"])
def test_bad_referrers_are_422(api_as, users, target):
    anna = make_contact(users["manager"], first_name="Anna")
    south = make_contact(users["manager2"], first_name="South")
    referrer = {"self": anna.pk, "other_team": south.pk, "missing": 999_999}[target]

    response = api_as("manager").patch(
        f"{API}/contacts/{anna.pk}", {"referred_by": referrer}, content_type="application/json"
    )

    assert response.status_code == 422
    message = {
        "self": "A contact cannot refer themselves.",
        "other_team": "Choose the person who referred them from your contacts.",
        "missing": "Choose the person who referred them from your contacts.",
    }[target]
    assert response.json()["errors"] == [{"field": "referred_by", "message": message}]
