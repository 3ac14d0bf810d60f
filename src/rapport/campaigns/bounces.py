"""Bounces that arrive after the SMTP server took a message: a delivery status notification
(RFC 3464, `multipart/report; report-type=delivery-status`) sent back by a mail server, fed
to `rapport bounces` by the MTA (a pipe) or posted to `POST /hooks/dsn/<secret>/`.

Each recipient block whose Action is `failed` is a bounce: Status 5.x.x is hard (the address
does not take mail: the message fails and the address is suppressed, exactly as a 550 at
RCPT TO), 4.x.x soft (the message fails, the address stays). `delayed`, `delivered`,
`relayed` and `expanded` blocks change nothing. The bounced message is found by the
Message-ID of the returned original (`<outbox.N@…>`, channels/smtp.py), else by the
recipient's address (the last e-mail sent to it). Anything else — not a DSN, a failed
block without a status, a message we did not send — is refused with the reason, and
nothing is written."""

import email
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.message import Message as MimeMessage
from email.policy import default as default_policy

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from rapport.campaigns import timeline_kinds as kinds
from rapport.campaigns.models import Message, MessageChannel, MessageStatus, SkipReason
from rapport.campaigns.services import address_suppress
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction

_OUTBOX_ID = re.compile(r"<outbox\.(\d+)@[^>]+>")
_STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}$")
_BOUNCED = (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED)


class BadDsn(Exception):
    """Input that is not a delivery status notification we can act on; says why."""


@dataclass(frozen=True)
class Failure:
    """One recipient the notification says could not be reached."""

    recipients: tuple[str, ...]  # the original and the final recipient, lower case
    status: str  # "5.1.1"
    diagnostic: str

    @property
    def hard(self) -> bool:
        return self.status.startswith("5.")


@dataclass(frozen=True)
class Notification:
    message_id: str  # of the returned original, "" when it did not come back
    failures: list[Failure]


@dataclass(frozen=True)
class Bounced:
    """What recording one failure did."""

    message: int
    address: str
    hard: bool
    suppressed: bool
    already: bool  # the message had bounced before: nothing recorded again


def _address(value: object) -> str:
    # "rfc822; olena@example.com" (the address type is optional in practice)
    text = str(value or "").strip()
    return text.partition(";")[2].strip().lower() if ";" in text else text.lower()


def _text(value: object) -> str:
    return " ".join(str(value or "").split())


def _original_id(report: EmailMessage) -> str:
    for part in report.iter_parts():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            listed = payload if isinstance(payload, list) else []
            originals = [m for m in listed if isinstance(m, MimeMessage)]
            return _text(originals[0]["Message-ID"]) if originals else ""
        if kind in ("text/rfc822-headers", "message/global-headers"):
            headers = email.message_from_string(part.get_content(), policy=default_policy)
            return _text(headers["Message-ID"])
    return ""


def parse(raw: bytes) -> Notification:
    """The failures a DSN reports and the Message-ID of the original; BadDsn otherwise."""
    report = email.message_from_bytes(raw, policy=default_policy)
    if (
        report.get_content_type() != "multipart/report"
        or str(report.get_param("report-type", "")).lower() != "delivery-status"
    ):
        raise BadDsn(
            _(
                "Not a delivery status notification (multipart/report with a report-type "
                "of delivery-status)."
            )
        )
    assert isinstance(report, EmailMessage)
    status_part = next(
        (p for p in report.iter_parts() if p.get_content_type() == "message/delivery-status"),
        None,
    )
    payload = status_part.get_payload() if status_part is not None else None
    blocks = [b for b in payload if isinstance(b, MimeMessage)] if isinstance(payload, list) else []
    if len(blocks) < 2:
        raise BadDsn(_("The report has no message/delivery-status part with recipient fields."))
    failures = []
    for block in blocks[1:]:
        action = _text(block["Action"]).lower()
        if not action:
            raise BadDsn(_("A recipient block has no Action field."))
        if action != "failed":
            continue
        status = _text(block["Status"]).split(" ")[0]
        if not _STATUS.match(status):
            raise BadDsn(_("A failed recipient has no valid Status (such as 5.1.1)."))
        if status.startswith("2."):
            raise BadDsn(_("A recipient is reported failed with a success Status (2.x.x)."))
        recipients = tuple(
            dict.fromkeys(
                a
                for a in (_address(block["Original-Recipient"]), _address(block["Final-Recipient"]))
                if a
            )
        )
        if not recipients:
            raise BadDsn(_("A failed recipient has no Final-Recipient field."))
        failures.append(Failure(recipients, status, _text(block["Diagnostic-Code"])[:500]))
    return Notification(message_id=_original_id(report), failures=failures)


def _message_for(message_id: str, failure: Failure) -> Message:
    sent = Message.objects.select_for_update().filter(
        channel=MessageChannel.EMAIL, sent_at__isnull=False, status__in=_BOUNCED
    )
    match = _OUTBOX_ID.fullmatch(message_id)
    if match:
        message = sent.filter(pk=int(match[1]), address__in=failure.recipients).first()
        if message is None:
            raise BadDsn(
                _("No e-mail we sent has the Message-ID %(id)s and the address %(to)s.")
                % {"id": message_id, "to": ", ".join(failure.recipients)}
            )
        return message
    if message_id:
        raise BadDsn(_("The returned message %(id)s was not sent by Rapport.") % {"id": message_id})
    # No original came back: the last e-mail sent to the address (addresses are stored as
    # given, so compared without regard to case).
    matches = Q()
    for address in failure.recipients:
        matches |= Q(address__iexact=address)
    by_address = sent.filter(matches)
    message = by_address.order_by("-sent_at", "-pk").first()
    if message is None:
        raise BadDsn(_("No e-mail was sent to %(to)s.") % {"to": ", ".join(failure.recipients)})
    return message


@transaction.atomic
def bounce_record(*, raw: bytes) -> list[Bounced]:
    """Record the bounces a DSN reports (see the module docstring): all or, on BadDsn,
    nothing. A notification repeated later records nothing more (a hard bounce after a
    soft one still suppresses the address)."""
    notification = parse(raw)
    done = []
    for failure in notification.failures:
        message = _message_for(notification.message_id, failure)
        # A sent e-mail fails only by bouncing: failed already means this is a repeat.
        already = message.status == MessageStatus.FAILED
        kind = "hard bounce" if failure.hard else "soft bounce"  # data, like a server's answer
        if not already:
            message.status = MessageStatus.FAILED
            message.reason = SkipReason.BOUNCED
            message.error = f"{kind} {failure.status}: {failure.diagnostic}".strip()
            message.save(update_fields=["status", "reason", "error"])
            timeline.record(
                contact=message.contact_id,
                channel=Channel.CAMPAIGN,
                direction=Direction.INBOUND,
                kind=kinds.DELIVERY,
                params={
                    "message": message.pk,
                    "channel": message.channel,
                    "status": MessageStatus.FAILED,
                    "bounce": "hard" if failure.hard else "soft",
                    "dsn_status": failure.status,
                },
                source=message,
            )
        suppressed = failure.hard and address_suppress(
            channel=message.channel, address=message.address, message_id=message.pk
        )
        done.append(Bounced(message.pk, message.address, failure.hard, suppressed, already))
    return done
