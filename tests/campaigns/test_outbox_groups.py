"""`sent` is recorded for a group of accepted messages at once (campaigns/answers.py): what a
provider took is recorded sent even when the group ends with a failure or an error, every
other answer is recorded as it was one message at a time, and a worker that dies before
recording its group leaves those messages for review, never sends them again."""

import datetime as dt

import pytest

from rapport.campaigns import answers, outbox
from rapport.campaigns.channels.base import NotSent, OutcomeUnknown, Outgoing, Rejected
from rapport.campaigns.models import Message, MessageStatus, SkipReason, Suppression
from rapport.campaigns.services import campaign_enqueue
from rapport.timeline.models import Interaction
from tests.campaigns.conftest import campaign, person

pytestmark = pytest.mark.django_db


class Scripted:
    """A provider that answers each recipient as scripted (an exception to raise, or takes
    it) and notes, at each send, which messages were already recorded sent."""

    def __init__(self, answers_by_address: dict[str, Exception]) -> None:
        self.answers = answers_by_address
        self.taken: list[str] = []
        self.sent_before: dict[str, int] = {}

    def __enter__(self) -> "Scripted":
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: Outgoing) -> str:
        self.sent_before[message.to] = Message.objects.filter(status=MessageStatus.SENT).count()
        if message.to in self.answers:
            raise self.answers[message.to]
        self.taken.append(message.to)
        return f"id-{message.key}"


def _scripted(monkeypatch, script: dict[str, Exception]) -> Scripted:
    provider = Scripted(script)
    monkeypatch.setattr(outbox, "provider_for", lambda channel: provider)
    return provider


def _plan(n: int) -> list[str]:
    people = [person(f"p{i}@example.com") for i in range(n)]
    campaign_enqueue(campaign=campaign(), contact_ids=[p.pk for p in people])
    return [p.email for p in people]


def _by_address() -> dict[str, tuple[str, str]]:
    return {
        m.address or m.contact.email: (m.status, m.reason)
        for m in Message.objects.select_related("contact")
    }


def test_failures_in_the_middle_of_a_group_are_recorded_as_before_and_the_rest_sent(
    monkeypatch,
):
    addresses = _plan(7)
    provider = _scripted(
        monkeypatch,
        {
            addresses[2]: NotSent("451 try later"),
            addresses[4]: OutcomeUnknown("after the content: reset"),
            addresses[5]: Rejected("RCPT TO: 550 no such user", bad_address=True),
        },
    )

    result = outbox.deliver_due()

    assert (result.sent, result.retried, result.review, result.failed) == (4, 1, 1, 1)
    assert provider.taken == [addresses[i] for i in (0, 1, 3, 6)]
    assert _by_address() == {
        addresses[0]: (MessageStatus.SENT, ""),
        addresses[1]: (MessageStatus.SENT, ""),
        addresses[2]: (MessageStatus.QUEUED, ""),
        addresses[3]: (MessageStatus.SENT, ""),
        addresses[4]: (MessageStatus.REVIEW, SkipReason.UNKNOWN_OUTCOME),
        addresses[5]: (MessageStatus.FAILED, SkipReason.REJECTED),
        addresses[6]: (MessageStatus.SENT, ""),
    }
    retried = Message.objects.get(address=addresses[2])
    assert (retried.handed_at, retried.lease_owner, retried.error) == (None, "", "451 try later")
    assert list(Suppression.objects.values_list("address", flat=True)) == [addresses[5]]
    sent = Message.objects.filter(status=MessageStatus.SENT)
    assert sorted(sent.values_list("provider_id", flat=True)) == sorted(f"id-{m.pk}" for m in sent)
    assert sorted(Interaction.objects.values_list("source_id", flat=True)) == sorted(
        m.pk for m in sent
    )


def test_a_group_is_recorded_once_full_while_the_batch_goes_on(monkeypatch):
    monkeypatch.setattr(answers, "RECORD_EVERY", 3)
    monkeypatch.setattr(answers, "RECORD_WITHIN_S", 3600.0)
    addresses = _plan(7)
    provider = _scripted(monkeypatch, {})

    assert outbox.deliver_due().sent == 7

    # recorded three at a time: the fourth send sees the first three sent, the seventh six
    assert [provider.sent_before[a] for a in addresses] == [0, 0, 0, 3, 3, 3, 6]
    assert Interaction.objects.count() == 7


def test_a_group_waits_at_most_its_time_to_be_recorded(monkeypatch):
    monkeypatch.setattr(answers, "RECORD_WITHIN_S", 0.0)  # each one at once
    addresses = _plan(3)
    provider = _scripted(monkeypatch, {})

    assert outbox.deliver_due().sent == 3

    assert [provider.sent_before[a] for a in addresses] == [0, 1, 2]


def test_an_error_in_the_middle_of_a_group_still_records_what_was_taken(monkeypatch, clock):
    addresses = _plan(5)
    provider = _scripted(monkeypatch, {addresses[3]: RuntimeError("a bug while sending")})

    with pytest.raises(RuntimeError, match="a bug while sending"):
        outbox.deliver_due()

    assert provider.taken == addresses[:3]
    assert _by_address() == {
        addresses[0]: (MessageStatus.SENT, ""),
        addresses[1]: (MessageStatus.SENT, ""),
        addresses[2]: (MessageStatus.SENT, ""),
        addresses[3]: (MessageStatus.SENDING, ""),
        addresses[4]: (MessageStatus.SENDING, ""),
    }
    assert Interaction.objects.count() == 3
    # the lease runs out: the one handed over is for review, the one never handed is sent
    clock.now += outbox.config.lease() + dt.timedelta(seconds=1)
    provider.answers = {}
    result = outbox.deliver_due()

    assert (result.recovered, result.sent) == (2, 0)  # the other waits out its backoff
    clock.now += outbox.config.retry_delay(1)
    assert outbox.deliver_due().sent == 1
    assert provider.taken == [*addresses[:3], addresses[4]]
    assert _by_address()[addresses[3]] == (MessageStatus.REVIEW, SkipReason.UNKNOWN_OUTCOME)


def test_a_worker_dying_before_recording_its_group_leaves_it_for_review(smtp, monkeypatch, clock):
    _plan(4)

    def died(*args, **kwargs):
        raise SystemExit("killed before recording")  # as a SIGKILL would stop it here

    record_sent = answers.record_sent
    monkeypatch.setattr(answers, "record_sent", died)
    with pytest.raises(SystemExit):
        outbox.deliver_due()
    monkeypatch.setattr(answers, "record_sent", record_sent)
    assert len(smtp.message_ids()) == 4  # the server took all four
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.SENDING}

    clock.now += outbox.config.lease() + dt.timedelta(seconds=1)
    result = outbox.deliver_due()
    clock.now += dt.timedelta(days=1)
    later = outbox.deliver_due()

    assert (result.recovered, result.sent, later.sent) == (4, 0, 0)
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.REVIEW}
    assert len(smtp.message_ids()) == 4  # none sent again
