"""Writing to the outbox and steering a campaign's sending. Whom a campaign targets (its
segment, snapshotted at launch) arrives with the segments app; until then a campaign is
queued for the contacts a caller names."""

import datetime as dt
from collections.abc import Iterable
from itertools import batched

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.campaigns import content, editing, split
from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTemplate,
    Message,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    SkipReason,
)
from rapport.contacts.models import Contact

CHUNK = 2000
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def language_of(contact: Contact) -> str:
    return contact.language if contact.language in LANGUAGES else settings.LANGUAGE_CODE


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
    draws for them when the campaign has variants. Returns how many were queued now."""
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
        message.rendered = True
        done.append(message)
    Message.objects.bulk_update(done, ["subject", "body_text", "body_html", "rendered"])


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
