"""Exactly once under `kill -9`: a campaign sent by several delivery worker processes, 20 of
which are killed with SIGKILL at random moments during the send and restarted, counted from
what a local SMTP server (aiosmtpd, in this process) received: duplicates plus recipients
who never received their message (target 0). The baseline is the same send, of the same
messages (same outbox rows, so the same Message-IDs), by the same workers without kills;
it must deliver every message exactly once, or the benchmark stops.

A message a kill caught between the provider taking it and its `sent` being recorded is
marked `review` (it went out, and is never sent again): it counts as received, not as
skipped. One a kill caught after its hand-off was committed but before its content reached
the server is `review` too, and was never received: that counts as skipped.

The workers run with a 2-second lease and a 1-second first backoff (120 s and 30 s in
production), so that the claims of killed workers are recovered within the run. It writes to
the database and removes what it creates.
"""

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from django.utils import timezone

from rapport.bench.campaigns import SENDER, _Counter, _plan, _remove, _server
from rapport.bench.harness import Bench, Result, served_benchmark
from rapport.campaigns.models import Campaign, Message, MessageStatus
from rapport.timeline.models import Interaction

KILLS = int(os.environ.get("RAPPORT_BENCH_KILLS", "20"))  # more, to measure a rare window
WORKERS = 3
LEASE_S = 2
WORKER = """
import os, time, datetime as dt
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
import django
django.setup()
from rapport.campaigns import config
from rapport.campaigns.outbox import deliver_due
config.BACKOFF = dt.timedelta(seconds=1)
while True:
    done = deliver_due(batch=50, budget=0.5)
    if not (done.sent or done.skipped or done.retried or done.failed or done.review):
        time.sleep(0.05)
"""


def count() -> int:
    return int(os.environ.get("RAPPORT_BENCH_KILLED_SEND", "4000"))


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 (our own command line)
        [sys.executable, "-c", WORKER],
        env=env,
        cwd=Path.cwd(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _in_send_loop(pid: int) -> bool:
    """Whether the worker process `pid` is in the middle of sending a batch: it holds a
    claimed message already handed over (its name in `lease_owner` is host:pid:random)."""
    return Message.objects.filter(
        status=MessageStatus.SENDING, lease_owner__contains=f":{pid}:", handed_at__isnull=False
    ).exists()


def _settled(campaign: Campaign) -> bool:
    return not Message.objects.filter(
        campaign=campaign, status__in=(MessageStatus.QUEUED, MessageStatus.SENDING)
    ).exists()


def _send(
    campaign: Campaign, env: dict[str, str], *, kills: int, seed: int, timeout: float = 600.0
) -> tuple[float, int]:
    """Seconds for `WORKERS` worker processes to settle the campaign's messages, killing and
    restarting one caught in the middle of sending, at random, `kills` times while more than
    a twentieth of them are still queued; the kills made."""
    randomly = random.Random(seed)
    n = Message.objects.filter(campaign=campaign).count()
    start = time.perf_counter()
    Campaign.objects.filter(pk=campaign.pk).update(status="sending")
    workers = [_worker(env) for _ in range(WORKERS)]
    killed = 0
    try:
        while (
            killed < kills
            and Message.objects.filter(campaign=campaign, status=MessageStatus.QUEUED).count()
            > n // 20
        ):
            time.sleep(randomly.uniform(0.05, 0.5))
            # a worker in the middle of sending: a kill while one is still starting up
            # (Django's setup, its first claim) would test nothing
            sending = [i for i, worker in enumerate(workers) if _in_send_loop(worker.pid)]
            if not sending:
                continue
            victim = randomly.choice(sending)
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            killed += 1
            workers[victim] = _worker(env)
        while not _settled(campaign):
            if time.perf_counter() - start > timeout:
                raise AssertionError(f"the outbox did not settle in {timeout:.0f} s")
            time.sleep(0.05)
        seconds = time.perf_counter() - start
    finally:
        _stop(workers)
    return seconds, killed


def _reset(campaign: Campaign) -> None:
    """The campaign's messages queued again as they were before any send, their timeline
    entries gone: the second side sends the very same outbox rows."""
    contact_ids = Message.objects.filter(campaign=campaign).values_list("contact_id", flat=True)
    Interaction.objects.filter(contact_id__in=contact_ids).delete()
    Message.objects.filter(campaign=campaign).update(
        status=MessageStatus.QUEUED,
        reason="",
        error="",
        attempts=0,
        available_at=timezone.now(),
        lease_owner="",
        lease_until=None,
        handed_at=None,
        provider_id="",
        sent_at=None,
    )
    Campaign.objects.filter(pk=campaign.pk).update(status="draft")


@served_benchmark
def deliver_with_kills(bench: Bench) -> list[Result]:
    n = count()
    clean, killed_side = _Counter(), _Counter()
    campaign = _plan(n)
    planned = {
        f"outbox.{pk}@bench.example" for pk in campaign.messages.values_list("pk", flat=True)
    }
    base_env = {
        **os.environ,
        "RAPPORT_FROM_EMAIL": SENDER,
        "RAPPORT_OUTBOX_LEASE": str(LEASE_S),
    }
    try:
        server, port = _server(clean)
        try:
            baseline, _ = _send(
                campaign,
                {**base_env, "RAPPORT_EMAIL_URL": f"smtp://127.0.0.1:{port}"},
                kills=0,
                seed=0,
            )
        finally:
            server.stop()
        _reset(campaign)
        server, port = _server(killed_side)
        try:
            seconds, kills = _send(
                campaign,
                {**base_env, "RAPPORT_EMAIL_URL": f"smtp://127.0.0.1:{port}"},
                kills=KILLS,
                seed=11,
            )
        finally:
            server.stop()
        states = Counter(Message.objects.filter(campaign=campaign).values_list("status", flat=True))
    finally:
        _remove(campaign)
    # the baseline delivered every planned message exactly once: the set both sides must reach
    assert len(clean.ids) == len(set(clean.ids)), "the baseline sent a message twice"
    assert set(clean.ids) == planned, len(set(clean.ids) ^ planned)
    received = Counter(killed_side.ids)
    assert set(received) <= planned, "the server received messages of no planned recipient"
    duplicates = sum(times - 1 for times in received.values())
    skipped = len(planned - set(received))
    assert kills == KILLS, f"the send ended after {kills} kills"
    print(
        f"delivery under {kills} kills: received {len(received):,} of {n:,}, "
        f"{duplicates} duplicates, {skipped} skipped; outbox {dict(states)}"
    )
    label = f"{KILLS} kill -9 of {WORKERS} workers sending {n:,} messages"
    return [
        Result(f"{label}: duplicates + skipped", duplicates + skipped, 0, "", target=0),
        Result(f"{label}: messages per second", n / seconds, n / baseline, "/s"),
    ]
