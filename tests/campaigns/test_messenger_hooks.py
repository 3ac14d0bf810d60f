"""Viber's callbacks (signed with X-Viber-Content-Signature) and WhatsApp's webhooks (the
subscription check, and notifications signed with X-Hub-Signature-256): receipts update the
message, replies land on the timeline, STOP and Viber's "unsubscribed" withdraw the messenger
consents; a bad signature is a 403 with nothing written."""

import json

import pytest
from django.test import Client

from rapport.campaigns import outbox
from rapport.campaigns.hooks import body_signature, hook_secret, hook_url, whatsapp_window_open
from rapport.campaigns.models import InboundMessage, Message, MessageStatus, MessengerAccount
from rapport.campaigns.services import campaign_enqueue
from rapport.contacts.models import ConsentEvent
from rapport.timeline.models import Interaction
from tests.campaigns.conftest import campaign, person
from tests.campaigns.test_sms_messenger import SMS
from tests.campaigns.test_viber_whatsapp import (  # noqa: F401  (fixtures)
    VIBER_TOKEN,
    viber,
    whatsapp,
)

pytestmark = pytest.mark.django_db
# a STOP from the contact's only messenger account: nothing left, so consent goes too
STOPPED_LAST = "no more messages there; messenger consent withdrawn (no other messenger left)"
SITE = "https://crm.travel.example"
APP_SECRET = "s3cret"


@pytest.fixture(autouse=True)
def site(settings):
    settings.RAPPORT_SITE_URL = SITE


def _post(provider: str, payload, *, signature: str | None = None):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {}
    if provider == "viber":
        sign = body_signature(VIBER_TOKEN, raw) if signature is None else signature
        headers["HTTP_X_VIBER_CONTENT_SIGNATURE"] = sign
    else:
        sign = "sha256=" + body_signature(APP_SECRET, raw) if signature is None else signature
        headers["HTTP_X_HUB_SIGNATURE_256"] = sign
    path = hook_url(provider).removeprefix(SITE)
    return Client().post(path, raw, content_type="application/json", **headers)


def _sent_on(messenger: str, external_id: str) -> Message:
    olena = person(consents=("messenger:marketing", "messenger:service"))
    MessengerAccount.objects.create(contact=olena, provider=messenger, external_id=external_id)
    if messenger == "whatsapp":
        InboundMessage.objects.create(
            provider="whatsapp",
            external_id="wamid.earlier",
            channel="messenger",
            sender=external_id,
        )
    campaign_enqueue(campaign=campaign(channel="messenger", templates=SMS), contact_ids=[olena.pk])
    assert outbox.deliver_due().sent == 1
    return Message.objects.get()


def _withdrawn() -> list[tuple[str, str, str]]:
    events = ConsentEvent.objects.filter(status="withdrawn").order_by("purpose")
    return list(events.values_list("channel", "purpose", "source"))


# --- Viber -----------------------------------------------------------------------------------


def test_viber_receipts_mark_the_message_delivered_or_failed(viber):  # noqa: F811
    message = _sent_on("viber", "01234567890A=")
    token = int(message.provider_id)
    delivered = {"event": "delivered", "timestamp": 1457764197627, "message_token": token,
                 "user_id": "01234567890A="}  # fmt: skip

    assert _post("viber", delivered).status_code == 200
    assert _post("viber", {**delivered, "event": "seen"}).status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED

    failed = {**delivered, "event": "failed", "desc": "failure description"}
    assert _post("viber", failed).status_code == 200
    message.refresh_from_db()
    assert (message.status, message.error) == (MessageStatus.FAILED, "failure description")
    assert [
        i.text for i in Interaction.objects.filter(kind="campaign.delivery").order_by("id")
    ] == [
        f"Messenger message #{message.pk} delivered",
        f"Messenger message #{message.pk} could not be delivered",
    ]


def test_a_viber_reply_lands_on_the_timeline_and_stop_withdraws(viber):  # noqa: F811
    message = _sent_on("viber", "01234567890A=")
    reply = {
        "event": "message",
        "timestamp": 1457764197627,
        "message_token": 4912661846655238145,
        "sender": {"id": "01234567890A=", "name": "Olena", "language": "uk"},
        "message": {"type": "text", "text": "Is Crete warm in May?", "tracking_data": "1"},
    }

    assert _post("viber", reply).status_code == 200
    assert _withdrawn() == []
    stop = {
        **reply,
        "message_token": 4912661846655238146,
        "message": {"type": "text", "text": "СТОП"},
    }
    assert _post("viber", stop).status_code == 200
    assert _post("viber", stop).status_code == 200  # Viber repeating itself changes nothing

    assert _withdrawn() == [("messenger", "marketing", "reply"), ("messenger", "service", "reply")]
    entries = Interaction.objects.filter(kind="campaign.reply").order_by("id")
    assert [(e.contact_id, e.body, e.text) for e in entries] == [
        (message.contact_id, "Is Crete warm in May?", "Replied on Viber"),
        (message.contact_id, "СТОП", f"Asked on Viber to stop: {STOPPED_LAST}"),
    ]


def test_unsubscribing_from_the_viber_bot_withdraws_messenger_consent(viber):  # noqa: F811
    message = _sent_on("viber", "01234567890A=")
    event = {"event": "unsubscribed", "timestamp": 1457764197627, "user_id": "01234567890A=",
             "message_token": 4912661846655238145}  # fmt: skip

    assert _post("viber", event).status_code == 200
    assert _post("viber", event).status_code == 200

    assert _withdrawn() == [
        ("messenger", "marketing", "viber_unsubscribed"),
        ("messenger", "service", "viber_unsubscribed"),
    ]
    [entry] = Interaction.objects.filter(kind="campaign.messenger_unsubscribed")
    assert (entry.contact_id, entry.channel, entry.direction) == (
        message.contact_id,
        "messenger",
        "inbound",
    )
    assert entry.text == "Unsubscribed from the Viber bot; consent withdrawn"
    # and the next campaign skips her
    campaign_enqueue(
        campaign=campaign("Spring", channel="messenger", templates=SMS),
        contact_ids=[message.contact_id],
    )
    assert dict(outbox.deliver_due().reasons) == {"no_consent": 1}


def test_viber_callbacks_with_nothing_to_record_are_accepted(viber):  # noqa: F811
    started = {"event": "conversation_started", "timestamp": 1, "message_token": 1,
               "type": "open", "user": {"id": "01234567890A="}, "subscribed": False}  # fmt: skip

    assert _post("viber", started).status_code == 200
    assert (
        _post("viber", {"event": "webhook", "timestamp": 1, "message_token": 2}).status_code == 200
    )
    assert InboundMessage.objects.count() == 0


def test_a_bad_viber_signature_or_shape_writes_nothing(viber, settings):  # noqa: F811
    person_on_viber = person(consents=("messenger:marketing",))
    MessengerAccount.objects.create(
        contact=person_on_viber, provider="viber", external_id="01234567890A="
    )
    event = {"event": "unsubscribed", "timestamp": 1, "user_id": "01234567890A=",
             "message_token": 7}  # fmt: skip

    assert _post("viber", event, signature="0" * 64).status_code == 403
    assert _post("viber", event, signature="").status_code == 403
    assert _post("viber", b"{not json").status_code == 400
    assert _post("viber", {"event": "message", "message_token": 8}).status_code == 400
    assert _post("viber", {"event": "bogus"}).status_code == 400
    assert (_withdrawn(), InboundMessage.objects.count(), Interaction.objects.count()) == (
        [],
        0,
        0,
    )
    path = hook_url("viber").removeprefix(SITE)
    settings.RAPPORT_VIBER_URL = ""  # no provider, no hook
    assert Client().post(path, event, content_type="application/json").status_code == 404


# --- WhatsApp --------------------------------------------------------------------------------


def test_whatsapps_subscription_check_echoes_the_challenge(whatsapp):  # noqa: F811
    path = hook_url("whatsapp").removeprefix(SITE)
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "let-me-in",
        "hub.challenge": "1158201444",
    }

    answer = Client().get(path, query)

    assert (answer.status_code, answer.content, answer["Content-Type"]) == (
        200,
        b"1158201444",
        "text/plain",
    )
    assert Client().get(path, {**query, "hub.verify_token": "guess"}).status_code == 403
    assert Client().get(path, {**query, "hub.mode": "unsubscribe"}).status_code == 403
    assert Client().get(f"/hooks/whatsapp/{hook_secret('viber')}/", query).status_code == 404


def _notification(value: dict) -> dict:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": "1234567890",
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def _status(wamid: str, status: str, **more) -> dict:
    return {"id": wamid, "status": status, "timestamp": "1750263773",
            "recipient_id": "380501234567", **more}  # fmt: skip


def test_whatsapp_statuses_mark_the_message(whatsapp):  # noqa: F811
    message = _sent_on("whatsapp", "380501234567")
    wamid = message.provider_id

    assert (
        _post("whatsapp", _notification({"statuses": [_status(wamid, "sent")]})).status_code == 200
    )
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    both = {"statuses": [_status(wamid, "delivered"), _status(wamid, "read")]}
    assert _post("whatsapp", _notification(both)).status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED

    error = {"code": 131047, "title": "Re-engagement message",
             "message": "Re-engagement message",
             "error_data": {"details": "Message failed to send because more than 24 hours "
                                       "have passed since the customer last replied."}}  # fmt: skip
    failed = {"statuses": [_status(wamid, "failed", errors=[error])]}
    assert _post("whatsapp", _notification(failed)).status_code == 200
    message.refresh_from_db()
    assert (message.status, message.error) == (MessageStatus.FAILED, "131047 Re-engagement message")
    assert Interaction.objects.filter(kind="campaign.delivery").count() == 2


def test_a_whatsapp_reply_lands_on_the_timeline_opens_the_window_and_stop_withdraws(whatsapp):  # noqa: F811
    olena = person(consents=("messenger:marketing",))
    MessengerAccount.objects.create(contact=olena, provider="whatsapp", external_id="380501234567")
    assert whatsapp_window_open("380501234567") is False

    def text(wamid: str, body: str) -> dict:
        return {"from": "380501234567", "id": wamid, "timestamp": "1750263773",
                "type": "text", "text": {"body": body}}  # fmt: skip

    hello = _notification({
        "contacts": [{"profile": {"name": "Olena"}, "wa_id": "380501234567"}],
        "messages": [text("wamid.in1", "Is Crete warm in May?")],
    })  # fmt: skip
    assert _post("whatsapp", hello).status_code == 200
    assert whatsapp_window_open("380501234567") is True
    assert _withdrawn() == []

    stop = _notification({"messages": [text("wamid.in2", "STOP")]})
    assert _post("whatsapp", stop).status_code == 200
    assert _post("whatsapp", stop).status_code == 200

    assert _withdrawn() == [("messenger", "marketing", "reply")]
    entries = Interaction.objects.filter(kind="campaign.reply").order_by("id")
    assert [(e.contact_id, e.channel, e.body, e.text) for e in entries] == [
        (olena.pk, "messenger", "Is Crete warm in May?", "Replied on WhatsApp"),
        (olena.pk, "messenger", "STOP", f"Asked on WhatsApp to stop: {STOPPED_LAST}"),
    ]


def test_a_bad_whatsapp_signature_or_shape_writes_nothing(whatsapp):  # noqa: F811
    olena = person(consents=("messenger:marketing",))
    MessengerAccount.objects.create(contact=olena, provider="whatsapp", external_id="380501234567")
    stop = {"from": "380501234567", "id": "wamid.in9", "type": "text", "text": {"body": "STOP"}}
    good = _notification({"messages": [stop]})
    raw = json.dumps(good).encode()

    assert _post("whatsapp", good, signature="sha256=" + "0" * 64).status_code == 403
    assert _post("whatsapp", good, signature=body_signature(APP_SECRET, raw)).status_code == 403
    assert _post("whatsapp", good, signature="").status_code == 403
    # a valid message followed by a broken one: the whole body is refused, nothing recorded
    broken = _notification({"messages": [stop, {"from": "380501234567", "type": "text"}]})
    assert _post("whatsapp", broken).status_code == 400
    assert (
        _post("whatsapp", {"object": "whatsapp_business_account", "entry": "x"}).status_code == 400
    )
    assert (_withdrawn(), InboundMessage.objects.count(), Interaction.objects.count()) == (
        [],
        0,
        0,
    )
