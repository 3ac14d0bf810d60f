"""SMS (Twilio's API) and messenger (Telegram's Bot API) messages through local fake
servers that answer as the real ones do: success, refusals, rate limits, outages and a
connection dropped after the request went over."""

import datetime as dt
from collections.abc import Iterator

import pytest

from rapport.campaigns import outbox
from rapport.campaigns.models import (
    Message,
    MessageStatus,
    MessengerAccount,
    SkipReason,
    Suppression,
)
from rapport.campaigns.services import campaign_enqueue
from tests.campaigns.conftest import campaign, free_port, person
from tests.campaigns.fakes import Scripted, fake_api

pytestmark = pytest.mark.django_db
SMS = (("en", "", "Hi {{ first_name }}: 10% off Crete this week.", ""),)


@pytest.fixture
def twilio(settings) -> Iterator[Scripted]:
    with fake_api("twilio") as (state, port):
        settings.RAPPORT_SMS_URL = (
            f"twilio+http://AC123:tok3n@127.0.0.1:{port}/?from=%2B15550001111"
        )
        yield state


@pytest.fixture
def telegram(settings) -> Iterator[Scripted]:
    with fake_api("telegram") as (state, port):
        settings.RAPPORT_TELEGRAM_URL = f"telegram+http://123456:ABC-def@127.0.0.1:{port}"
        yield state


def _sms_to(*phones: str) -> list[Message]:
    people = [person(phone=p, consents=("sms:marketing",)) for p in phones]
    campaign_enqueue(
        campaign=campaign(channel="sms", templates=SMS), contact_ids=[p.pk for p in people]
    )
    return list(Message.objects.order_by("pk"))


def test_an_sms_goes_to_twilios_messages_api_with_its_sid_kept(twilio):
    [message] = _sms_to("+380501234567")

    assert outbox.deliver_due().sent == 1

    [request] = twilio.requests
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["auth"] == "Basic QUMxMjM6dG9rM24="  # AC123:tok3n
    assert request["body"]["To"] == "+380501234567"
    assert request["body"]["From"] == "+15550001111"
    assert request["body"]["Body"].startswith("Hi Olena: 10% off Crete this week.")
    message.refresh_from_db()
    assert (message.status, message.provider_id) == (MessageStatus.SENT, f"SM{1:032d}")


def test_twilio_429_waits_for_retry_after_then_sends(twilio, clock):
    [message] = _sms_to("+380501234567")
    twilio.answers = [(429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": "7"})]

    assert outbox.deliver_due().retried == 1
    message.refresh_from_db()
    assert (message.status, message.available_at) == (
        MessageStatus.QUEUED,
        clock.now + dt.timedelta(seconds=7),
    )
    assert message.error == "429 20429 Too Many Requests"
    clock.now += dt.timedelta(seconds=7)
    assert outbox.deliver_due().sent == 1
    assert len(twilio.requests) == 2


def test_a_bad_number_is_refused_and_a_503_retried(twilio):
    bad, busy = _sms_to("+380501234567", "+380507654321")
    twilio.answers = [
        (400, {"code": 21211, "message": "The 'To' number is not a valid phone number."}, {}),
        (503, {"message": "Service Unavailable"}, {}),
    ]

    result = outbox.deliver_due()

    assert (result.failed, result.retried) == (1, 1)
    bad.refresh_from_db()
    busy.refresh_from_db()
    assert (bad.status, bad.reason) == (MessageStatus.FAILED, SkipReason.REJECTED)
    assert bad.error == "400 21211 The 'To' number is not a valid phone number."
    assert busy.status == MessageStatus.QUEUED
    assert list(Suppression.objects.values_list("channel", "address")) == [("sms", "+380501234567")]


def test_a_500_or_a_dropped_answer_is_reviewed_never_resent(twilio, clock):
    _sms_to("+380501234567", "+380507654321")
    twilio.answers = [(500, {"message": "Internal error"}, {}), "hang"]

    result = outbox.deliver_due()

    assert result.review == 2
    assert list(Message.objects.values_list("status", "reason")) == [
        (MessageStatus.REVIEW, SkipReason.UNKNOWN_OUTCOME),
        (MessageStatus.REVIEW, SkipReason.UNKNOWN_OUTCOME),
    ]
    clock.now += dt.timedelta(days=1)
    outbox.deliver_due()
    assert len(twilio.requests) == 2


def test_an_unreachable_provider_requeues(settings):
    settings.RAPPORT_SMS_URL = f"twilio+http://AC1:t@127.0.0.1:{free_port()}/?from=%2B1555"
    [message] = _sms_to("+380501234567")

    assert outbox.deliver_due().retried == 1
    message.refresh_from_db()
    assert (message.status, message.handed_at) == (MessageStatus.QUEUED, None)


def test_a_telegram_message_goes_to_the_contacts_chat(telegram):
    olena = person(consents=("messenger:marketing",))
    MessengerAccount.objects.create(contact=olena, provider="telegram", external_id="777001")
    nobody = person(consents=("messenger:marketing",))
    campaign_enqueue(
        campaign=campaign(channel="messenger", templates=SMS), contact_ids=[olena.pk, nobody.pk]
    )

    result = outbox.deliver_due()

    assert (result.sent, dict(result.reasons)) == (1, {"no_address": 1})
    [request] = telegram.requests
    assert request["path"] == "/bot123456:ABC-def/sendMessage"
    assert request["body"]["chat_id"] == "777001"
    assert request["body"]["text"].startswith("Hi Olena: 10% off Crete this week.")
    assert Message.objects.get(contact=olena).provider_id == "777001:1"


def test_telegram_rate_limit_and_a_blocked_bot(telegram, clock):
    people = [person(consents=("messenger:marketing",)) for _ in range(2)]
    for number, someone in enumerate(people):
        MessengerAccount.objects.create(
            contact=someone, provider="telegram", external_id=f"{number}"
        )
    campaign_enqueue(
        campaign=campaign(channel="messenger", templates=SMS), contact_ids=[p.pk for p in people]
    )
    telegram.answers = [
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 5",
                "parameters": {"retry_after": 5},
            },
            {},
        ),
        (
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
            {},
        ),
    ]

    result = outbox.deliver_due()

    assert (result.retried, result.failed) == (1, 1)
    limited, blocked = Message.objects.order_by("pk")
    assert limited.available_at == clock.now + dt.timedelta(seconds=5)
    assert blocked.error == "403 Forbidden: bot was blocked by the user"
    # messages are sent in their own order, which need not be the order of contact_ids
    chat = MessengerAccount.objects.get(contact_id=blocked.contact_id).external_id
    assert telegram.requests[1]["body"]["chat_id"] == chat
    assert list(Suppression.objects.values_list("channel", "address")) == [("messenger", chat)]
