import datetime as dt

import pytest

from rapport.contacts.models import ConsentEvent
from tests.api.conftest import API, make_contact

pytestmark = pytest.mark.django_db


def _record(client, contact, **fields):
    payload = {"channel": "email", "purpose": "marketing", "status": "granted", "source": "form"}
    return client.post(
        f"{API}/contacts/{contact.pk}/consents",
        {**payload, **fields},
        content_type="application/json",
    )


def test_record_a_grant_returns_the_event(api_as, users):
    contact = make_contact(users["manager"])

    response = _record(
        api_as("manager"),
        contact,
        evidence="checkbox on /signup",
        at="2025-03-01T10:00:00+02:00",
    )

    assert response.status_code == 201
    body = response.json()
    event = ConsentEvent.objects.get()
    assert body == {
        "id": event.pk,
        "channel": "email",
        "purpose": "marketing",
        "status": "granted",
        "source": "form",
        "evidence": "checkbox on /signup",
        "at": "2025-03-01T08:00:00+00:00",
        "recorded_by": users["manager"].pk,
    }


def test_state_per_channel_and_purpose_and_history(api_as, users):
    contact = make_contact(users["manager"])
    client = api_as("manager")
    _record(client, contact, at="2025-01-01T10:00:00+00:00")
    _record(client, contact, status="withdrawn", source="call", at="2025-02-01T10:00:00+00:00")
    _record(client, contact, channel="sms", purpose="service", at="2025-01-15T10:00:00+00:00")

    response = client.get(f"{API}/contacts/{contact.pk}/consents")

    assert response.status_code == 200
    body = response.json()
    assert body["contact"] == contact.pk
    state = {(s["channel"], s["purpose"]): s for s in body["state"]}
    assert len(state) == 15  # 5 channels × 3 purposes
    assert state[("email", "marketing")]["status"] == "withdrawn"
    assert state[("email", "marketing")]["source"] == "call"
    assert state[("sms", "service")]["status"] == "granted"
    assert state[("post", "profiling")] == {
        "channel": "post",
        "purpose": "profiling",
        "status": None,
        "at": None,
        "source": None,
    }
    assert [(e["channel"], e["status"], e["at"]) for e in body["events"]] == [
        ("email", "withdrawn", "2025-02-01T10:00:00+00:00"),
        ("sms", "granted", "2025-01-15T10:00:00+00:00"),
        ("email", "granted", "2025-01-01T10:00:00+00:00"),
    ]


def test_withdrawal_at_the_same_instant_wins(api_as, users):
    contact = make_contact(users["manager"])
    client = api_as("manager")
    _record(client, contact, status="withdrawn", at="2025-01-01T10:00:00+00:00")
    _record(client, contact, status="granted", at="2025-01-01T10:00:00+00:00")

    state = client.get(f"{API}/contacts/{contact.pk}/consents").json()["state"]

    assert (
        next(s for s in state if s["channel"] == "email" and s["purpose"] == "marketing")["status"]
        == "withdrawn"
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"purpose": "fun"}, "purpose"),
        ({"status": "maybe"}, "status"),
        ({"source": ""}, "source"),
        ({"at": "2025-01-01T10:00:00"}, "at"),
        ({"at": "not a time"}, "at"),
    ],
)
def test_bad_consent_input_is_a_422_naming_the_field(api_as, users, fields, field):
    contact = make_contact(users["manager"])

    response = _record(api_as("manager"), contact, **fields)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not ConsentEvent.objects.exists()


def test_consent_in_the_future_is_refused(api_as, users):
    contact = make_contact(users["manager"])
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()

    response = _record(api_as("manager"), contact, at=later)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "at"
