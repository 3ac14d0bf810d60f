"""Delivering a campaign's e-mail to a local SMTP server (aiosmtpd, started here): the
outbox's whole path (claim, batch eligibility read, the conditional hand-off per message, the
SMTP exchange, `sent` and its timeline entry) against a baseline of raw smtplib sending the
same messages, already built, on one connection in the same run; and the CPU time of the
sending thread per message on both sides (the rate falls with the machine's load, that less).

Both sides are counted at their server: each must deliver every message exactly once. It
runs outside the rolled-back transaction of the other benchmarks (the outbox's commits are
what it measures), so it removes what it creates itself.
"""

import asyncio
import os
import smtplib
import socket
import threading
import time
from itertools import batched
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone

from rapport.accounts.models import User
from rapport.bench.harness import Bench, Result, served_benchmark
from rapport.campaigns import outbox
from rapport.campaigns.channels.smtp import as_bytes, build
from rapport.campaigns.models import Campaign, CampaignTemplate, Message, MessageStatus
from rapport.campaigns.services import campaign_enqueue
from rapport.contacts.models import ConsentEvent, Contact
from rapport.timeline.models import Interaction

TARGET_PER_S = 500.0
SENDER = "offers@bench.example"


def count() -> int:
    return int(os.environ.get("RAPPORT_BENCH_CAMPAIGN", "5000"))


class _Counter:
    """An SMTP server's handler that keeps the Message-ID of every message it accepts."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.content
        start = content.find(b"Message-ID: <") + len(b"Message-ID: <")
        with self.lock:
            self.ids.append(content[start : content.find(b">", start)].decode())
        return "250 Message accepted for delivery"


def _server(handler: _Counter) -> tuple[Controller, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    controller = Controller(handler, hostname="127.0.0.1", port=port, loop=asyncio.new_event_loop())
    controller.start()
    return controller, port


def _plan(n: int) -> Campaign:
    """`n` contacts who consented to marketing e-mail, and a campaign queued for them."""
    now = timezone.now()
    owner = User.objects.order_by("id").first() or User.objects.create_user("bench-mailing")
    people: list[Contact] = []
    for chunk in batched(range(n), 5000):
        made = Contact.objects.bulk_create(
            Contact(
                first_name=f"Bench{i}",
                last_name="Mailing",
                email=f"bench{i}@mail.example",
                owner=owner,
            )
            for i in chunk
        )
        ConsentEvent.objects.bulk_create(
            ConsentEvent(
                contact=c,
                channel="email",
                purpose="marketing",
                status="granted",
                at=now,
                source="bench",
            )
            for c in made
        )
        people += made
    campaign = Campaign.objects.create(name="Bench mailing", channel="email", status="draft")
    CampaignTemplate.objects.create(
        campaign=campaign,
        language="en",
        subject="Winter sun, {{ first_name }}",
        body_text="Dear {{ first_name }}, seven nights in the sun from 499 EUR.",
        body_html="<p>Dear {{ first_name }}, seven nights in the sun from 499 EUR.</p>",
    )
    assert campaign_enqueue(campaign=campaign, contact_ids=[c.pk for c in people]) == n
    return campaign


def _raw_send(campaign: Campaign, port: int) -> tuple[float, float, int]:
    """Seconds for smtplib to send the campaign's messages, built beforehand, on one
    connection, and the CPU seconds of this thread it took; how many went."""
    built = []
    for message in Message.objects.filter(campaign=campaign).select_related("contact"):
        message.address = message.contact.email
        built.append((message.address, as_bytes(build(outbox.outgoing(message), SENDER))))
    start, cpu = time.perf_counter(), time.thread_time()
    with smtplib.SMTP("127.0.0.1", port, local_hostname="bench.example") as connection:
        for to, content in built:
            connection.sendmail(SENDER, [to], content)
    return time.perf_counter() - start, time.thread_time() - cpu, len(built)


def _remove(campaign: Campaign) -> None:
    contact_ids = list(
        Message.objects.filter(campaign=campaign).values_list("contact_id", flat=True)
    )
    Interaction.objects.filter(contact_id__in=contact_ids).delete()
    campaign.delete()
    for chunk in batched(contact_ids, 5000):
        Contact.objects.filter(pk__in=chunk).delete()


@served_benchmark
def deliver_campaign(bench: Bench) -> list[Result]:
    n = count()
    raw, ours = _Counter(), _Counter()
    raw_server, raw_port = _server(raw)
    our_server, our_port = _server(ours)
    before = settings.RAPPORT_EMAIL_URL, settings.DEFAULT_FROM_EMAIL
    settings.RAPPORT_EMAIL_URL = f"smtp://127.0.0.1:{our_port}"
    settings.DEFAULT_FROM_EMAIL = SENDER
    campaign = _plan(n)
    try:
        baseline, baseline_cpu, built = _raw_send(campaign, raw_port)
        Campaign.objects.filter(pk=campaign.pk).update(status="sending")
        start, cpu = time.perf_counter(), time.thread_time()
        sent = 0
        while True:
            done = outbox.deliver_due(budget=600.0)
            sent += done.sent
            if not done.sent and not done.retried:
                break
        seconds, cpu = time.perf_counter() - start, time.thread_time() - cpu
        statuses = set(Message.objects.filter(campaign=campaign).values_list("status", flat=True))
    finally:
        settings.RAPPORT_EMAIL_URL, settings.DEFAULT_FROM_EMAIL = before
        raw_server.stop()
        our_server.stop()
        _remove(campaign)
    # the same messages on both sides, each received exactly once
    assert built == n == len(raw.ids) == len(set(raw.ids)), (built, n, len(raw.ids))
    assert sent == n == len(ours.ids) == len(set(ours.ids)), (sent, n, len(ours.ids))
    assert sorted(ours.ids) == sorted(raw.ids), "the outbox sent other messages than the baseline"
    assert statuses == {MessageStatus.SENT}, statuses
    return [
        Result(
            f"deliver a {n:,}-message campaign over SMTP (per second)",
            n / seconds,
            n / baseline,
            "/s",
            target=TARGET_PER_S,
            at_least=True,
        ),
        # The servers run in this process's other threads: this thread's CPU is the sender's
        # alone, and does not grow with the machine's load as the rate above falls with it.
        Result(
            f"deliver a {n:,}-message campaign: CPU of the sending thread per message",
            cpu / n * 1e6,
            baseline_cpu / n * 1e6,
            "µs",
        ),
    ]
