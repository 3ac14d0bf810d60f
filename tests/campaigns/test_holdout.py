"""The holdout and A/B variants: drawn at launch by a hash of campaign and contact (the same
in SQL and in Python, so preview, launch and report agree), held-out contacts get nothing,
each variant's recipients get that variant's content."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.campaigns import outbox, split
from rapport.campaigns.models import (
    CampaignTemplate,
    CampaignVariant,
    Message,
    MessageStatus,
    SkipReason,
)
from rapport.campaigns.services import campaign_enqueue, render_queued
from rapport.campaigns.targeting import bucket_sql, campaign_launch, campaign_preview
from rapport.contacts.models import ConsentEvent, Contact
from rapport.segments.models import Segment, SegmentMember
from tests.campaigns.conftest import campaign, person
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _crowd(owner, n: int, *, consent: bool = True, tag: str = "p") -> list[Contact]:
    people = Contact.objects.bulk_create(
        Contact(first_name=f"P{i}", email=f"{tag}{i}@example.com", owner=owner) for i in range(n)
    )
    if consent:
        ConsentEvent.objects.bulk_create(
            ConsentEvent(
                contact=c,
                channel="email",
                purpose="marketing",
                status="granted",
                at=timezone.now(),
                source="test",
            )
            for c in people
        )
    return people


def _segment(owner, people) -> Segment:
    segment = Segment.objects.create(name="Everyone", kind="static", owner=owner)
    SegmentMember.objects.bulk_create(
        SegmentMember(segment=segment, contact=p, since=timezone.now()) for p in people
    )
    return segment


def _draft(admin, people, *, holdout: int = 0):
    made = campaign(status="draft")
    made.segment = _segment(admin, people)
    made.holdout_percent = holdout
    made.save()
    return made


def test_the_sql_hash_is_the_python_hash():
    admin = UserFactory(role="admin")
    people = _crowd(admin, 300, consent=False)
    for campaign_id, salt in ((1, split.SALT_HOLDOUT), (987_654_321, split.SALT_VARIANT)):
        in_sql = dict(
            Contact.objects.filter(pk__in=[p.pk for p in people])
            .annotate(b=bucket_sql(campaign_id, salt))
            .values_list("pk", "b")
        )
        assert in_sql == {p.pk: split.bucket(campaign_id, p.pk, salt) for p in people}
    # big ids stay exact (no overflow into floating point or an error)
    big = 2**40 + 17
    assert 0 <= split.bucket(big, big, 1) < 100


def test_a_tenth_is_held_out_of_a_thousand_the_same_way_each_time():
    admin = UserFactory(role="admin")
    people = _crowd(admin, 1000)
    winter = _draft(admin, people, holdout=10)

    preview = campaign_preview(actor=admin, campaign=winter)
    assert preview == campaign_preview(actor=admin, campaign=winter)
    expected = {p.pk for p in people if split.held_out(winter.pk, p.pk, 10)}
    assert preview["holdout"] == len(expected)
    assert preview["eligible"] == 1000 - len(expected)
    assert 60 <= len(expected) <= 140  # 10 % ± 4 standard deviations of 1,000 draws

    campaign_launch(actor=admin, campaign=winter)

    rows = Message.objects.filter(campaign=winter)
    held = set(rows.filter(reason=SkipReason.HOLDOUT).values_list("contact_id", flat=True))
    assert held == expected
    assert rows.filter(reason=SkipReason.HOLDOUT).exclude(status="skipped").count() == 0
    assert rows.filter(status=MessageStatus.QUEUED).count() == 1000 - len(expected)


def test_only_those_eligible_at_launch_are_held_out_and_they_get_nothing(smtp):
    admin = UserFactory(role="admin")
    people = _crowd(admin, 40)
    silent = _crowd(admin, 20, consent=False, tag="s")
    winter = _draft(admin, [*people, *silent], holdout=50)
    held = {p.pk for p in people if split.held_out(winter.pk, p.pk, 50)}
    preview = campaign_preview(actor=admin, campaign=winter)
    assert (preview["holdout"], preview["eligible"], preview["no_consent"]) == (
        len(held),
        40 - len(held),
        20,
    )

    campaign_launch(actor=admin, campaign=winter)
    outbox.deliver_due()

    fates = dict(Message.objects.filter(campaign=winter).values_list("contact_id", "reason"))
    assert {pk for pk, reason in fates.items() if reason == "holdout"} == held
    assert {pk for pk, reason in fates.items() if reason == "no_consent"} == {s.pk for s in silent}
    sent_to = sorted(m["To"] for m in smtp.messages)
    assert sent_to == sorted(p.email for p in people if p.pk not in held)
    # a later enqueue of the same contacts sends them nothing: their one message is taken
    assert campaign_enqueue(campaign=winter, contact_ids=sorted(held)) == 0


def _variants(made, *shares_and_subjects):
    for position, (name, share, subject) in enumerate(shares_and_subjects):
        variant = CampaignVariant.objects.create(
            campaign=made, name=name, share=share, position=position
        )
        CampaignTemplate.objects.create(
            campaign=made, variant=variant, language="en", subject=subject, body_text="Hello"
        )
    made.templates.filter(variant__isnull=True).delete()


def test_variants_split_the_treated_by_their_shares_and_carry_their_own_content():
    admin = UserFactory(role="admin")
    people = _crowd(admin, 1000)
    winter = _draft(admin, people, holdout=10)
    _variants(winter, ("A", 30, "Sun for {{ first_name }}"), ("B", 70, "Warmth awaits"))
    a, b = winter.variants.order_by("position")

    campaign_launch(actor=admin, campaign=winter)

    rows = Message.objects.filter(campaign=winter)
    assert rows.filter(reason="holdout", variant__isnull=False).count() == 0
    treated = dict(rows.filter(status="queued").values_list("contact_id", "variant_id"))
    assert treated == {
        pk: [a.pk, b.pk][split.variant_index(winter.pk, pk, [30, 70])] for pk in treated
    }
    in_a = sum(1 for v in treated.values() if v == a.pk)
    assert abs(in_a - 0.3 * len(treated)) <= 4 * (0.3 * 0.7 * len(treated)) ** 0.5

    first = next(pk for pk, v in treated.items() if v == a.pk)
    second = next(pk for pk, v in treated.items() if v == b.pk)
    render_queued(list(rows.filter(contact_id__in=[first, second])))  # as the outbox does
    subjects = dict(rows.values_list("contact_id", "subject"))
    assert subjects[first] == f"Sun for {Contact.objects.get(pk=first).first_name}"
    assert subjects[second] == "Warmth awaits"


def test_a_launch_refuses_a_variant_without_content():
    admin = UserFactory(role="admin")
    winter = _draft(admin, [person("olena@example.com")])
    _variants(winter, ("A", 50, "Hi"), ("B", 50, "Hello"))
    winter.variants.get(name="B").templates.all().delete()

    with pytest.raises(ValidationError) as refused:
        campaign_launch(actor=admin, campaign=winter)

    assert list(refused.value.message_dict) == ["variants[1].templates"]
    assert not Message.objects.exists()


def test_a_member_the_fallback_channel_reaches_can_be_held_out(smtp):
    admin = UserFactory(role="admin")
    texted = person(phone="+37060000001", consents=("sms:marketing",), first_name="Texted")
    unreachable = person("gone@example.com", consents=(), first_name="Gone")
    mailed = person("mail@example.com", first_name="Mailed")
    winter = _draft(admin, [texted, unreachable, mailed])
    winter.fallback_channel = "sms"
    winter.save()

    assert campaign_preview(actor=admin, campaign=winter) == {
        "eligible": 2,
        "no_consent": 1,
        "capped": 0,
        "suppressed": 0,
        "no_address": 0,
        "holdout": 0,
    }
    winter.holdout_percent = 100  # everyone who could be reached, on either channel
    winter.save()
    campaign_launch(actor=admin, campaign=winter)

    held = set(
        Message.objects.filter(campaign=winter, reason="holdout").values_list(
            "contact_id", flat=True
        )
    )
    assert held == {texted.pk, mailed.pk}
