"""Quiet hours (held in the recipient's zone, never dropped, sent when the window ends) and the
fallback channel (a person the first channel cannot reach gets the second)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from rapport.campaigns import outbox
from rapport.campaigns.models import Message, MessageStatus
from rapport.campaigns.quiet import held_until, window
from rapport.campaigns.services import campaign_enqueue
from tests.campaigns.conftest import campaign, person

VILNIUS = ZoneInfo("Europe/Vilnius")
NIGHT = (dt.time(21), dt.time(9))


def at(text: str, zone: ZoneInfo = VILNIUS) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=zone)


def test_a_window_that_wraps_midnight_ends_the_next_morning():
    assert held_until(at("2026-12-02 22:30"), VILNIUS, NIGHT) == at("2026-12-03 09:00")
    assert held_until(at("2026-12-03 02:00"), VILNIUS, NIGHT) == at("2026-12-03 09:00")
    assert held_until(at("2026-12-03 09:00"), VILNIUS, NIGHT) is None
    assert held_until(at("2026-12-03 20:59"), VILNIUS, NIGHT) is None


def test_a_daytime_window_ends_the_same_day():
    lunch = (dt.time(12), dt.time(14))
    assert held_until(at("2026-12-02 12:00"), VILNIUS, lunch) == at("2026-12-02 14:00")
    assert held_until(at("2026-12-02 14:00"), VILNIUS, lunch) is None


def test_the_end_is_wall_clock_time_across_a_daylight_saving_change():
    # 29 March 2026: Vilnius moves from UTC+2 to UTC+3 at 03:00
    end = held_until(at("2026-03-28 23:00"), VILNIUS, NIGHT)
    assert end == at("2026-03-29 09:00")
    assert end.utcoffset() == dt.timedelta(0)  # returned in UTC: 06:00Z
    assert end == dt.datetime(2026, 3, 29, 6, tzinfo=dt.UTC)


def test_bad_or_empty_windows_are_none():
    assert window(None) is None
    assert window({"from": "21:00"}) is None
    assert window({"from": "21:00", "to": "21:00"}) is None
    assert window({"from": "21:00", "to": "09:00"}) == NIGHT


@pytest.mark.django_db
def test_the_outbox_holds_those_in_their_quiet_hours_and_sends_the_rest(smtp):
    now = timezone.now()
    tokyo, here = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
    # a window around now in Tokyo, which is not now in New York (14 hours apart)
    local = now.astimezone(tokyo)
    start = (local - dt.timedelta(hours=1)).strftime("%H:%M")
    end = (local + dt.timedelta(hours=1)).strftime("%H:%M")
    sleeping = person("tokyo@example.com")
    sleeping.custom = {"time_zone": "Asia/Tokyo"}
    sleeping.save()
    awake = person("ny@example.com")
    awake.custom = {"time_zone": "America/New_York"}
    awake.save()
    assert not held_until(now, here, window({"from": start, "to": end}))
    sale = campaign()
    sale.quiet_hours = {"from": start, "to": end}
    sale.save()
    campaign_enqueue(campaign=sale, contact_ids=[sleeping.pk, awake.pk])

    result = outbox.deliver_due(budget=5)

    assert (result.sent, result.held) == (1, 1)
    held = Message.objects.get(contact=sleeping)
    assert (held.status, held.attempts, held.reason) == (MessageStatus.QUEUED, 0, "")
    expected = (local + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    assert held.available_at == expected
    assert [m["To"] for m in smtp.messages] == ["ny@example.com"]


@pytest.mark.django_db
def test_a_contact_the_first_channel_cannot_reach_gets_the_fallback(smtp, settings):
    settings.RAPPORT_SMS_URL = ""  # the console provider prints SMS
    sms_only = person("sms@example.com", phone="+37060000001", consents=("sms:marketing",))
    both = person("both@example.com", phone="+37060000002", consents=("email:marketing",))
    nowhere = person("", consents=())
    sale = campaign()
    sale.fallback_channel = "sms"
    sale.save()
    campaign_enqueue(campaign=sale, contact_ids=[sms_only.pk, both.pk, nowhere.pk])

    result = outbox.deliver_due(budget=5)

    assert result.fell_back == 2
    states = dict(Message.objects.values_list("contact_id", "channel"))
    assert states == {sms_only.pk: "sms", both.pk: "email", nowhere.pk: "sms"}
    fates = dict(Message.objects.values_list("contact_id", "status"))
    assert fates == {sms_only.pk: "sent", both.pk: "sent", nowhere.pk: "skipped"}
    assert Message.objects.get(contact=nowhere).reason == "no_consent"
    assert [m["To"] for m in smtp.messages] == ["both@example.com"]
