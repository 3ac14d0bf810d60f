"""Bounces reported after the SMTP server took a message: delivery status notifications
(RFC 3464) piped to `rapport bounces` or posted to the DSN hook, for mail sent through the
real SMTP server. Hard bounces fail the message and suppress the address, soft ones only fail
it; anything that is not a DSN about a message we sent is refused with nothing written."""

import io
import sys

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from rapport.campaigns.hooks import hook_secret, hook_url
from rapport.campaigns.models import Message, MessageStatus, SkipReason, Suppression
from rapport.campaigns.outbox import deliver_due
from rapport.campaigns.services import campaign_enqueue
from rapport.timeline.models import Interaction
from tests.campaigns.conftest import campaign, person
from tests.core.subprocess_env import rapport_env, run_rapport

pytestmark = pytest.mark.django_db


def dsn(
    recipient: str,
    *,
    message_id: str = "",
    action: str = "failed",
    status: str = "5.1.1",
    diagnostic: str = "smtp; 550 5.1.1 User unknown",
    original: str = "headers",
) -> bytes:
    """A delivery status notification as Postfix writes one."""
    returned = ""
    if message_id and original == "headers":
        returned = (
            "--BOUND\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            f"From: offers@travel.example\r\nTo: {recipient}\r\nSubject: Sun\r\n"
            f"Message-ID: {message_id}\r\n\r\n"
        )
    elif message_id:
        returned = (
            "--BOUND\r\nContent-Type: message/rfc822\r\n\r\n"
            f"From: offers@travel.example\r\nTo: {recipient}\r\nSubject: Sun\r\n"
            f"Message-ID: {message_id}\r\n\r\nDear Olena\r\n\r\n"
        )
    return (
        "From: MAILER-DAEMON@mx.example.com\r\nTo: offers@travel.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"\r\n\r\n'
        "--BOUND\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\r\n"
        "--BOUND\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822;{recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\nDiagnostic-Code: {diagnostic}\r\n\r\n"
        f"{returned}--BOUND--\r\n"
    ).encode()


def _sent(*addresses: str) -> list[Message]:
    people = [person(a) for a in addresses]
    winter = campaign()
    campaign_enqueue(campaign=winter, contact_ids=[p.pk for p in people])
    assert deliver_due().sent == len(people)
    return list(Message.objects.order_by("pk"))


def _pipe(raw: bytes, monkeypatch) -> str:
    """`rapport bounces < message.eml`, in this process."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("bounces", stdout=out)
    return out.getvalue().strip()


def test_a_hard_bounce_piped_in_fails_the_message_and_suppresses_the_address(smtp, monkeypatch):
    message, other = _sent("olena@example.com", "john@example.com")
    message_id = smtp.messages[0]["Message-ID"]
    assert message_id == f"<outbox.{message.pk}@travel.example>"

    said = _pipe(dsn("Olena@Example.com", message_id=message_id), monkeypatch)

    assert (
        said
        == f"Message #{message.pk} to olena@example.com: hard bounce recorded; address suppressed."
    )
    message.refresh_from_db()
    assert (message.status, message.reason, message.error) == (
        MessageStatus.FAILED,
        SkipReason.BOUNCED,
        "hard bounce 5.1.1: smtp; 550 5.1.1 User unknown",
    )
    assert list(Suppression.objects.values_list("channel", "address", "reason")) == [
        ("email", "olena@example.com", f"hard bounce, message #{message.pk}")
    ]
    assert [i.text for i in Interaction.objects.filter(kind="campaign.delivery")] == [
        f"E-mail message #{message.pk} could not be delivered"
    ]
    other.refresh_from_db()
    assert other.status == MessageStatus.SENT
    # the suppression stops the next campaign at once
    again = campaign("Spring")
    campaign_enqueue(campaign=again, contact_ids=[message.contact_id])
    assert deliver_due().reasons == {"suppressed": 1}

    # the same notification a second time records nothing more
    assert _pipe(dsn("olena@example.com", message_id=message_id), monkeypatch) == (
        f"Message #{message.pk} to olena@example.com: hard bounce, already recorded."
    )
    assert Interaction.objects.filter(kind="campaign.delivery").count() == 1


def test_a_soft_bounce_fails_the_message_but_keeps_the_address(smtp, monkeypatch):
    (message,) = _sent("olena@example.com")
    raw = dsn(
        "olena@example.com",
        message_id=smtp.messages[0]["Message-ID"],
        status="4.2.2",
        diagnostic="smtp; 452 4.2.2 Mailbox full",
        original="message",
    )

    said = _pipe(raw, monkeypatch)

    assert said == f"Message #{message.pk} to olena@example.com: soft bounce recorded."
    message.refresh_from_db()
    assert (message.status, message.reason, message.error) == (
        MessageStatus.FAILED,
        SkipReason.BOUNCED,
        "soft bounce 4.2.2: smtp; 452 4.2.2 Mailbox full",
    )
    assert Suppression.objects.count() == 0


def test_without_the_original_the_last_mail_to_the_recipient_bounces(smtp, tmp_path):
    first, second = _sent("olena@example.com", "john@example.com")
    path = tmp_path / "bounce.eml"
    path.write_bytes(dsn("john@example.com"))

    out = io.StringIO()
    call_command("bounces", str(path), stdout=out)

    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.status, first.status) == (MessageStatus.FAILED, MessageStatus.SENT)
    assert list(Suppression.objects.values_list("address", flat=True)) == ["john@example.com"]


def test_a_delay_notice_records_nothing(smtp, monkeypatch):
    (message,) = _sent("olena@example.com")
    raw = dsn(
        "olena@example.com",
        message_id=smtp.messages[0]["Message-ID"],
        action="delayed",
        status="4.4.7",
    )

    assert _pipe(raw, monkeypatch) == "No failed recipient in this notification: nothing recorded."
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"", "Not a delivery status notification"),
        (
            b"From: a@b\r\nSubject: hello\r\n\r\nJust mail.\r\n",
            "Not a delivery status notification",
        ),
        (b"\xff\xfe garbage \x00\x01", "Not a delivery status notification"),
        (
            dsn("olena@example.com", status="five"),
            "A failed recipient has no valid Status (such as 5.1.1).",
        ),
        (
            dsn("olena@example.com", message_id="<abc@elsewhere.example>"),
            "The returned message <abc@elsewhere.example> was not sent by Rapport.",
        ),
        (
            dsn("nobody@example.com"),
            "No e-mail was sent to nobody@example.com.",
        ),
    ],
)
def test_garbled_or_unknown_notifications_are_refused_and_write_nothing(
    smtp, monkeypatch, raw, error
):
    (message,) = _sent("olena@example.com")

    with pytest.raises(CommandError) as refused:
        _pipe(raw, monkeypatch)

    assert error in str(refused.value)
    assert refused.value.returncode == 65
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert Suppression.objects.count() == 0
    assert not Interaction.objects.filter(kind="campaign.delivery").exists()


def test_a_message_id_of_ours_for_another_address_is_refused(smtp, monkeypatch):
    (message,) = _sent("olena@example.com")
    raw = dsn("john@example.com", message_id=smtp.messages[0]["Message-ID"])

    with pytest.raises(CommandError) as refused:
        _pipe(raw, monkeypatch)

    assert str(refused.value) == (
        f"No e-mail we sent has the Message-ID <outbox.{message.pk}@travel.example> and the "
        "address john@example.com."
    )
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_the_dsn_hook_records_a_posted_notification(smtp):
    (message,) = _sent("olena@example.com")
    url = hook_url("dsn").removeprefix("https://crm.travel.example")
    assert url == f"/hooks/dsn/{hook_secret('dsn')}/"
    raw = dsn("olena@example.com", message_id=smtp.messages[0]["Message-ID"])

    wrong = Client().post("/hooks/dsn/guess/", raw, content_type="message/rfc822")
    garbled = Client().post(url, b"hello", content_type="message/rfc822")
    posted = Client().post(url, raw, content_type="message/rfc822")

    assert wrong.status_code == 404
    assert (garbled.status_code, garbled.json()) == (
        422,
        {
            "detail": "Not a delivery status notification (multipart/report with a "
            "report-type of delivery-status)."
        },
    )
    assert (posted.status_code, posted.json()) == (
        200,
        {"bounced": [{"message": message.pk, "hard": True, "suppressed": True, "already": False}]},
    )
    message.refresh_from_db()
    assert message.reason == SkipReason.BOUNCED


def test_the_command_line_exits_65_on_garbage(tmp_path):
    path = tmp_path / "not-a-dsn.eml"
    path.write_bytes(b"Subject: hi\r\n\r\nhello\r\n")

    result = run_rapport("bounces", str(path), env=rapport_env(tmp_path))

    assert result.returncode == 65
    assert "Not a delivery status notification" in result.stderr
