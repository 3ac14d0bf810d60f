"""The outbox: one row per campaign × contact × step; eligibility read afresh when each
message is handed out; claims that expire are retried only when the provider was never
called; pausing, resuming and cancelling neither re-send nor skip."""

import datetime as dt

import pytest
from django.utils import timezone

from rapport.campaigns import answers, outbox, split
from rapport.campaigns.models import Message, MessageStatus, SkipReason, Suppression
from rapport.campaigns.services import campaign_enqueue, campaign_move, message_enqueue
from rapport.core import schedule
from tests.campaigns.conftest import campaign, grant, person

pytestmark = pytest.mark.django_db


def _states():
    return sorted(Message.objects.values_list("contact__email", "status", "reason"))


def test_queueing_twice_makes_one_message_per_contact_and_step(smtp):
    olena = person("olena@example.com")
    winter = campaign()

    assert campaign_enqueue(campaign=winter, contact_ids=[olena.pk, olena.pk]) == 1
    assert campaign_enqueue(campaign=winter, contact_ids=[olena.pk]) == 0
    assert campaign_enqueue(campaign=winter, contact_ids=[olena.pk], step=1) == 1
    first = message_enqueue(
        source="scenario:4",
        contact=olena,
        channel="email",
        purpose="service",
        subject="Hi",
        body_text="Welcome",
    )
    again = message_enqueue(
        source="scenario:4",
        contact=olena,
        channel="email",
        purpose="service",
        subject="Hi",
        body_text="Welcome",
    )
    assert first.pk == again.pk
    assert Message.objects.count() == 3


def test_queueing_by_hand_draws_the_same_holdout_as_a_launch(smtp):
    people = [person(f"p{n}@example.com") for n in range(40)]
    winter = campaign()
    winter.holdout_percent = 30
    winter.save(update_fields=["holdout_percent"])
    held = {p.pk for p in people if split.held_out(winter.pk, p.pk, 30)}
    assert 0 < len(held) < 40  # the draw splits this set: the test checks both sides

    assert campaign_enqueue(campaign=winter, contact_ids=[p.pk for p in people]) == 40
    result = outbox.deliver_due()

    skipped = set(
        Message.objects.filter(status=MessageStatus.SKIPPED, reason=SkipReason.HOLDOUT).values_list(
            "contact_id", flat=True
        )
    )
    assert skipped == held
    assert result.sent == 40 - len(held)
    assert sorted(m["To"] for m in smtp.messages) == sorted(
        p.email for p in people if p.pk not in held
    )


def test_each_message_is_checked_when_it_is_handed_out(smtp):
    ok = person("ok@example.com")
    never = person("never@example.com", consents=())
    gone = person("gone@example.com")
    blocked = person("blocked@example.com")
    nowhere = person("")
    sms_only = person("sms@example.com", consents=("sms:marketing",))
    winter = campaign()
    people = [ok, never, gone, blocked, nowhere, sms_only]
    campaign_enqueue(campaign=winter, contact_ids=[p.pk for p in people])
    # after queueing: one withdraws, one address bounces
    grant(gone, "email", status="withdrawn")
    Suppression.objects.create(channel="email", address="blocked@example.com", reason="bounce")

    result = outbox.deliver_due()

    assert (result.sent, result.skipped) == (1, 5)
    assert _states() == [
        ("", MessageStatus.SKIPPED, SkipReason.NO_ADDRESS),
        ("blocked@example.com", MessageStatus.SKIPPED, SkipReason.SUPPRESSED),
        ("gone@example.com", MessageStatus.SKIPPED, SkipReason.NO_CONSENT),
        ("never@example.com", MessageStatus.SKIPPED, SkipReason.NO_CONSENT),
        ("ok@example.com", MessageStatus.SENT, ""),
        ("sms@example.com", MessageStatus.SKIPPED, SkipReason.NO_CONSENT),
    ]
    assert [m["To"] for m in smtp.messages] == ["ok@example.com"]


def test_the_frequency_cap_counts_every_campaign_and_spares_service_messages(smtp, clock):
    olena = person("olena@example.com", consents=("email:marketing", "email:service"))
    for name in ("One", "Two", "Three"):
        campaign_enqueue(campaign=campaign(name), contact_ids=[olena.pk])
    notice = campaign("Visa", purpose="service")
    campaign_enqueue(campaign=notice, contact_ids=[olena.pk])

    result = outbox.deliver_due()

    assert (result.sent, result.skipped, dict(result.reasons)) == (3, 1, {"capped": 1})
    assert sorted(Message.objects.values_list("campaign__name", "status", "reason")) == [
        ("One", MessageStatus.SENT, ""),
        ("Three", MessageStatus.SKIPPED, SkipReason.CAPPED),
        ("Two", MessageStatus.SENT, ""),
        ("Visa", MessageStatus.SENT, ""),
    ]
    # a week later the window has moved on
    clock.now += dt.timedelta(days=7, seconds=1)
    campaign_enqueue(campaign=campaign("Four"), contact_ids=[olena.pk])
    assert outbox.deliver_due().sent == 1


def test_service_messages_still_need_their_consent(smtp):
    olena = person("olena@example.com", consents=("email:marketing",))
    campaign_enqueue(campaign=campaign("Visa", purpose="service"), contact_ids=[olena.pk])

    outbox.deliver_due()

    assert _states() == [("olena@example.com", MessageStatus.SKIPPED, SkipReason.NO_CONSENT)]


def test_a_cap_from_settings(smtp, settings):
    settings.RAPPORT_FREQUENCY_CAP = "1/24h"
    olena = person("olena@example.com")
    for name in ("One", "Two"):
        campaign_enqueue(campaign=campaign(name), contact_ids=[olena.pk])

    assert outbox.deliver_due().sent == 1


def test_an_expired_claim_never_handed_out_is_queued_again_after_a_backoff(smtp, clock):
    olena = person("olena@example.com")
    campaign_enqueue(campaign=campaign(), contact_ids=[olena.pk])
    assert outbox.claim(timezone.now(), worker="dead") != []  # then the worker died
    clock.now += outbox.config.lease() + dt.timedelta(seconds=1)

    assert outbox.recover_expired(timezone.now()) == (1, 0)

    message = Message.objects.get()
    assert (message.status, message.lease_owner, message.attempts) == (MessageStatus.QUEUED, "", 1)
    assert message.available_at == clock.now + dt.timedelta(seconds=30)
    clock.now += dt.timedelta(seconds=30)
    assert outbox.deliver_due().sent == 1
    assert len(smtp.messages) == 1


def test_an_expired_claim_handed_out_is_marked_for_review_never_resent(smtp, clock):
    olena = person("olena@example.com")
    campaign_enqueue(campaign=campaign(), contact_ids=[olena.pk])
    [pk] = outbox.claim(timezone.now(), worker="dead")
    message = Message.objects.select_related("campaign").get(pk=pk)
    assert outbox._hand_off(message, worker="dead", cap=None, result=outbox.Delivery())
    clock.now += outbox.config.lease() + dt.timedelta(seconds=1)  # died calling the provider

    result = outbox.deliver_due()

    assert (result.recovered, result.sent) == (1, 0)
    assert _states() == [("olena@example.com", MessageStatus.REVIEW, SkipReason.UNKNOWN_OUTCOME)]
    assert smtp.messages == []
    clock.now += dt.timedelta(days=1)
    assert outbox.deliver_due().sent == 0


def test_a_slow_send_whose_claim_expired_still_records_its_answer(smtp, clock):
    olena = person("olena@example.com")
    campaign_enqueue(campaign=campaign(), contact_ids=[olena.pk])
    [pk] = outbox.claim(timezone.now(), worker="slow")
    message = Message.objects.select_related("campaign").get(pk=pk)
    assert outbox._hand_off(message, worker="slow", cap=None, result=outbox.Delivery())
    clock.now += outbox.config.lease() + dt.timedelta(seconds=1)
    outbox.recover_expired(timezone.now())  # another worker gave up on it

    answers.record_sent([(message, "<id@x>")], "slow", outbox.Delivery())

    assert Message.objects.get().status == MessageStatus.SENT


def test_pause_holds_resume_sends_the_rest_cancel_skips_the_rest(smtp):
    people = [person(f"p{i}@example.com") for i in range(5)]
    winter = campaign()
    campaign_enqueue(campaign=winter, contact_ids=[p.pk for p in people])
    outbox.deliver_claimed(
        outbox.claim(timezone.now(), limit=2), worker=outbox.WORKER, result=outbox.Delivery()
    )
    campaign_move(campaign=winter, action="pause")

    assert outbox.deliver_due().sent == 0
    campaign_move(campaign=winter, action="resume")
    assert outbox.deliver_due(batch=1, budget=0.0).sent == 0  # no time: nothing claimed
    [pk] = outbox.claim(timezone.now(), limit=1)
    campaign_move(campaign=winter, action="cancel")  # after the claim, before the hand-off
    result = outbox.Delivery()
    outbox.deliver_claimed([pk], worker=outbox.WORKER, result=result)

    assert dict(result.reasons) == {"cancelled": 1}
    assert sorted(Message.objects.values_list("status", flat=True)) == [
        MessageStatus.SENT,
        MessageStatus.SENT,
        MessageStatus.SKIPPED,
        MessageStatus.SKIPPED,
        MessageStatus.SKIPPED,
    ]
    assert len(smtp.message_ids()) == len(set(smtp.message_ids())) == 2


def test_a_message_paused_between_claim_and_hand_off_goes_back_untouched(smtp):
    olena = person("olena@example.com")
    winter = campaign()
    campaign_enqueue(campaign=winter, contact_ids=[olena.pk])
    ids = outbox.claim(timezone.now())
    campaign_move(campaign=winter, action="pause")

    outbox.deliver_claimed(ids, worker=outbox.WORKER, result=outbox.Delivery())

    message = Message.objects.get()
    assert (message.status, message.attempts, message.lease_owner) == (
        MessageStatus.QUEUED,
        0,
        "",
    )
    campaign_move(campaign=winter, action="resume")
    assert outbox.deliver_due().sent == 1


def test_a_draft_campaigns_messages_wait(smtp):
    olena = person("olena@example.com")
    draft = campaign(status="draft")
    campaign_enqueue(campaign=draft, contact_ids=[olena.pk])

    assert outbox.deliver_due().sent == 0
    campaign_move(campaign=draft, action="launch")
    assert outbox.deliver_due().sent == 1


def test_the_periodic_job_delivers_through_the_schedule(smtp):
    olena = person("olena@example.com")
    campaign_enqueue(campaign=campaign(), contact_ids=[olena.pk])

    run = schedule.run_now("campaigns.deliver")

    assert run.status == "succeeded"
    assert run.result["sent"] == 1
    assert len(smtp.messages) == 1


def test_the_outbox_is_read_in_the_back_office(smtp, users, client):
    admin_user = users["admin"]
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    olena = person("olena@example.com")
    campaign_enqueue(campaign=campaign(), contact_ids=[olena.pk])
    outbox.deliver_due()
    client.force_login(admin_user)

    listing = client.get("/admin/campaigns/message/?status__exact=sent")
    page = client.get(f"/admin/campaigns/message/{Message.objects.get().pk}/change/")

    assert listing.status_code == 200
    assert "1 message" in listing.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # read-only


def _delivery_queries(n: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = [person(f"q{n}-{i}@example.com") for i in range(n)]
    made = campaign(f"Queries {n}")
    campaign_enqueue(campaign=made, contact_ids=[p.pk for p in people])
    with CaptureQueriesContext(connection) as queries:
        assert outbox.deliver_due().sent == n
    return len(queries)


def test_what_decides_a_batch_is_read_once_per_batch_not_once_per_message(smtp, monkeypatch):
    # each further message costs its hand-off UPDATE (re-checking consent, suppression,
    # address, cap and campaign in that statement) in its own savepoint here (and, on
    # PostgreSQL, the lock of the contact's row that orders two workers' hand-offs to one
    # person); each further group of accepted messages one `sent` UPDATE, the check that their
    # contacts exist and one INSERT of their timeline entries, in one savepoint (on SQLite
    # between the two PRAGMAs that let that commit alone run a WAL checkpoint): the
    # eligibility reads do not grow
    from django.db import connection

    monkeypatch.setattr(answers, "RECORD_WITHIN_S", 3600.0)  # groups closed by count only
    group = answers.RECORD_EVERY
    _delivery_queries(1)  # the first fills Django's content-type cache
    one, two = _delivery_queries(group), _delivery_queries(2 * group)
    pragmas = 2 if connection.vendor == "sqlite" else 0
    assert two - one == group * (3 + connection.features.has_select_for_update) + 5 + pragmas
