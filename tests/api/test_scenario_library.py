"""The library of ready-made scenarios through the API: listed with what is installed,
installed once (409 after), published and off."""

import pytest

from rapport.automation import library
from tests.api.conftest import API, bearer_client

pytestmark = pytest.mark.django_db


def test_install_a_ready_made_scenario_once(users):
    api = bearer_client(users["marketer"])
    listed = api.get(f"{API}/scenarios/library")
    assert listed.status_code == 200
    assert [item["key"] for item in listed.json()] == list(library.READY)
    assert {item["installed"] for item in listed.json()} == {None}
    birthday = next(i for i in listed.json() if i["key"] == "birthday")
    assert birthday["name"] == "Birthday greeting with a gift"
    assert birthday["description"].startswith("On the customer's birthday at 10:00")

    made = api.post(f"{API}/scenarios/library/birthday")

    assert made.status_code == 201
    body = made.json()
    assert (body["template"], body["status"], body["version"], body["unpublished_changes"]) == (
        "birthday",
        "draft",
        1,
        False,
    )
    again = api.post(f"{API}/scenarios/library/birthday")
    assert again.status_code == 409
    assert again.json()["scenario"] == body["id"]
    assert [e["field"] for e in again.json()["errors"]] == ["key"]
    installed = {i["key"]: i["installed"] for i in api.get(f"{API}/scenarios/library").json()}
    assert installed["birthday"] == body["id"]
    assert api.post(f"{API}/scenarios/{body['id']}/activate").json()["status"] == "active"


def test_an_unknown_key_is_404(users):
    answer = bearer_client(users["admin"]).post(f"{API}/scenarios/library/bogus")
    assert answer.status_code == 404
    assert answer.json()["detail"] == "Not found."


def test_a_reader_may_list_but_not_install(users):
    api = bearer_client(users["analyst"])
    assert api.get(f"{API}/scenarios/library").status_code == 200
    refused = api.post(f"{API}/scenarios/library/welcome")
    assert refused.status_code == 403
