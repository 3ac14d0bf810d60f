"""Viber (REST Bot API) and WhatsApp (Cloud API) messages through local fake servers that
answer as the real ones do: success, refusals, rate limits and configuration errors; a
messenger campaign sends each contact's message through their own account's messenger."""

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured

from rapport.campaigns import config, outbox
from rapport.campaigns.channels.whatsapp import OUTSIDE_WINDOW
from rapport.campaigns.models import (
    InboundMessage,
    Message,
    MessageStatus,
    MessengerAccount,
    SkipReason,
    Suppression,
)
from rapport.campaigns.services import campaign_enqueue
from tests.campaigns.conftest import campaign, person
from tests.campaigns.fakes import Scripted, fake_api, viber_error, whatsapp_error
from tests.campaigns.test_sms_messenger import SMS, telegram  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
VIBER_TOKEN = "4453b6ac1b35f2ee-e4d1e4a1f7f7a5a2-91b8d6cf0c1f6f0b"
WA_TOKEN = "EAAGm0PX4ZCpsBA"


@pytest.fixture
def viber(settings) -> Iterator[Scripted]:
    with fake_api("viber") as (state, port):
        settings.RAPPORT_VIBER_URL = (
            f"viber+http://{VIBER_TOKEN}@127.0.0.1:{port}?sender=Sun%20Travel"
        )
        yield state


@pytest.fixture
def whatsapp(settings) -> Iterator[Scripted]:
    with fake_api("whatsapp") as (state, port):
        settings.RAPPORT_WHATSAPP_URL = (
            f"whatsapp+http://{WA_TOKEN}@127.0.0.1:{port}/v21.0/1234567890"
            "?app_secret=s3cret&verify_token=let-me-in"
        )
        yield state


def _on(messenger: str, *ids: str, language: str = "", templates=SMS) -> list[Message]:
    people = []
    for external_id in ids:
        someone = person(consents=("messenger:marketing",), language=language)
        MessengerAccount.objects.create(
            contact=someone, provider=messenger, external_id=external_id
        )
        people.append(someone)
    campaign_enqueue(
        campaign=campaign(channel="messenger", templates=templates),
        contact_ids=[p.pk for p in people],
    )
    return list(Message.objects.order_by("pk"))


def _wrote_lately(wa_id: str) -> None:
    InboundMessage.objects.create(
        provider="whatsapp", external_id=f"wamid.in-{wa_id}", channel="messenger", sender=wa_id
    )


# --- Viber -----------------------------------------------------------------------------------


def test_a_viber_message_goes_to_send_message_with_the_token_and_sender(viber):
    [message] = _on("viber", "01234567890A=")

    assert outbox.deliver_due().sent == 1

    [request] = viber.requests
    assert request["path"] == "/pa/send_message"
    assert request["headers"]["X-Viber-Auth-Token"] == VIBER_TOKEN
    body = request["body"]
    assert (body["receiver"], body["type"], body["sender"]) == (
        "01234567890A=",
        "text",
        {"name": "Sun Travel"},
    )
    assert body["text"].startswith("Hi Olena: 10% off Crete this week.")
    assert body["tracking_data"] == str(message.pk)
    message.refresh_from_db()
    assert (message.status, message.provider_id) == (MessageStatus.SENT, "5741311803571721001")


def test_viber_too_many_requests_waits_then_sends(viber, clock):
    [message] = _on("viber", "01234567890A=")
    viber.answers = [(200, viber_error(12, "tooManyRequests"), {})]

    assert outbox.deliver_due().retried == 1
    message.refresh_from_db()
    assert (message.status, message.available_at, message.error) == (
        MessageStatus.QUEUED,
        clock.now + dt.timedelta(seconds=60),
        "200 12 tooManyRequests",
    )
    clock.now += dt.timedelta(seconds=60)
    assert outbox.deliver_due().sent == 1
    assert len(viber.requests) == 2


def test_viber_refuses_an_unsubscribed_receiver_and_waits_out_a_bad_token(viber):
    gone, waiting = _on("viber", "GoneUser0000=", "WaitUser0000=")
    viber.answers = [
        (200, viber_error(6, "receiverNotSubscribed"), {}),
        (200, viber_error(2, "invalidAuthToken"), {}),
    ]

    result = outbox.deliver_due()

    assert (result.failed, result.retried) == (1, 1)
    gone.refresh_from_db()
    waiting.refresh_from_db()
    assert (gone.status, gone.reason, gone.error) == (
        MessageStatus.FAILED,
        SkipReason.REJECTED,
        "200 6 receiverNotSubscribed",
    )
    assert (waiting.status, waiting.handed_at, waiting.error) == (
        MessageStatus.QUEUED,
        None,
        "Viber bot configuration: 200 2 invalidAuthToken",
    )
    assert list(Suppression.objects.values_list("channel", "address")) == [
        ("messenger", "goneuser0000=")
    ]


def test_an_answer_that_is_not_vibers_is_reviewed_never_resent(viber, clock):
    [message] = _on("viber", "01234567890A=")
    viber.answers = [(200, "<html>Bad gateway</html>", {})]

    assert outbox.deliver_due().review == 1

    message.refresh_from_db()
    assert (message.status, message.reason) == (MessageStatus.REVIEW, SkipReason.UNKNOWN_OUTCOME)
    clock.now += dt.timedelta(days=1)
    outbox.deliver_due()
    assert len(viber.requests) == 1


# --- WhatsApp --------------------------------------------------------------------------------


def test_whatsapp_text_goes_out_within_the_24_hour_window(whatsapp):
    [message] = _on("whatsapp", "380501234567")
    _wrote_lately("380501234567")

    assert outbox.deliver_due().sent == 1

    [request] = whatsapp.requests
    assert request["path"] == "/v21.0/1234567890/messages"
    assert request["auth"] == f"Bearer {WA_TOKEN}"
    body = request["body"]
    assert (body["messaging_product"], body["to"], body["type"]) == (
        "whatsapp",
        "380501234567",
        "text",
    )
    assert body["text"]["body"].startswith("Hi Olena: 10% off Crete this week.")
    message.refresh_from_db()
    assert (message.status, message.provider_id) == (MessageStatus.SENT, f"wamid.HBgM{1:024d}")


def test_whatsapp_text_outside_the_window_is_refused_before_any_request(whatsapp, clock):
    [message] = _on("whatsapp", "380501234567")
    _wrote_lately("380501234567")
    clock.now += dt.timedelta(hours=25)

    assert outbox.deliver_due().failed == 1

    assert whatsapp.requests == []
    message.refresh_from_db()
    assert (message.status, message.reason, message.error) == (
        MessageStatus.FAILED,
        SkipReason.REJECTED,
        OUTSIDE_WINDOW,
    )
    assert Suppression.objects.count() == 0


def test_a_subject_naming_a_template_sends_that_template_in_the_message_language(whatsapp):
    templates = (("uk", "template:spring_offer", "Привіт {{ first_name }}", ""),)
    _on("whatsapp", "380501234567", language="uk", templates=templates)

    assert outbox.deliver_due().sent == 1

    [request] = whatsapp.requests
    assert request["body"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "380501234567",
        "type": "template",
        "template": {"name": "spring_offer", "language": {"code": "uk"}},
    }


def test_whatsapp_rate_limits_wait_undeliverable_fails_and_a_bad_token_waits(whatsapp, clock):
    ids = ("380500000001", "380500000002", "380500000003")
    limited, undeliverable, unauthorised = _on("whatsapp", *ids)
    for wa_id in ids:
        _wrote_lately(wa_id)
    whatsapp.answers = [
        (400, whatsapp_error(130429, "Rate limit hit"), {}),
        (400, whatsapp_error(131026, "Message undeliverable", kind="OAuthException"), {}),
        (401, whatsapp_error(190, "Error validating access token: Session has expired"), {}),
    ]

    result = outbox.deliver_due()

    assert (result.retried, result.failed) == (2, 1)
    for message in (limited, undeliverable, unauthorised):
        message.refresh_from_db()
    assert (limited.status, limited.available_at, limited.error) == (
        MessageStatus.QUEUED,
        clock.now + dt.timedelta(seconds=60),
        "400 130429 Rate limit hit",
    )
    assert (undeliverable.status, undeliverable.error) == (
        MessageStatus.FAILED,
        "400 131026 Message undeliverable",
    )
    assert (unauthorised.status, unauthorised.available_at, unauthorised.error) == (
        MessageStatus.QUEUED,
        clock.now + config.retry_delay(1),
        "WhatsApp configuration: 401 190 Error validating access token: Session has expired",
    )
    assert Suppression.objects.count() == 0
    clock.now += dt.timedelta(seconds=60)
    assert outbox.deliver_due().sent == 2
    assert sorted(r["body"]["to"] for r in whatsapp.requests[3:]) == [ids[0], ids[2]]


# --- one campaign, each contact on their own messenger ---------------------------------------


def test_a_messenger_campaign_picks_the_provider_per_contact_account(telegram, viber, whatsapp):  # noqa: F811
    on_telegram = person(consents=("messenger:marketing",))
    on_viber = person(consents=("messenger:marketing",))
    on_whatsapp = person(consents=("messenger:marketing",))
    MessengerAccount.objects.create(contact=on_telegram, provider="telegram", external_id="777")
    MessengerAccount.objects.create(contact=on_viber, provider="viber", external_id="V1=")
    MessengerAccount.objects.create(contact=on_whatsapp, provider="whatsapp", external_id="3805")
    _wrote_lately("3805")
    campaign_enqueue(
        campaign=campaign(channel="messenger", templates=SMS),
        contact_ids=[on_telegram.pk, on_viber.pk, on_whatsapp.pk],
    )

    assert outbox.deliver_due().sent == 3

    assert [r["body"]["chat_id"] for r in telegram.requests] == ["777"]
    assert [r["body"]["receiver"] for r in viber.requests] == ["V1="]
    assert [r["body"]["to"] for r in whatsapp.requests] == ["3805"]
    assert dict(Message.objects.values_list("contact_id", "provider_id")) == {
        on_telegram.pk: "777:1",
        on_viber.pk: "5741311803571721001",
        on_whatsapp.pk: f"wamid.HBgM{1:024d}",
    }


def test_the_newest_account_on_a_configured_messenger_is_used(telegram, capsys):  # noqa: F811
    olena = person(consents=("messenger:marketing",))
    MessengerAccount.objects.create(contact=olena, provider="telegram", external_id="777")
    MessengerAccount.objects.create(contact=olena, provider="viber", external_id="V1=")
    campaign_enqueue(campaign=campaign(channel="messenger", templates=SMS), contact_ids=[olena.pk])

    assert outbox.deliver_due().sent == 1

    assert [r["body"]["chat_id"] for r in telegram.requests] == ["777"]
    assert Message.objects.get().address == "777"
    assert capsys.readouterr().out == ""


def test_with_no_provider_configured_the_newest_account_is_printed(capsys):
    olena = person(consents=("messenger:marketing",))
    MessengerAccount.objects.create(contact=olena, provider="telegram", external_id="777")
    MessengerAccount.objects.create(contact=olena, provider="viber", external_id="V1=")
    campaign_enqueue(campaign=campaign(channel="messenger", templates=SMS), contact_ids=[olena.pk])

    assert outbox.deliver_due().sent == 1

    message = Message.objects.get()
    assert capsys.readouterr().out.startswith(f"--- messenger (viber) message {message.pk} to V1=")


# --- configuration ---------------------------------------------------------------------------


def test_the_urls_are_read_and_bad_ones_named():
    assert config.parse_viber_url("viber://tok@chatapi.viber.com?sender=Sun%20Travel") == (
        config.ViberConfig(base="https://chatapi.viber.com", token="tok", sender="Sun Travel")
    )
    assert config.parse_whatsapp_url(
        "whatsapp://EAAG@graph.facebook.com/v21.0/1234567890?app_secret=a&verify_token=v"
    ) == config.WhatsAppConfig(
        endpoint="https://graph.facebook.com/v21.0/1234567890/messages",
        token="EAAG",
        app_secret="a",
        verify_token="v",
    )
    with pytest.raises(ImproperlyConfigured, match="`sender`"):
        config.parse_viber_url("viber://tok@chatapi.viber.com")
    with pytest.raises(ImproperlyConfigured, match=r"/vN\.N/PHONE_NUMBER_ID"):
        config.parse_whatsapp_url("whatsapp://EAAG@graph.facebook.com/1234?app_secret=a")
    with pytest.raises(ImproperlyConfigured, match="verify_token is required"):
        config.parse_whatsapp_url("whatsapp://EAAG@graph.facebook.com/v21.0/1234?app_secret=a")
