"""Unsubscribing from the link in a message: RFC 8058 one-click POST withdraws the consent of
the message's channel and purpose at once (200); the page, in the person's language, lets
them keep other channels; each withdrawal is a ConsentEvent from "unsubscribe" and one
timeline entry; a forged link is a 400 page."""

import pytest
from django.test import Client

from rapport.campaigns import outbox
from rapport.campaigns.models import Message
from rapport.campaigns.services import campaign_enqueue
from rapport.campaigns.unsubscribe import token_for
from rapport.contacts.models import ConsentEvent, ConsentState
from rapport.contacts.selectors import consent_state
from rapport.timeline.models import Interaction
from tests.campaigns.conftest import campaign, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(smtp):
    """A marketing e-mail sent to a Ukrainian speaker who also takes offers by SMS."""
    olena = person(
        "olena@example.com",
        phone="+380501234567",
        language="uk",
        consents=("email:marketing", "sms:marketing", "email:service"),
    )
    campaign_enqueue(campaign=campaign(), contact_ids=[olena.pk])
    outbox.deliver_due()
    return Message.objects.select_related("contact").get()


def _granted(contact):
    return sorted(
        f"{channel}:{purpose}"
        for (channel, purpose), event in consent_state(contact).items()
        if event is not None and event.status == "granted"
    )


def test_one_click_post_withdraws_that_channel_at_once(sent):
    client = Client(enforce_csrf_checks=True)  # mail providers post without a CSRF token
    url = f"/u/{token_for(sent.pk)}/"

    response = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert _granted(sent.contact) == ["email:service", "sms:marketing"]
    event = ConsentEvent.objects.filter(status="withdrawn").get()
    assert (event.channel, event.purpose, event.source, event.evidence) == (
        "email",
        "marketing",
        "unsubscribe",
        f"message #{sent.pk}",
    )
    state = ConsentState.objects.get(contact=sent.contact, channel="email", purpose="marketing")
    assert (state.status, state.at) == ("withdrawn", event.at)
    entry = Interaction.objects.filter(kind="campaign.unsubscribed").get()
    assert (entry.channel, entry.direction) == ("campaign", "inbound")
    assert entry.text == "Unsubscribed from marketing messages by E-mail"
    # a second click changes nothing and still answers 200
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert ConsentEvent.objects.filter(status="withdrawn").count() == 1
    assert Interaction.objects.filter(kind="campaign.unsubscribed").count() == 1


def test_the_page_speaks_the_persons_language_and_offers_their_channels(sent):
    response = Client().get(f"/u/{token_for(sent.pk)}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="uk">' in html
    # the channels they take offers on; the message's own unticked, the others kept
    assert '<input type="checkbox" name="keep" value="email">' in html
    assert '<input type="checkbox" name="keep" value="sms" checked>' in html
    assert 'value="messenger"' not in html
    assert ConsentEvent.objects.filter(status="withdrawn").count() == 0  # a GET changes nothing


def test_keeping_sms_leaves_only_email(sent):
    response = Client(enforce_csrf_checks=True).post(f"/u/{token_for(sent.pk)}/", {"keep": ["sms"]})

    assert response.status_code == 200
    assert _granted(sent.contact) == ["email:service", "sms:marketing"]


def test_unticking_everything_leaves_every_marketing_channel(sent):
    Client().post(f"/u/{token_for(sent.pk)}/", {})

    assert _granted(sent.contact) == ["email:service"]
    entry = Interaction.objects.filter(kind="campaign.unsubscribed").get()
    assert entry.params["channels"] == ["email", "sms"]


def test_a_withdrawal_stops_the_next_message_of_the_same_campaign(sent):
    Client().post(f"/u/{token_for(sent.pk)}/", {"List-Unsubscribe": "One-Click"})
    campaign_enqueue(campaign=sent.campaign, contact_ids=[sent.contact_id], step=1)

    outbox.deliver_due()

    assert Message.objects.get(step=1).reason == "no_consent"


@pytest.mark.parametrize("token", ["nonsense", token_for(1) + "x", "e30:bad"])
def test_a_forged_link_gets_a_clear_page(db, token):
    for response in (Client().get(f"/u/{token}/"), Client().post(f"/u/{token}/", {})):
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()


def test_a_link_to_a_deleted_message_gets_the_same_page(sent):
    token = token_for(sent.pk)
    Message.objects.all().delete()

    assert Client().get(f"/u/{token}/").status_code == 400
