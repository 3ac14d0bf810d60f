"""A real SMTP server (aiosmtpd) on a free local port, and contacts ready to be messaged."""

import asyncio
import email
import socket
import threading
from collections.abc import Iterator
from email.message import Message as MimeMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from rapport.campaigns.models import Campaign, CampaignStatus, CampaignTemplate
from rapport.contacts import services as contacts
from rapport.contacts.models import Contact
from rapport.segments.models import Segment, SegmentMember
from tests.factories import ContactFactory


class Mailbox:
    """What the SMTP server received, and how it answers: `refuse_rcpt` / `refuse_data`
    ("550 …", "451 …") for the next messages."""

    def __init__(self) -> None:
        self.messages: list[MimeMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.connections = 0
        self.refuse_rcpt = ""
        self.refuse_data = ""
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        parsed = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append(parsed)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings) -> Iterator[Mailbox]:
    """A local SMTP server the outbox sends to (RAPPORT_EMAIL_URL points at it)."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    settings.RAPPORT_EMAIL_URL = f"smtp://127.0.0.1:{port}"
    settings.DEFAULT_FROM_EMAIL = "offers@travel.example"
    settings.RAPPORT_SITE_URL = "https://crm.travel.example"
    try:
        yield mailbox
    finally:
        controller.stop()


def person(
    email: str = "",
    *,
    phone: str = "",
    language: str = "",
    consents: tuple[str, ...] = ("email:marketing",),
    first_name: str = "Olena",
) -> Contact:
    """A contact with these addresses and consents granted ("channel:purpose")."""
    contact = ContactFactory(
        first_name=first_name, last_name="Kovalenko", email=email, phone=phone, language=language
    )
    for pair in consents:
        channel, purpose = pair.split(":")
        grant(contact, channel, purpose)
    return contact


def grant(contact: Contact, channel: str, purpose: str = "marketing", status: str = "granted"):
    contacts.consent_record(
        actor=None,
        contact=contact,
        channel=channel,
        purpose=purpose,
        status=status,
        source="web form",
    )


def campaign(
    name: str = "Winter sun",
    *,
    channel: str = "email",
    purpose: str = "marketing",
    status: str = CampaignStatus.SENDING,
    templates: tuple[tuple[str, str, str, str], ...] = (
        ("en", "Hello {{ first_name }}", "Dear {{ first_name }}, winter sun awaits.", ""),
    ),
) -> Campaign:
    made = Campaign.objects.create(name=name, channel=channel, purpose=purpose, status=status)
    for position, (language, subject, text, html) in enumerate(templates):
        CampaignTemplate.objects.create(
            campaign=made,
            language=language,
            position=position,
            subject=subject,
            body_text=text,
            body_html=html,
        )
    return made


@pytest.fixture
def audience(users):
    """A static segment of three: Olena and Ieva may get e-mail, Taras gave no consent."""
    olena = person("olena@example.com", first_name="Olena")
    ieva = person("ieva@example.com", first_name="Ieva")
    taras = person("taras@example.com", first_name="Taras", consents=())
    segment = Segment.objects.create(name="Sun seekers", kind="static", owner=users["marketer"])
    SegmentMember.objects.bulk_create(
        SegmentMember(segment=segment, contact=c, since=timezone.now())
        for c in (olena, ieva, taras)
    )
    return {"segment": segment, "olena": olena, "ieva": ieva, "taras": taras}


def campaign_form(segment=None, **changes) -> dict:
    data = {
        "name": "Spring in Crete",
        "goal": "Fill the April flights",
        "segment": segment.pk if segment else "",
        "channel": "email",
        "fallback_channel": "",
        "purpose": "marketing",
        "scheduled_at": "2030-04-01T09:30",
        "quiet_from": "21:00",
        "quiet_to": "09:00",
        "holdout_percent": "10",
        "subject_en": "Hello {{ first_name }}",
        "text_en": "Dear {{ first_name }}, spring is here.",
        "html_en": "",
        "subject_uk": "Привіт, {{ first_name }}",
        "text_uk": "Весна прийшла, {{ first_name }}.",
    }
    data.update(changes)
    return data
