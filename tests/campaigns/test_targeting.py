"""Targeting: a campaign goes to its segment's members as the launching user sees them,
snapshotted into the outbox at launch in one INSERT … SELECT; the preview counts how the
audience would fare before anything is sent."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.accounts.models import Team
from rapport.campaigns import outbox
from rapport.campaigns.models import Message, MessageStatus, Suppression
from rapport.campaigns.services import campaign_enqueue
from rapport.campaigns.targeting import campaign_launch, campaign_preview
from rapport.segments.models import Segment, SegmentMember
from tests.campaigns.conftest import campaign, grant, person
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _segment(owner, *people) -> Segment:
    segment = Segment.objects.create(name="Sun seekers", kind="static", owner=owner)
    SegmentMember.objects.bulk_create(
        SegmentMember(segment=segment, contact=p, since=timezone.now()) for p in people
    )
    return segment


def _audience():
    """Olena and Petras may be written to; the others each fail one check."""
    return {
        "olena": person("olena@example.com", language="uk", first_name="Olena"),
        "petras": person("petras@example.com", language="lt", first_name="Petras"),
        "never": person("never@example.com", consents=()),
        "gone": person("gone@example.com"),
        "blocked": person("blocked@example.com"),
        "nowhere": person(""),
    }


def test_the_preview_counts_each_member_under_the_first_reason_that_holds(smtp):
    admin = UserFactory(role="admin")
    people = _audience()
    grant(people["gone"], "email", status="withdrawn")
    Suppression.objects.create(channel="email", address="blocked@example.com", reason="bounce")
    winter = campaign(status="draft")
    winter.segment = _segment(admin, *people.values())
    winter.save()
    # Petras had two marketing e-mails this week: the cap (2/7d) holds him back
    for name in ("One", "Two"):
        campaign_enqueue(campaign=campaign(name), contact_ids=[people["petras"].pk])
    outbox.deliver_due()

    assert campaign_preview(actor=admin, campaign=winter) == {
        "eligible": 1,
        "no_consent": 2,
        "capped": 1,
        "suppressed": 1,
        "no_address": 1,
        "holdout": 0,
    }
    assert not Message.objects.filter(campaign=winter).exists()  # nothing queued


def test_launch_snapshots_the_members_in_one_statement_and_sends_them_personalised(smtp):
    admin = UserFactory(role="admin")
    people = _audience()
    winter = campaign(
        status="draft",
        templates=(
            ("en", "Hello {{ first_name }}", "Dear {{ first_name }}, winter sun.", ""),
            ("uk", "Вітаємо, {{ first_name }}", "{{ first_name }}, зимове сонце.", ""),
        ),
    )
    winter.segment = _segment(admin, people["olena"], people["petras"], people["never"])
    winter.save()

    with CaptureQueriesContext(connection) as queries:
        campaign_launch(actor=admin, campaign=winter)
    inserts = [q["sql"] for q in queries if q["sql"].startswith('INSERT INTO "campaigns_message"')]
    assert len(inserts) == 1
    assert " SELECT " in inserts[0]
    queued = sorted(
        Message.objects.filter(campaign=winter).values_list("contact__email", "language")
    )
    assert queued == [
        ("never@example.com", "en"),
        ("olena@example.com", "uk"),
        ("petras@example.com", "lt"),
    ]
    result = outbox.deliver_due()

    assert (result.sent, result.skipped) == (2, 1)
    got = sorted((m["To"], m["Subject"]) for m in smtp.messages)
    assert got == [("olena@example.com", "Вітаємо, Olena"), ("petras@example.com", "Hello Petras")]
    assert (
        "Dear Petras, winter sun."
        in smtp.messages[[m["To"] for m in smtp.messages].index("petras@example.com")]
        .get_body(("plain",))
        .get_content()
    )
    winter.refresh_from_db()
    assert winter.status == "sending"


def test_launch_takes_only_the_members_the_launching_user_may_see(smtp):
    team, other = Team.objects.create(name="North"), Team.objects.create(name="South")
    manager = UserFactory(role="sales_manager", team=team)
    colleague = UserFactory(role="sales_manager", team=other)
    mine = person("mine@example.com")
    mine.owner = manager
    mine.save()
    theirs = person("theirs@example.com")
    theirs.owner = colleague
    theirs.save()
    winter = campaign(status="draft")
    winter.segment = _segment(manager, mine, theirs)
    winter.save()

    assert campaign_preview(actor=manager, campaign=winter)["eligible"] == 1
    campaign_launch(actor=manager, campaign=winter)

    assert list(
        Message.objects.filter(campaign=winter).values_list("contact__email", flat=True)
    ) == ["mine@example.com"]


def test_a_launch_needs_a_segment_and_content_that_renders_and_happens_once(smtp):
    admin = UserFactory(role="admin")
    olena = person("olena@example.com")
    winter = campaign(status="draft")
    with pytest.raises(ValidationError) as no_segment:
        campaign_launch(actor=admin, campaign=winter)
    assert list(no_segment.value.message_dict) == ["segment"]

    winter.segment = _segment(admin, olena)
    winter.save()
    broken = winter.templates.get()
    broken.body_text = "Dear {% if first_name %}{{ first_name }}"
    broken.save()
    with pytest.raises(ValidationError) as bad:
        campaign_launch(actor=admin, campaign=winter)
    assert list(bad.value.message_dict) == ["templates"]
    assert not Message.objects.exists()

    broken.body_text = "Dear {{ first_name }}"
    broken.save()
    campaign_launch(actor=admin, campaign=winter)
    with pytest.raises(ValidationError) as twice:
        campaign_launch(actor=admin, campaign=winter)
    assert list(twice.value.message_dict) == ["status"]
    assert Message.objects.filter(campaign=winter, status=MessageStatus.QUEUED).count() == 1


def _message_reads_are_sets(sql: str) -> bool:
    """Whether every read of the message table in `sql` is a set of its own: nothing of the
    outer contact row in it (not a count per member)."""
    reads = sql.split('FROM "campaigns_message"')[1:]
    return bool(reads) and all('"contacts_contact"' not in r[: r.index("HAVING")] for r in reads)


def test_a_launch_and_its_preview_read_who_is_at_the_cap_once_not_once_per_member(smtp):
    """Counted per member, the cap made PostgreSQL scan the message table for each member
    when it believed the table empty, the rows the launch itself had inserted included:
    111 s for 100k recipients. The contacts at the cap are one set, read once; a capped
    member is never drawn into the holdout."""
    admin = UserFactory(role="admin")
    people = _audience()
    winter = campaign(status="draft")
    winter.segment = _segment(admin, people["olena"], people["petras"])
    winter.holdout_percent = 100
    winter.save()
    for name in ("One", "Two"):  # the cap (2/7d) holds Petras back
        campaign_enqueue(campaign=campaign(name), contact_ids=[people["petras"].pk])
    outbox.deliver_due()

    with CaptureQueriesContext(connection) as queries:
        preview = campaign_preview(actor=admin, campaign=winter)
        campaign_launch(actor=admin, campaign=winter)
    reads = [q["sql"] for q in queries if 'FROM "campaigns_message"' in q["sql"]]
    assert preview["capped"] == 1
    assert preview["holdout"] == 1
    assert len(reads) == 2
    assert all(_message_reads_are_sets(sql) for sql in reads)
    assert sorted(
        Message.objects.filter(campaign=winter).values_list("contact__email", "status", "reason")
    ) == [
        ("olena@example.com", "skipped", "holdout"),
        ("petras@example.com", "queued", ""),
    ]
