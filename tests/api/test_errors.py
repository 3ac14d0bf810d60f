"""Every 4xx is {"detail", "errors": [{"field", "message"}]}; bad input is never a 500."""

import json

import pytest
from django.test import Client

from rapport.accounts.models import ApiToken
from rapport.contacts.models import Contact
from tests.api.conftest import API, bearer_client, make_contact

pytestmark = pytest.mark.django_db


def _shape(response) -> dict:
    body = response.json()
    assert set(body) >= {"detail", "errors"}
    assert isinstance(body["detail"], str)
    assert body["detail"]
    for error in body["errors"]:
        assert set(error) == {"field", "message"}
    return body


def _post(client, payload, path="contacts"):
    return client.post(f"{API}/{path}", payload, content_type="application/json")


# --- authentication ---------------------------------------------------------------------


def test_no_token_is_a_401_asking_for_a_bearer_token(client):
    response = client.get(f"{API}/contacts")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in _shape(response)["detail"]


@pytest.mark.parametrize(
    "header", ["Bearer nope", "Bearer ", "Bearer rpt_" + "x" * 43, "Basic Zm9v"]
)
def test_bad_token_is_a_401(header):
    response = Client(headers={"Authorization": header}).get(f"{API}/contacts")

    assert response.status_code == 401
    _shape(response)


def test_revoked_token_is_a_401(users):
    token, raw = ApiToken.issue(user=users["admin"], name="old")
    token.revoke()

    response = Client(headers={"Authorization": f"Bearer {raw}"}).get(f"{API}/contacts")

    assert response.status_code == 401


def test_token_of_a_deactivated_user_is_a_401(users):
    client = bearer_client(users["admin"])
    users["admin"].is_active = False
    users["admin"].save()

    assert client.get(f"{API}/contacts").status_code == 401


def test_a_bad_token_is_refused_even_with_a_session(users):
    client = Client(headers={"Authorization": "Bearer rpt_wrong"})
    client.force_login(users["admin"])

    assert client.get(f"{API}/contacts").status_code == 401


def test_session_reads_work_and_session_writes_need_the_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["manager"])

    read = client.get(f"{API}/contacts")
    without_token = _post(client, {"first_name": "Olena"})
    csrf = "k" * 32  # what the UI's pages put in the CSRF cookie and send back as a header
    client.cookies["csrftoken"] = csrf
    with_token = client.post(
        f"{API}/contacts",
        {"first_name": "Olena"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )

    assert read.status_code == 200
    assert without_token.status_code == 403
    assert "CSRF" in _shape(without_token)["detail"]
    assert with_token.status_code == 201
    assert Contact.objects.count() == 1


# --- not found, wrong method ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["contacts/999999", "contacts/999999/consents", "companies/999999", "interactions/9",
             "nothing-here", "contacts/abc"],
)  # fmt: skip
def test_unknown_things_are_a_json_404(api_as, path):
    response = api_as("admin").get(f"{API}/{path}")

    assert response.status_code == 404
    _shape(response)


def test_wrong_method_is_a_json_405(api_as):
    response = api_as("admin").put(f"{API}/contacts")

    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert "PUT" in _shape(response)["detail"]


# --- invalid input -----------------------------------------------------------------------------


def test_every_bad_field_is_named_at_once(api_as):
    response = _post(
        api_as("admin"),
        {"first_name": "", "email": "not-an-email", "phone": "12", "birth_date": "2999-01-01"},
    )

    assert response.status_code == 422
    body = _shape(response)
    assert {e["field"] for e in body["errors"]} == {"first_name", "email", "phone", "birth_date"}
    assert body["detail"] == "The input is not valid."


def test_one_bad_field_is_named_in_the_detail(api_as):
    response = _post(api_as("admin"), {"first_name": "Olena", "email": "olena@"})

    assert response.status_code == 422
    assert _shape(response)["detail"].startswith("email: ")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": 5}, "first_name"),
        ({"first_name": "A", "tags": "ski"}, "tags"),
        ({"first_name": "A", "emails": [{"email": "a@b.lt", "kind": "fax"}]}, "emails.0.kind"),
        ({"first_name": "A", "birth_date": "1990-13-40"}, "birth_date"),
        ({"first_name": "A", "owner": 10**30}, "owner"),
        ({"first_name": "A", "company": -1}, "company"),
        ({"first_name": "A", "colour": "blue"}, "colour"),
        ({"first_name": "A", "custom": {"unknown": 1}}, "custom.unknown"),
        ({"first_name": "A", "country": "Lithuania"}, "country"),
        ({"first_name": "A", "language": "Lithuanian!"}, "language"),
        ({"first_name": "A", "owner": 999999}, "owner"),
    ],
)
def test_invalid_values_are_a_422_naming_the_field_as_sent(api_as, payload, field):
    response = _post(api_as("admin"), payload)

    assert response.status_code == 422
    assert [e["field"] for e in _shape(response)["errors"]] == [field]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        # Not JSON in UTF-8 at all: the body cannot be read.
        ("{bad json", 400),
        ('{"first_name": "\\ud800"}', 400),
        # JSON, but not an object: the body is there and of the wrong shape.
        ("", 422),
        ("[1, 2]", 422),
        ('"text"', 422),
        ("null", 422),
    ],
)
def test_bodies_that_are_not_a_json_object_are_a_4xx(api_as, body, status):
    response = api_as("admin").post(f"{API}/contacts", body, content_type="application/json")

    assert response.status_code == status
    assert [e["field"] for e in _shape(response)["errors"]] == ["body"]
    assert not Contact.objects.exists()


def test_nul_bytes_and_control_characters_are_dropped(api_as):
    response = _post(api_as("admin"), {"first_name": "Ol\x00ena\x07", "notes": "a\x00b\nc"})

    assert response.status_code == 201
    assert response.json()["first_name"] == "Olena"
    assert response.json()["notes"] == "ab\nc"


def test_emoji_and_every_script_are_kept(api_as):
    response = _post(
        api_as("admin"), {"first_name": "Олена 🌴", "last_name": "Žemaitė", "city": "Київ"}
    )

    assert response.status_code == 201
    assert (response.json()["first_name"], response.json()["last_name"]) == ("Олена 🌴", "Žemaitė")


def test_very_long_strings_are_a_422_not_a_500(api_as):
    response = _post(api_as("admin"), {"first_name": "x" * 100_000, "notes": "y" * 1_000_000})

    assert response.status_code == 422
    assert {e["field"] for e in _shape(response)["errors"]} == {"first_name", "notes"}


def test_nul_bytes_and_long_values_in_the_query_string_are_harmless(api_as):
    client = api_as("admin")

    assert client.get(f"{API}/contacts", {"city": "Kyiv\x00", "q": "\x00ол"}).status_code == 200
    assert client.get(f"{API}/contacts", {"q": "я" * 201}).status_code == 422


def test_a_conflict_has_the_error_shape(api_as, users):
    make_contact(users["admin"], email="ana@example.com")

    response = _post(api_as("admin"), {"first_name": "Ana", "email": "ana@example.com"})

    assert response.status_code == 409
    assert set(_shape(response)) == {"detail", "errors", "existing"}


def test_a_forbidden_write_has_the_error_shape(api_as):
    response = _post(api_as("analyst"), {"first_name": "Ana"})

    assert response.status_code == 403
    assert _shape(response)["errors"] == []


def test_openapi_document_and_docs_are_served(client):
    schema = client.get(f"{API}/openapi.json")
    docs = client.get(f"{API}/docs")

    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert {"BearerToken", "SessionCookie"} <= set(schema.json()["components"]["securitySchemes"])
    assert docs.status_code == 200
    assert json.loads(json.dumps(schema.json()))["info"]["title"] == "Rapport API"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "get"])
@pytest.mark.parametrize("signed_in", [False, True])
def test_an_unknown_api_path_is_a_json_404_for_every_method(users, method, signed_in):
    # a browser-like client that enforces CSRF, as production does
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(users["manager"])

    body = {} if method == "get" else {"data": "{}", "content_type": "application/json"}
    response = getattr(client, method)(f"{API}/nope", **body)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert _shape(response)["detail"] == "No such API endpoint: /api/v1/nope"


@pytest.mark.parametrize(("path", "param"), [("leads", "unassigned"), ("products", "active")])
def test_a_bad_true_or_false_query_value_is_one_error_naming_the_parameter(api_as, path, param):
    # the parameter accepts a boolean or "all": pydantic complains once per member
    response = api_as("admin").get(f"{API}/{path}", {param: "maybe"})

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": param, "message": "Input should be a valid boolean, unable to interpret input"}
    ]
