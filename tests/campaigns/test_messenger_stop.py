"""A STOP on one messenger stops that messenger only: the account is opted out and the outbox
passes it by (the person's other messengers carry on); the messenger consents are withdrawn
when no account of theirs is left active. Viber's "unsubscribed" does the same."""

import pytest
from django.utils import timezone

from rapport.campaigns import hooks, outbox, targeting
from rapport.campaigns.models import Message, MessageStatus, MessengerAccount, SkipReason
from rapport.campaigns.services import campaign_enqueue
from rapport.contacts.models import ConsentEvent, Contact
from rapport.timeline.models import Interaction
from tests.campaigns.conftest import campaign, person
from tests.campaigns.test_sms_messenger import SMS, telegram  # noqa: F401  (fixture)
from tests.campaigns.test_viber_whatsapp import whatsapp  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
WA_ID, CHAT_ID, VIBER_ID = "380501234567", "555", "01234567890A="


def _with_accounts(*accounts: tuple[str, str]):
    olena = person(consents=("messenger:marketing", "messenger:service"))
    for provider, external_id in accounts:  # oldest first: the last is the preferred one
        MessengerAccount.objects.create(contact=olena, provider=provider, external_id=external_id)
    return olena


def _stop(provider: str, sender: str, external_id: str, text: str = "STOP") -> int:
    return hooks.reply(
        provider=provider, external_id=external_id, channel="messenger", sender=sender, text=text
    )


def _withdrawn() -> list[tuple[str, str, str]]:
    events = ConsentEvent.objects.filter(status="withdrawn").order_by("purpose")
    return list(events.values_list("channel", "purpose", "source"))


def _stopped() -> list[tuple[str, bool]]:
    rows = MessengerAccount.objects.order_by("pk")
    return [(a.provider, a.opted_out_at is not None) for a in rows]


def _replies() -> list[str]:
    return [i.text for i in Interaction.objects.filter(kind="campaign.reply").order_by("id")]


def test_a_stop_on_whatsapp_leaves_telegram_and_consent_and_the_next_message_goes_there(
    telegram,  # noqa: F811
    whatsapp,  # noqa: F811
):
    olena = _with_accounts(("telegram", CHAT_ID), ("whatsapp", WA_ID))

    assert _stop("whatsapp", WA_ID, "wamid.in1") == 1

    assert _stopped() == [("telegram", False), ("whatsapp", True)]
    assert _withdrawn() == []
    assert _replies() == [
        "Asked on WhatsApp to stop: no more messages there; their other messengers still get "
        "messages"
    ]
    campaign_enqueue(campaign=campaign(channel="messenger", templates=SMS), contact_ids=[olena.pk])
    assert outbox.deliver_due().sent == 1
    assert [r["body"]["chat_id"] for r in telegram.requests] == [CHAT_ID]
    assert whatsapp.requests == []


def test_a_stop_on_the_last_active_messenger_withdraws_the_messenger_consents(telegram):  # noqa: F811
    olena = _with_accounts(("telegram", CHAT_ID), ("whatsapp", WA_ID))
    _stop("whatsapp", WA_ID, "wamid.in1")

    assert _stop("telegram", CHAT_ID, f"{CHAT_ID}:9", text="стоп") == 1

    assert _stopped() == [("telegram", True), ("whatsapp", True)]
    assert _withdrawn() == [("messenger", "marketing", "reply"), ("messenger", "service", "reply")]
    assert _replies()[-1] == (
        "Asked on Telegram to stop: no more messages there; messenger consent withdrawn "
        "(no other messenger left)"
    )
    campaign_enqueue(campaign=campaign(channel="messenger", templates=SMS), contact_ids=[olena.pk])
    assert outbox.deliver_due().skipped == 1
    assert Message.objects.get().reason == SkipReason.NO_CONSENT
    assert telegram.requests == []


def test_leaving_the_viber_bot_with_telegram_still_active_keeps_the_consent():
    _with_accounts(("telegram", CHAT_ID), ("viber", VIBER_ID))

    assert hooks.unsubscribed(provider="viber", external_id="u:1", sender=VIBER_ID) == 1

    assert _stopped() == [("telegram", False), ("viber", True)]
    assert _withdrawn() == []
    entries = Interaction.objects.filter(kind="campaign.messenger_unsubscribed")
    assert [e.text for e in entries] == [
        "Unsubscribed from the Viber bot; their other messengers still get messages"
    ]


def test_an_ordinary_reply_stops_nothing():
    _with_accounts(("whatsapp", WA_ID))

    _stop("whatsapp", WA_ID, "wamid.in1", text="Is Crete warm in May?")

    assert (_stopped(), _withdrawn(), _replies()) == (
        [("whatsapp", False)],
        [],
        ["Replied on WhatsApp"],
    )


def test_the_preview_counts_a_contact_whose_only_account_is_stopped_as_without_address():
    olena = _with_accounts(("whatsapp", WA_ID))
    ieva = _with_accounts(("whatsapp", "37060000000"))
    MessengerAccount.objects.filter(contact=olena).update(opted_out_at=timezone.now())
    made = campaign(channel="messenger", status="draft", templates=SMS)
    members = Contact.objects.filter(pk__in=[olena.pk, ieva.pk])

    members, fates = targeting.with_fates(members, made, now=timezone.now())

    assert sorted(members.filter(fates.no_address).values_list("pk", flat=True)) == [olena.pk]
    assert sorted(members.filter(fates.eligible).values_list("pk", flat=True)) == [ieva.pk]


def test_the_hand_off_refuses_an_account_stopped_after_the_batch_was_read():
    olena = _with_accounts(("whatsapp", WA_ID))
    made = campaign(channel="messenger", templates=SMS)
    message = Message.objects.create(
        campaign=made,
        contact=olena,
        channel="messenger",
        purpose="marketing",
        body_text="Spring",
        status=MessageStatus.SENDING,
        lease_owner="w1",
        available_at=timezone.now(),
    )
    MessengerAccount.objects.update(opted_out_at=timezone.now())

    refused = outbox._hand_off_checked(message, WA_ID, worker="w1", cap=None)
    MessengerAccount.objects.update(opted_out_at=None)
    handed = outbox._hand_off_checked(message, WA_ID, worker="w1", cap=None)

    assert (refused, handed) == (False, True)
