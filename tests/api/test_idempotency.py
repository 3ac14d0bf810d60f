import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from rapport.contacts.models import Contact
from rapport.core.models import IdempotencyRecord
from tests.api.conftest import API, make_contact

pytestmark = pytest.mark.django_db


def _create(client, payload, key, path="contacts"):
    return client.post(
        f"{API}/{path}", payload, content_type="application/json", headers={"Idempotency-Key": key}
    )


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer(api_as):
    client = api_as("manager")

    first = _create(client, {"first_name": "Olena"}, "key-1")
    retry = _create(client, {"first_name": "Olena"}, "key-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Contact.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.method, record.path, record.status_code) == ("POST", "/api/v1/contacts", 201)


def test_the_same_key_with_another_body_is_a_409(api_as):
    client = api_as("manager")
    _create(client, {"first_name": "Olena"}, "key-1")

    response = _create(client, {"first_name": "Taras"}, "key-1")

    assert response.status_code == 409
    assert [e["field"] for e in response.json()["errors"]] == ["Idempotency-Key"]
    assert list(Contact.objects.values_list("first_name", flat=True)) == ["Olena"]


def test_the_same_key_on_another_endpoint_is_a_409(api_as):
    client = api_as("manager")
    _create(client, {"name": "Sun Travel"}, "key-1", path="companies")

    response = _create(client, {"name": "Sun Travel"}, "key-1")

    assert response.status_code == 409
    assert not Contact.objects.exists()


def test_keys_belong_to_one_user(api_as):
    first = _create(api_as("manager"), {"first_name": "Olena"}, "shared")
    second = _create(api_as("marketer"), {"first_name": "Olena"}, "shared")

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]


def test_an_error_answer_is_replayed_too(api_as):
    client = api_as("manager")

    first = _create(client, {"first_name": "Olena", "email": "bad"}, "key-1")
    retry = _create(client, {"first_name": "Olena", "email": "bad"}, "key-1")

    assert first.status_code == retry.status_code == 422
    assert retry.content == first.content


def test_patch_and_delete_honour_the_key(api_as, users):
    client = api_as("manager")
    contact = make_contact(users["manager"])
    headers = {"Idempotency-Key": "patch-1"}

    patched = [
        client.patch(
            f"{API}/contacts/{contact.pk}",
            {"city": "Lviv"},
            content_type="application/json",
            headers=headers,
        )
        for _ in range(2)
    ]
    deleted = [
        client.delete(f"{API}/contacts/{contact.pk}", headers={"Idempotency-Key": "delete-1"})
        for _ in range(2)
    ]

    assert [r.json()["version"] for r in patched] == [2, 2]
    assert [r.status_code for r in deleted] == [204, 204]
    assert deleted[1].content == b""


def test_reads_ignore_the_key(api_as):
    client = api_as("manager")

    response = client.get(f"{API}/contacts", headers={"Idempotency-Key": "read"})

    assert response.status_code == 200
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("key", ["", "with space", "x" * 201, "ключ"])
def test_a_malformed_key_is_a_422(api_as, key):
    response = _create(api_as("manager"), {"first_name": "Olena"}, key)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["Idempotency-Key"]
    assert not Contact.objects.exists()


def test_an_unauthenticated_write_is_not_remembered(api_as):
    response = Client().post(
        f"{API}/contacts",
        {"first_name": "Olena"},
        content_type="application/json",
        headers={"Idempotency-Key": "key-1"},
    )

    assert response.status_code == 401
    assert not IdempotencyRecord.objects.exists()


def test_answers_are_forgotten_after_a_day(api_as):
    client = api_as("manager")
    _create(client, {"first_name": "Olena"}, "old-key")
    _create(client, {"first_name": "Petro"}, "other-old-key")
    day_ago = timezone.now() - dt.timedelta(hours=25)
    IdempotencyRecord.objects.update(created_at=day_ago)

    again = _create(client, {"first_name": "Olena"}, "old-key")

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Contact.objects.count() == 3
    # Each new key also cleared the other expired answers: only today's is kept.
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["old-key"]
    assert IdempotencyRecord.objects.get().created_at > day_ago
