"""An e-mail is staged on the SMTP connection (everything but its final dot) before its
hand-off is committed: a hand-off refused then, or a worker stopped then, leaves nothing at
the server, and the message is decided or sent again exactly as before."""

import datetime as dt
import time

import pytest
from django.db import connection

from rapport.campaigns import outbox
from rapport.campaigns.channels.smtp import SmtpProvider
from rapport.campaigns.models import Message, MessageStatus, SkipReason
from rapport.campaigns.services import campaign_enqueue
from rapport.core import commit
from tests.campaigns.conftest import campaign, grant, person

pytestmark = pytest.mark.django_db


def _received(smtp) -> list[str]:
    return [m["To"] for m in smtp.messages]


def _before_hand_off(monkeypatch, address: str, action) -> None:
    """Run `action(message)` when the message to `address` is about to be handed off."""
    hand_off = outbox._hand_off_checked

    def checked(message, to, **kwargs):
        if to == address:
            action(message)
        return hand_off(message, to, **kwargs)

    monkeypatch.setattr(outbox, "_hand_off_checked", checked)


def test_a_hand_off_refused_after_staging_leaves_nothing_at_the_server(smtp, monkeypatch):
    people = [person(f"p{i}@example.com") for i in range(3)]
    campaign_enqueue(campaign=campaign(), contact_ids=[p.pk for p in people])
    # withdrawn after the batch read, while the message is staged: the hand-off says no
    _before_hand_off(
        monkeypatch,
        "p1@example.com",
        lambda message: grant(people[1], "email", status="withdrawn"),
    )

    result = outbox.deliver_due()

    assert (result.sent, dict(result.reasons)) == (2, {SkipReason.NO_CONSENT: 1})
    assert _received(smtp) == ["p0@example.com", "p2@example.com"]
    assert smtp.connections == 2  # the staged one was dropped, the next went on a new one
    assert sorted(Message.objects.values_list("contact__email", "status")) == [
        ("p0@example.com", MessageStatus.SENT),
        ("p1@example.com", MessageStatus.SKIPPED),
        ("p2@example.com", MessageStatus.SENT),
    ]


def test_a_worker_stopped_after_staging_before_the_hand_off_sends_it_later_once(
    smtp, monkeypatch, clock
):
    people = [person(f"p{i}@example.com") for i in range(3)]
    campaign_enqueue(campaign=campaign(), contact_ids=[p.pk for p in people])

    stops = [SystemExit("killed between staging and the hand-off")]

    def stopped(message):
        if stops:
            raise stops.pop()

    _before_hand_off(monkeypatch, "p1@example.com", stopped)
    with pytest.raises(SystemExit):
        outbox.deliver_due()

    assert _received(smtp) == ["p0@example.com"]  # the server dropped what was staged
    staged = Message.objects.get(contact=people[1])
    assert (staged.status, staged.handed_at) == (MessageStatus.SENDING, None)
    clock.now += outbox.config.lease() + dt.timedelta(seconds=1)
    assert outbox.deliver_due().recovered == 2  # never handed: queued again, after a backoff
    clock.now += outbox.config.retry_delay(1)
    assert outbox.deliver_due().sent == 2

    assert sorted(_received(smtp)) == ["p0@example.com", "p1@example.com", "p2@example.com"]
    assert len(set(smtp.message_ids())) == 3
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pipelined COMMIT")
def test_on_postgresql_the_final_dot_goes_out_while_the_hand_offs_commit_is_on_its_way(
    smtp, monkeypatch
):
    """A kill between the hand-off's COMMIT and the dot left a message handed and never
    sent (3-7 of 4,000 under 20 kills). The dot is written once the COMMIT is sent (the
    other connection sees it committed), before its answer is read."""
    people = [person(f"p{i}@example.com") for i in range(2)]
    campaign_enqueue(campaign=campaign(), contact_ids=[p.pk for p in people])
    release, seen = SmtpProvider.release, []
    other = connection.copy()

    def handed(address: str) -> bool:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT m.handed_at IS NOT NULL FROM campaigns_message m "
                "JOIN contacts_contact c ON c.id = m.contact_id WHERE c.email = %s",
                [address],
            )
            return cursor.fetchone()[0]

    def watched(provider):
        staged = provider.staged.message.to
        waiting = connection.connection.pgconn.pipeline_status != 0  # its answer unread
        deadline = time.monotonic() + 5  # PostgreSQL has the COMMIT: it gets there
        while not handed(staged) and time.monotonic() < deadline:
            time.sleep(0.005)
        seen.append((staged, waiting, handed(staged)))
        release(provider)

    monkeypatch.setattr(SmtpProvider, "release", watched)
    try:
        result = outbox.deliver_due()
    finally:
        other.close()

    assert result.sent == 2
    assert seen == [("p0@example.com", True, True), ("p1@example.com", True, True)]
    assert sorted(_received(smtp)) == ["p0@example.com", "p1@example.com"]
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}


def test_a_hand_off_whose_commit_failed_after_the_dot_is_recorded_handed_and_sent(
    smtp, monkeypatch
):
    """The dot is out when the commit's answer says it failed: the message went, so the
    hand-off is written again and the server's answer recorded, not a second send."""
    people = [person(f"p{i}@example.com") for i in range(2)]
    campaign_enqueue(campaign=campaign(), contact_ids=[p.pk for p in people])

    def failing(work, beside):
        beside()
        raise commit.CommitFailed("the server went away")

    monkeypatch.setattr(commit, "beside_possible", lambda: True)
    monkeypatch.setattr(commit, "commit_beside", failing)

    result = outbox.deliver_due()

    assert result.sent == 2
    assert sorted(_received(smtp)) == ["p0@example.com", "p1@example.com"]
    rows = Message.objects.values_list("status", "handed_at")
    assert [(status, handed is not None) for status, handed in rows] == [("sent", True)] * 2
