"""Webhooks from the providers: Twilio status callbacks and inbound SMS (signed with
X-Twilio-Signature), Telegram updates (with the secret-token header). Receipts and replies
land on the timeline; STOP and its ru/uk/lt equivalents withdraw the channel's consents."""

import json

import pytest
from django.test import Client

from rapport.campaigns import outbox
from rapport.campaigns.hooks import hook_secret, hook_url, twilio_signature
from rapport.campaigns.models import InboundMessage, Message, MessageStatus, MessengerAccount
from rapport.campaigns.services import campaign_enqueue
from rapport.campaigns.stopwords import asks_to_stop
from rapport.contacts.models import ConsentEvent, ContactPhone
from rapport.timeline.models import Interaction
from tests.campaigns.conftest import campaign, person
from tests.campaigns.test_sms_messenger import SMS, twilio  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
TOKEN = "tok3n"


@pytest.fixture(autouse=True)
def site(settings):
    settings.RAPPORT_SITE_URL = "https://crm.travel.example"
    settings.RAPPORT_SMS_URL = f"twilio://AC123:{TOKEN}@api.twilio.com/?from=%2B15550001111"


def _twilio(form: dict[str, str], *, signature: str | None = None):
    url = hook_url("twilio")
    sign = signature if signature is not None else twilio_signature(TOKEN, url, form)
    return Client().post(
        url.removeprefix("https://crm.travel.example"), form, HTTP_X_TWILIO_SIGNATURE=sign
    )


def _texting(phone: str = "+380501234567", **kwargs):
    contact = person(phone=phone, consents=("sms:marketing", "sms:service"), **kwargs)
    ContactPhone.objects.create(contact=contact, number=phone, is_primary=True)
    return contact


@pytest.mark.parametrize(
    ("text", "stop"),
    [
        ("STOP", True),
        (" stop. ", True),
        ("Стоп!", True),
        ("СТОП", True),
        ("відписатися", True),
        ("Atsisakyti", True),
        ("unsubscribe", True),
        ("stop sending me this", False),
        ("Thanks, see you", False),
        ("", False),
    ],
)
def test_stop_words(text, stop):
    assert asks_to_stop(text) is stop


def test_a_status_callback_marks_the_sms_delivered_or_not(twilio, settings):  # noqa: F811
    olena, taras = _texting(), _texting("+380507654321")
    campaign_enqueue(
        campaign=campaign(channel="sms", templates=SMS), contact_ids=[olena.pk, taras.pk]
    )
    outbox.deliver_due()
    assert twilio.requests[0]["body"]["StatusCallback"] == hook_url("twilio")
    first, second = Message.objects.order_by("pk")
    settings.RAPPORT_SMS_URL = f"twilio://AC123:{TOKEN}@api.twilio.com/?from=%2B1555"  # signs

    assert (
        _twilio({"MessageSid": first.provider_id, "MessageStatus": "delivered"}).status_code == 200
    )
    assert (
        _twilio({"MessageSid": first.provider_id, "MessageStatus": "delivered"}).status_code == 200
    )
    assert (
        _twilio(
            {"MessageSid": second.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
        ).status_code
        == 200
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == MessageStatus.DELIVERED
    assert (second.status, second.error) == (MessageStatus.FAILED, "30003")
    assert [
        i.text for i in Interaction.objects.filter(kind="campaign.delivery").order_by("id")
    ] == [
        f"SMS message #{first.pk} delivered",
        f"SMS message #{second.pk} could not be delivered",
    ]


def test_stop_by_sms_withdraws_sms_consents_and_lands_on_the_timeline():
    olena = _texting(language="uk")
    form = {"MessageSid": "SMin1", "From": "+380501234567", "To": "+1555", "Body": "Стоп"}

    assert _twilio(form).status_code == 200
    assert _twilio(form).status_code == 200  # Twilio repeating itself changes nothing

    withdrawn = ConsentEvent.objects.filter(contact=olena, status="withdrawn")
    assert sorted(withdrawn.values_list("channel", "purpose", "source")) == [
        ("sms", "marketing", "reply"),
        ("sms", "service", "reply"),
    ]
    [entry] = Interaction.objects.filter(kind="campaign.reply")
    assert (entry.channel, entry.direction, entry.body) == ("sms", "inbound", "Стоп")
    assert entry.text == "Replied by SMS asking to stop; consent withdrawn"
    assert InboundMessage.objects.get().stop is True


def test_an_ordinary_reply_is_only_recorded():
    olena = _texting()

    _twilio({"MessageSid": "SMin2", "From": "+380501234567", "Body": "Is Crete warm in May?"})

    assert ConsentEvent.objects.filter(contact=olena, status="withdrawn").count() == 0
    assert [i.text for i in Interaction.objects.filter(kind="campaign.reply")] == ["Replied by SMS"]


def test_a_bad_signature_or_secret_is_refused():
    _texting()
    form = {"MessageSid": "SMin3", "From": "+380501234567", "Body": "STOP"}

    assert _twilio(form, signature="forged").status_code == 403
    assert Client().post("/hooks/twilio/wrong/", form).status_code == 404
    assert Client().post(f"/hooks/viber/{hook_secret('viber')}/", form).status_code == 404
    assert ConsentEvent.objects.filter(status="withdrawn").count() == 0
    assert _twilio({"Unrelated": "1"}).status_code == 400


def test_stop_to_the_telegram_bot_withdraws_messenger_consents():
    olena = person(consents=("messenger:marketing",))
    MessengerAccount.objects.create(contact=olena, provider="telegram", external_id="777001")
    update = {
        "update_id": 10,
        "message": {"message_id": 5, "chat": {"id": 777001}, "text": "ATSISAKYTI"},
    }
    path = hook_url("telegram").removeprefix("https://crm.travel.example")

    response = Client().post(
        path,
        json.dumps(update),
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=hook_secret("telegram"),
    )

    assert response.status_code == 200
    assert list(
        ConsentEvent.objects.filter(status="withdrawn").values_list("channel", "purpose")
    ) == [("messenger", "marketing")]
    unsigned = Client().post(path, json.dumps(update), content_type="application/json")
    assert unsigned.status_code == 403
    broken = Client().post(
        path,
        "{not json",
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=hook_secret("telegram"),
    )
    assert broken.status_code == 400
