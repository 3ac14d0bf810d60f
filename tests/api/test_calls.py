"""The call-tracking webhook: a telephony provider reports each call."""

import pytest

from rapport.sales.models import Lead, TrackingNumber
from rapport.timeline.models import Interaction
from tests.api.conftest import API, make_contact
from tests.api.sales_data import make_lead, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracking(db):
    return TrackingNumber.objects.create(
        number="+37052000000", source=make_source("Google Ads", "google_ads")
    )


def _call(client, **body):
    body.setdefault("dialled", "+370 5 200 0000")
    body.setdefault("time", "2025-05-01T10:00:00+03:00")
    return client.post(f"{API}/calls", body, content_type="application/json")


def test_a_known_caller_gets_the_call_on_their_timeline(api_as, users, tracking):
    contact = make_contact(users["manager"], phone="+37061234567")

    response = _call(
        api_as("admin"),
        caller="+370 612 34567",
        duration=125,
        recording_url="https://calls.example.com/r/1.mp3",
    )

    assert response.status_code == 200
    assert response.json() == {
        "contact": contact.pk,
        "lead": None,
        "lead_created": False,
        "source": "Google Ads",
    }
    call = Interaction.objects.get(channel="phone")
    assert (call.contact_id, call.direction, call.duration_seconds) == (contact.pk, "inbound", 125)
    assert call.body == "Recording: https://calls.example.com/r/1.mp3"
    assert not Lead.objects.exists()


def test_an_unknown_caller_becomes_a_lead_of_the_tracking_numbers_source(api_as, tracking):
    response = _call(api_as("admin"), caller="+37069999999", duration=30)

    lead = Lead.objects.get()
    assert response.json() == {
        "contact": None,
        "lead": lead.pk,
        "lead_created": True,
        "source": "Google Ads",
    }
    assert (lead.phone, lead.source_id, lead.tracking_number_id) == (
        "+37069999999",
        tracking.source_id,
        tracking.pk,
    )


def test_a_caller_with_an_open_lead_is_matched_to_it(api_as, users, tracking):
    lead = make_lead(users["manager"], phone="+37069999999", email="")

    response = _call(api_as("admin"), caller="+37069999999")

    assert response.json()["lead"] == lead.pk
    assert response.json()["lead_created"] is False
    assert Lead.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"caller": "abc"}, ["caller"]),
        ({"caller": "+37069999999", "dialled": "12"}, ["dialled"]),
        ({"caller": "+37069999999", "duration": -1}, ["duration"]),
        ({"caller": "+37069999999", "duration": 90000}, ["duration"]),
        ({"caller": "+37069999999", "time": "2025-05-01T10:00:00"}, ["time"]),
        ({"caller": "+37069999999", "direction": "sideways"}, ["direction"]),
        ({"caller": "+37069999999", "recording_url": "ftp://x"}, ["recording_url"]),
        ({"dialled": "+37052000000"}, ["caller"]),
    ],
)
def test_a_bad_payload_is_a_422_naming_the_field(api_as, tracking, body, fields):
    response = _call(api_as("admin"), **body)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == fields
    assert not Lead.objects.exists()
    assert not Interaction.objects.exists()


def test_a_read_only_role_cannot_report_calls(api_as, tracking):
    response = _call(api_as("analyst"), caller="+37069999999")

    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_a_retried_webhook_makes_one_lead(api_as, tracking):
    client = api_as("admin")
    body = {"caller": "+37069999999", "dialled": "+37052000000", "duration": 30}

    responses = [
        client.post(
            f"{API}/calls", body, content_type="application/json",
            headers={"Idempotency-Key": "call-42"},
        )
        for _ in range(2)
    ]  # fmt: skip

    assert responses[0].json() == responses[1].json()
    assert Lead.objects.count() == 1


def test_a_call_never_names_a_customer_the_caller_may_not_see(api_as, users, tracking):
    """manager2 (team South) gets 404 for team North's customer; reporting a call from the
    customer's phone must not tell them its id, though the call goes on the customer's
    timeline (the true customer's touchpoint), which manager2 still cannot read."""
    contact = make_contact(users["manager"], phone="+37061234567")
    assert api_as("manager2").get(f"{API}/contacts/{contact.pk}").status_code == 404

    response = _call(api_as("manager2"), caller="+37061234567", duration=30)

    assert response.status_code == 200
    assert response.json() == {"contact": None, "lead": None, "lead_created": False,
                               "source": "Google Ads"}  # fmt: skip
    assert Interaction.objects.filter(contact=contact, channel="phone").count() == 1
    timeline = api_as("manager2").get(f"{API}/interactions", {"contact": contact.pk})
    assert timeline.json()["items"] == []


def test_a_call_matched_to_another_teams_open_lead_does_not_name_it(api_as, users, tracking):
    make_lead(users["manager"], phone="+37061234567")

    response = _call(api_as("manager2"), caller="+37061234567", duration=30)

    assert (response.json()["lead"], response.json()["lead_created"]) == (None, False)
