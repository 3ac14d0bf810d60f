"""POST messages/{id}/review: a person settles a message whose sending was interrupted after
the provider had it (sent, or failed with the unknown outcome); anything else is a 422."""

import pytest
from django.utils import timezone

from rapport.campaigns.models import Message
from rapport.core.models import AuditEntry
from rapport.timeline.models import Interaction
from tests.api.conftest import API, make_contact
from tests.campaigns.conftest import campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost(users):
    olena = make_contact(users["manager"], first_name="Olena", email="olena@example.com")
    handed = timezone.now()
    return Message.objects.create(
        campaign=campaign("Winter sun"),
        contact=olena,
        channel="email",
        purpose="marketing",
        subject="Hi Olena",
        body_text="Hello",
        status="review",
        reason="unknown_outcome",
        available_at=handed,
        handed_at=handed,
    )


def test_it_went_out(api_as, users, lost):
    response = api_as("marketer").post(
        f"{API}/messages/{lost.pk}/review", {"went_out": True}, content_type="application/json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["reason"]) == ("sent", "")
    assert body["sent_at"] is not None
    entry = Interaction.objects.get(contact=lost.contact)
    assert (entry.kind, entry.actor, entry.params["message"]) == (
        "campaign.message_sent",
        users["marketer"],
        lost.pk,
    )
    audit = AuditEntry.objects.get(content_type__model="message", object_id=lost.pk)
    assert (audit.actor, audit.changes) == (users["marketer"], {"status": ["review", "sent"]})


def test_it_did_not(api_as, lost):
    response = api_as("admin").post(
        f"{API}/messages/{lost.pk}/review", {"went_out": False}, content_type="application/json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == ("failed", "unknown_outcome")
    assert not Interaction.objects.filter(contact=lost.contact).exists()


def test_a_message_not_in_review_is_refused(api_as, lost):
    Message.objects.filter(pk=lost.pk).update(status="sent")

    response = api_as("marketer").post(
        f"{API}/messages/{lost.pk}/review", {"went_out": False}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "status", "message": "Only a message to review can be settled; this one is sent."}
    ]
    assert Message.objects.get(pk=lost.pk).status == "sent"


def test_went_out_must_be_said(api_as, lost):
    response = api_as("marketer").post(
        f"{API}/messages/{lost.pk}/review", {}, content_type="application/json"
    )

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["went_out"]
