"""The demo's segments and campaigns: made once, with a sent campaign whose history reads as
it ended (sent and held-out messages, timeline entries), and a draft in four languages."""

import io

import pytest
from django.core.management import call_command

from rapport.campaigns.models import Campaign, Message, MessengerAccount
from rapport.campaigns.report import campaign_report
from rapport.contacts.models import ConsentState, ContactPhone
from rapport.demo.marketing import AUTUMN, SEGMENTS, VIP_LIST, WINTER
from rapport.segments.models import Segment
from rapport.timeline.models import Interaction

pytestmark = pytest.mark.django_db


def test_the_demo_makes_segments_and_campaigns_once():
    call_command("demo", size="tiny", seed=7, stdout=io.StringIO(), verbosity=0)

    names = set(Segment.objects.values_list("name", flat=True))
    assert {name for name, _d, _r in SEGMENTS} | {VIP_LIST} <= names
    assert Segment.objects.filter(size__isnull=True).count() == 0
    autumn = Campaign.objects.get(name=AUTUMN["name"])
    winter = Campaign.objects.get(name=WINTER["name"])
    assert (autumn.status, winter.status) == ("done", "draft")
    assert sorted(winter.templates.values_list("language", flat=True)) == ["en", "lt", "ru", "uk"]
    sent = Message.objects.filter(campaign=autumn, sent_at__isnull=False)
    assert Interaction.objects.filter(kind="campaign.message_sent").count() == sent.count()
    assert set(Message.objects.filter(campaign=autumn).values_list("status", "reason")) <= {
        ("sent", ""),
        ("delivered", ""),
        ("skipped", "holdout"),
    }
    figures = campaign_report(autumn)  # the report has responses to show
    assert 0 < figures["clicked"] < figures["opened"] < figures["sent"] == sent.count()
    assert figures["delivered"] == sent.filter(status="delivered").count() > 0
    assert figures["cost"] == {"amount": "2500.00", "currency": "EUR"}
    assert figures["romi"] is not None
    before = (Segment.objects.count(), Campaign.objects.count(), Message.objects.count())

    call_command("demo", size="tiny", seed=7, stdout=io.StringIO(), verbosity=0)

    assert (Segment.objects.count(), Campaign.objects.count(), Message.objects.count()) == before


def test_the_demo_gives_messenger_accounts_to_those_who_agreed():
    call_command("demo", size="tiny", seed=7, stdout=io.StringIO(), verbosity=0)

    accounts = list(MessengerAccount.objects.values("contact_id", "provider", "opted_out_at"))
    willing = set(
        ConsentState.objects.filter(
            channel="messenger", purpose="marketing", status="granted"
        ).values_list("contact_id", flat=True)
    )
    with_phone = set(ContactPhone.objects.values_list("contact_id", flat=True))
    owners = {a["contact_id"] for a in accounts}
    assert owners
    assert owners <= willing & with_phone
    assert {a["provider"] for a in accounts} == {"whatsapp", "telegram", "viber"}
    stopped = {a["contact_id"] for a in accounts if a["opted_out_at"] is not None}
    active = {a["contact_id"] for a in accounts if a["opted_out_at"] is None}
    assert stopped
    assert stopped <= active  # a stopped account always beside one still used
    count = len(accounts)

    call_command("demo", size="tiny", seed=7, stdout=io.StringIO(), verbosity=0)

    assert MessengerAccount.objects.count() == count
