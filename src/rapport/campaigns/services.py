"""Writing to the outbox and steering a campaign's sending. Whom a campaign targets (its
segment, snapshotted at launch) arrives with the segments app; until then a campaign is
queued for the contacts a caller names."""

import datetime as dt
from collections.abc import Iterable
from itertools import batched
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rapport.campaigns import content, editing, sources, split, targeting
from rapport.campaigns import timeline_kinds as kinds
from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTemplate,
    Message,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    SkipReason,
    Suppression,
)
from rapport.contacts import services as contacts
from rapport.contacts.models import ConsentStatus, Contact
from rapport.core.audit import audit_record
from rapport.core.models import AuditEntry
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction

CHUNK = 2000
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def language_of(contact: Contact) -> str:
    return contact.language if contact.language in LANGUAGES else settings.LANGUAGE_CODE


def _params(rendered: content.Content) -> list[str] | None:
    return list(rendered.params) if rendered.params is not None else None


def template_for(templates: list[CampaignTemplate], language: str) -> CampaignTemplate:
    """The template in the contact's language, else the campaign's first one."""
    for template in templates:
        if template.language == language:
            return template
    return templates[0]


def contents_of(campaign_id: int) -> dict[int | None, list[CampaignTemplate]]:
    """A campaign's templates by variant id (None: its own), first position first."""
    contents: dict[int | None, list[CampaignTemplate]] = {}
    for template in CampaignTemplate.objects.filter(campaign_id=campaign_id).order_by(
        "position", "id"
    ):
        contents.setdefault(template.variant_id, []).append(template)
    return contents


def campaign_enqueue(*, campaign: Campaign, contact_ids: Iterable[int], step: int = 0) -> int:
    """Queue one message of `campaign` per contact (a contact queued already is left
    alone: the outbox's unique constraint holds whatever races), in the variant the hash
    draws for them when the campaign has variants. A contact the hash draws into the
    campaign's holdout gets a skipped row (reason holdout, no content) — the very draw a
    launch makes, so the report compares the same groups however they were queued. Returns
    how many were queued now (holdout rows included)."""
    editing.launch_content(campaign)  # content for every variant, all of it renderable
    contents = contents_of(campaign.pk)
    variants = list(campaign.variants.order_by("position", "id"))
    shares = [v.share for v in variants]
    queued = 0
    now = timezone.now()
    for chunk in batched(contact_ids, CHUNK):
        contacts = Contact.objects.filter(pk__in=chunk).only(
            "pk", "first_name", "last_name", "language"
        )
        rows = []
        for contact in contacts:
            language = language_of(contact)
            if campaign.holdout_percent and split.held_out(
                campaign.pk, contact.pk, campaign.holdout_percent
            ):
                rows.append(
                    Message(
                        campaign=campaign,
                        step=step,
                        contact=contact,
                        channel=campaign.channel,
                        purpose=campaign.purpose,
                        language=language,
                        body_text="",
                        status=MessageStatus.SKIPPED,
                        reason=SkipReason.HOLDOUT,
                        available_at=now,
                    )
                )
                continue
            variant = (
                variants[split.variant_index(campaign.pk, contact.pk, shares)] if variants else None
            )
            template = template_for(contents[variant.pk if variant else None], language)
            rendered = content.render(
                subject=template.subject,
                body_text=template.body_text,
                body_html=template.body_html,
                context=content.person_context(contact),
                language=language,
                footer=campaign.purpose == MessagePurpose.MARKETING,
            )
            rows.append(
                Message(
                    campaign=campaign,
                    step=step,
                    contact=contact,
                    variant=variant,
                    channel=campaign.channel,
                    purpose=campaign.purpose,
                    language=language,
                    subject=rendered.subject,
                    body_text=rendered.text,
                    body_html=rendered.html,
                    template_params=_params(rendered),
                    available_at=now,
                )
            )
        with transaction.atomic():
            before = Message.objects.filter(campaign=campaign, step=step).count()
            Message.objects.bulk_create(rows, ignore_conflicts=True)
            queued += Message.objects.filter(campaign=campaign, step=step).count() - before
    return queued


def render_queued(messages: list[Message]) -> None:
    """Fill in the content of messages queued unrendered (a launch's snapshot) from their
    campaign's templates, for a whole batch: one read of the recipients, one of the
    templates, one write."""
    pending = [m for m in messages if not m.rendered and m.campaign_id is not None]
    if not pending:
        return
    contacts = Contact.objects.filter(pk__in={m.contact_id for m in pending}).only(
        "pk", "first_name", "last_name"
    )
    people = {c.pk: c for c in contacts}
    templates: dict[tuple[int, int | None], list[CampaignTemplate]] = {}
    for template in CampaignTemplate.objects.filter(
        campaign_id__in={m.campaign_id for m in pending}
    ).order_by("position", "id"):
        templates.setdefault((template.campaign_id, template.variant_id), []).append(template)
    done = []
    for message in pending:
        person = people.get(message.contact_id)
        chosen = templates.get((message.campaign_id or 0, message.variant_id))
        if person is None or not chosen:
            continue
        template = template_for(chosen, message.language)
        rendered = content.render(
            subject=template.subject,
            body_text=template.body_text,
            body_html=template.body_html,
            context=content.person_context(person),
            language=message.language,
            footer=message.purpose == MessagePurpose.MARKETING,
        )
        message.subject, message.body_text, message.body_html = (
            rendered.subject,
            rendered.text,
            rendered.html,
        )
        message.template_params = _params(rendered)
        message.rendered = True
        done.append(message)
    Message.objects.bulk_update(
        done, ["subject", "body_text", "body_html", "template_params", "rendered"]
    )


def message_enqueue(
    *,
    source: str,
    contact: Contact,
    channel: str,
    purpose: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    step: int = 0,
    not_before: dt.datetime | None = None,
    context: dict[str, str] | None = None,
) -> Message:
    """Queue one message that belongs to no campaign (a scenario's step, a test send),
    rendered for the contact (`context`: what the template may say, default the person's
    own fields); the same source, contact and step give back the same row."""
    if channel not in MessageChannel.values:
        raise ValidationError(
            {"channel": [_("Choose from: %(c)s.") % {"c": ", ".join(MessageChannel.values)}]}
        )
    if purpose not in MessagePurpose.values:
        raise ValidationError(
            {"purpose": [_("Choose from: %(c)s.") % {"c": ", ".join(MessagePurpose.values)}]}
        )
    language = language_of(contact)
    rendered = content.render(
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        context=context or content.person_context(contact),
        language=language,
        footer=purpose == MessagePurpose.MARKETING,
    )
    message, _created = Message.objects.get_or_create(
        campaign=None,
        source=source,
        contact=contact,
        step=step,
        defaults={
            "channel": channel,
            "purpose": purpose,
            "language": language,
            "subject": rendered.subject,
            "body_text": rendered.text,
            "body_html": rendered.html,
            "template_params": _params(rendered),
            "available_at": not_before or timezone.now(),
        },
    )
    return message


_MOVES = {
    "launch": ({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED}, CampaignStatus.SENDING),
    "pause": ({CampaignStatus.SENDING}, CampaignStatus.PAUSED),
    "resume": ({CampaignStatus.PAUSED}, CampaignStatus.SENDING),
    "cancel": (
        {
            CampaignStatus.DRAFT,
            CampaignStatus.SCHEDULED,
            CampaignStatus.SENDING,
            CampaignStatus.PAUSED,
        },
        CampaignStatus.CANCELLED,
    ),
}


@transaction.atomic
def campaign_move(*, campaign: Campaign, action: str) -> Campaign:
    """Launch, pause, resume or cancel. Pausing leaves queued messages queued (a message
    already handed to its provider finishes); resuming sends what was left, never again what
    went; cancelling skips what was not handed out yet."""
    allowed, target = _MOVES[action]
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status not in allowed:
        raise ValidationError(
            {
                "status": [
                    _("A campaign that is %(status)s cannot do that.")
                    % {"status": locked.get_status_display()}
                ]
            }
        )
    locked.status = target
    locked.save(update_fields=["status", "updated_at"])
    if target == CampaignStatus.CANCELLED:
        Message.objects.filter(campaign=locked, status=MessageStatus.QUEUED).update(
            status=MessageStatus.SKIPPED, reason=SkipReason.CANCELLED
        )
    return locked


@transaction.atomic
def message_review(*, actor: Any, message: Message, went_out: bool) -> Message:
    """Settle a message left `review` (a worker died after handing it to the provider): a
    person who checked the provider says whether it went out. Sent: it joins the contact's
    timeline as any sent message does; not sent: failed with the unknown outcome as reason.
    Either way the decision is audited (who, when, from `review` to what)."""
    locked = (
        Message.objects.select_for_update(of=("self",))
        .select_related("campaign")
        .get(pk=message.pk)
    )
    if locked.status != MessageStatus.REVIEW:
        raise ValidationError(
            {
                "status": [
                    _("Only a message to review can be settled; this one is %(status)s.")
                    % {"status": locked.get_status_display().lower()}
                ]
            }
        )
    now = timezone.now()
    went_at = locked.handed_at or now
    if went_out:
        locked.status, locked.reason = MessageStatus.SENT, ""
        locked.sent_at = went_at
    else:
        locked.status, locked.reason = MessageStatus.FAILED, SkipReason.UNKNOWN_OUTCOME
    locked.lease_owner, locked.lease_until = "", None
    locked.save(update_fields=["status", "reason", "sent_at", "lease_owner", "lease_until"])
    audit_record(
        actor=actor,
        obj=locked,
        action=AuditEntry.Action.UPDATE,
        changes={"status": [MessageStatus.REVIEW.value, locked.status]},
        subject_contact_id=locked.contact_id,
    )
    if went_out:
        timeline.record_many([sent_entry(locked, at=went_at, actor=actor)])
    return locked


def sent_entry(message: Message, *, at: dt.datetime, actor: Any = None) -> timeline.Entry:
    """The timeline entry of a message that went out, as the outbox records it and as a
    person settling a review does."""
    campaign = message.campaign
    return timeline.Entry(
        contact=message.contact_id,
        channel=Channel.CAMPAIGN,
        direction=Direction.OUTBOUND,
        occurred_at=at,
        actor=actor,
        kind=kinds.MESSAGE_SENT,
        params={
            "message": message.pk,
            "campaign": message.campaign_id,
            "campaign_name": campaign.name if campaign else "",
            "channel": message.channel,
            "subject": message.subject,
            **sources.describe(message.source),
        },
        source=message,
    )


def address_suppress(*, channel: str, address: str, message_id: int) -> bool:
    """Stop all sending to an address on a channel after a hard bounce of message
    `message_id` (at RCPT TO or by a delivery status notification), whichever contact has it;
    True when it was not suppressed before."""
    _suppression, created = Suppression.objects.get_or_create(
        channel=channel,
        address=address.lower(),
        defaults={"reason": f"hard bounce, message #{message_id}"},
    )
    return created


@transaction.atomic
def campaign_edit(
    *, actor: Any, campaign: Campaign, data: dict[str, Any], seen: dt.datetime | None
) -> Campaign:
    """`targeting.campaign_save` for a form two people may have open: refused when the
    campaign changed since the editor loaded it (`seen`: the `updated_at` they saw)."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if seen is None or locked.updated_at != seen:
        raise ValidationError(
            {
                "updated_at": [
                    _(
                        "Someone else changed this campaign while you were editing it. "
                        "Reload the page to see their changes, then make yours again."
                    )
                ]
            }
        )
    return targeting.campaign_save(actor=actor, campaign=locked, data=data)


def _test_recipient(actor: Any) -> Contact:
    """The contact that stands for `actor` in the outbox: the one with their e-mail, else a
    new one they own, with consent for service e-mail (they asked for the test)."""
    email = (getattr(actor, "email", "") or "").strip()
    if not email:
        raise ValidationError(
            {"email": [_("Add your e-mail address to your profile to receive test messages.")]}
        )
    found = (
        Contact.objects.filter(Q(email__iexact=email) | Q(emails__email__iexact=email))
        .order_by("pk")
        .first()
    )
    if found is not None:
        return found
    contact = contacts.contact_create(
        actor=actor,
        data={
            "first_name": actor.first_name or actor.get_username(),
            "last_name": actor.last_name,
            "email": email,
        },
    )
    contacts.consent_record(
        actor=actor,
        contact=contact,
        channel=MessageChannel.EMAIL,
        purpose=MessagePurpose.SERVICE,
        status=ConsentStatus.GRANTED,
        source=_("test messages to oneself"),
    )
    return contact


@transaction.atomic
def campaign_test_send(*, actor: Any, campaign: Campaign, language: str) -> Message:
    """Queue the campaign's message in `language` (else its first; the first variant's
    when it has variants) to `actor`'s own e-mail, as a service message marked as a test;
    each press queues a new one."""
    contents = contents_of(campaign.pk)
    templates = contents.get(None) or next(iter(contents.values()), [])
    if not templates:
        raise ValidationError({"templates": [_("Write the message in at least one language.")]})
    template = template_for(templates, language)
    contact = _test_recipient(actor)
    source = f"test:{campaign.pk}:{actor.pk}"
    step = Message.objects.filter(campaign=None, source=source, contact=contact).count()
    subject = template.subject or campaign.name
    return message_enqueue(
        source=source,
        contact=contact,
        channel=MessageChannel.EMAIL,
        purpose=MessagePurpose.SERVICE,
        subject=pgettext("test message", "[Test] %(subject)s") % {"subject": subject},
        body_text=template.body_text,
        body_html=template.body_html,
        step=step,
    )
