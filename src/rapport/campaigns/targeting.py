"""Whom a campaign reaches: its segment's members as the launching user sees them, counted
before launch (eligible, no consent, capped, suppressed, no address) and snapshotted at
launch into the outbox in one INSERT … SELECT, so no contact id travels through Python."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Lower
from django.template import TemplateSyntaxError
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.campaigns import config, content
from rapport.campaigns.eligibility import COUNTED
from rapport.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTemplate,
    Message,
    MessageChannel,
    MessagePurpose,
    MessageStatus,
    MessengerAccount,
    Suppression,
)
from rapport.contacts.models import ConsentEvent, ConsentStatus, Contact
from rapport.segments.selectors import members_for, segments_for

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def audience(user: Any, campaign: Campaign) -> QuerySet[Contact]:
    """The campaign's segment's members that `user` may see (none without a segment)."""
    if campaign.segment is None:
        return Contact.objects.none()
    return members_for(user, campaign.segment)


def _consented(channel: str, purpose: str) -> Exists:
    """The contact's current consent for the channel and purpose is a grant: a grant that
    nothing outranks (no later event, no withdrawal at the same instant)."""
    outranked = Exists(
        ConsentEvent.objects.filter(
            contact_id=OuterRef("contact_id"), channel=channel, purpose=purpose
        ).filter(Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), status=ConsentStatus.WITHDRAWN))
    )
    return Exists(
        ConsentEvent.objects.filter(
            contact_id=OuterRef("pk"),
            channel=channel,
            purpose=purpose,
            status=ConsentStatus.GRANTED,
        ).filter(~outranked)
    )


def _address(channel: str) -> Q:
    if channel == MessageChannel.EMAIL:
        return ~Q(email="")
    if channel == MessageChannel.SMS:
        return ~Q(phone="")
    return Q(Exists(MessengerAccount.objects.filter(contact_id=OuterRef("pk"))))


def _suppressed(channel: str) -> Exists:
    if channel == MessageChannel.MESSENGER:
        accounts = MessengerAccount.objects.filter(contact_id=OuterRef(OuterRef("pk")))
        return Exists(
            Suppression.objects.filter(channel=channel, address__in=accounts.values("external_id"))
        )
    column = "phone" if channel == MessageChannel.SMS else "email"
    return Exists(Suppression.objects.filter(channel=channel, address=Lower(OuterRef(column))))


def _handed_recently(now: dt.datetime, window: dt.timedelta) -> Coalesce:
    """Marketing messages handed to a provider for the contact within the cap's window."""
    recent = (
        Message.objects.filter(
            contact_id=OuterRef("pk"),
            purpose=MessagePurpose.MARKETING,
            handed_at__gte=now - window,
            status__in=COUNTED,
        )
        .order_by()
        .values("contact_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(recent), 0)


def campaign_preview(*, actor: Any, campaign: Campaign) -> dict[str, int]:
    """How the audience would fare if the campaign were sent now, counted in one query:
    each member under the first reason that holds (no consent, no address, suppressed,
    capped), else eligible. Holdout groups are not drawn yet: `holdout` is 0."""
    now = timezone.now()
    members = audience(actor, campaign).order_by()
    consent = _consented(campaign.channel, campaign.purpose)
    address = _address(campaign.channel)
    suppressed = _suppressed(campaign.channel)
    capped_q = Q(pk__in=[])
    cap = config.frequency_cap()
    if campaign.purpose == MessagePurpose.MARKETING and cap is not None:
        members = members.alias(_recent=_handed_recently(now, cap.window))
        capped_q = Q(_recent__gte=cap.limit)
    members = members.alias(_consent=consent, _suppressed=suppressed)
    ok = Q(_consent=True)
    reached = ok & address
    clean = reached & Q(_suppressed=False)
    counts = members.aggregate(
        no_consent=Count("pk", filter=Q(_consent=False)),
        no_address=Count("pk", filter=ok & ~address),
        suppressed=Count("pk", filter=reached & Q(_suppressed=True)),
        capped=Count("pk", filter=clean & capped_q),
        eligible=Count("pk", filter=clean & ~capped_q),
    )
    return {key: int(value or 0) for key, value in counts.items()} | {"holdout": 0}


def check_templates(templates: list[CampaignTemplate]) -> None:
    """Refuse a launch whose content cannot be rendered (caught here, never at send time
    for half the list)."""
    if not templates:
        raise ValidationError({"templates": [_("Write the message in at least one language.")]})
    for template in templates:
        try:
            content.render(
                subject=template.subject,
                body_text=template.body_text,
                body_html=template.body_html,
                context=content.sample_context(),
                language=template.language,
                footer=False,
            )
        except TemplateSyntaxError as exc:
            raise ValidationError(
                {
                    "templates": [
                        _("%(language)s: %(error)s") % {"language": template.language, "error": exc}
                    ]
                }
            ) from None


def _field(name: str) -> models.Field:
    field = Message._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def snapshot(*, actor: Any, campaign: Campaign, now: dt.datetime) -> int:
    """Queue one unrendered message per member `actor` may see, in one INSERT … SELECT
    (the outbox renders them when it claims them); how many."""
    language = Case(
        When(language__in=LANGUAGES, then=F("language")),
        default=Value(settings.LANGUAGE_CODE),
        output_field=models.CharField(),
    )
    available = max(now, campaign.scheduled_at) if campaign.scheduled_at else now
    constants: dict[str, Any] = {
        "campaign_id": campaign.pk,
        "source": "",
        "step": 0,
        "channel": campaign.channel,
        "purpose": campaign.purpose,
        "subject": "",
        "body_text": "",
        "body_html": "",
        "status": MessageStatus.QUEUED,
        "reason": "",
        "error": "",
        "attempts": 0,
        "available_at": available,
        "lease_owner": "",
        "address": "",
        "provider_id": "",
        "created_at": now,
        "rendered": False,
    }
    selected = (
        audience(actor, campaign)
        .order_by()
        .annotate(
            _language=language,
            **{
                f"_{name}": Value(value, output_field=_field(name))
                for name, value in constants.items()
            },
        )
    )
    names = list(constants)
    rows = selected.values_list("pk", "_language", *(f"_{name}" for name in names))
    sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(_field(name).column)) for name in ["contact", "language", *names])
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(Message._meta.db_table)} ({columns}) {sql}", params)
        return int(cursor.rowcount)


@transaction.atomic
def campaign_launch(*, actor: Any, campaign: Campaign) -> Campaign:
    """Launch: snapshot the segment's members (as `actor` sees them) into the outbox and
    start sending. A campaign launches once."""
    locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if locked.status not in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
        raise ValidationError(
            {
                "status": [
                    _("A campaign that is %(status)s cannot do that.")
                    % {"status": locked.get_status_display()}
                ]
            }
        )
    if locked.segment_id is None:
        raise ValidationError({"segment": [_("Choose the segment the campaign goes to.")]})
    check_templates(list(locked.templates.order_by("position", "id")))
    now = timezone.now()
    snapshot(actor=actor, campaign=locked, now=now)
    locked.status = CampaignStatus.SENDING
    locked.save(update_fields=["status", "updated_at"])
    return locked


# --- writing a campaign (API and, later, the wizard) -------------------------------------

EDITABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
FIELDS = (
    "name",
    "goal",
    "channel",
    "fallback_channel",
    "purpose",
    "scheduled_at",
    "quiet_hours",
    "holdout_percent",
)


NULLABLE = {"scheduled_at", "quiet_hours"}


def _apply(actor: Any, campaign: Campaign, data: dict[str, Any]) -> list[CampaignTemplate] | None:
    for name in FIELDS:
        if name in data:
            value = data[name]
            if name == "fallback_channel" and value is None:
                value = ""
            if value is None and name not in NULLABLE:
                continue  # null for a field that always has a value: left as it is
            setattr(campaign, name, value)
    if "segment" in data:
        segment_id = data["segment"]
        if segment_id is not None and not segments_for(actor).filter(pk=segment_id).exists():
            raise ValidationError({"segment": [_("No such segment.")]})
        campaign.segment_id = segment_id
    if not str(campaign.name).strip():
        raise ValidationError({"name": [_("Give the campaign a name.")]})
    if campaign.fallback_channel and campaign.fallback_channel == campaign.channel:
        raise ValidationError(
            {"fallback_channel": [_("Choose a fallback other than the channel itself.")]}
        )
    if data.get("templates") is None:
        return None
    templates = [
        CampaignTemplate(
            language=t["language"],
            position=position,
            subject=t.get("subject") or "",
            body_text=t["body_text"],
            body_html=t.get("body_html") or "",
        )
        for position, t in enumerate(data["templates"])
    ]
    if len({t.language for t in templates}) != len(templates):
        raise ValidationError({"templates": [_("Give each language once.")]})
    check_templates(templates)
    return templates


@transaction.atomic
def campaign_save(*, actor: Any, campaign: Campaign | None, data: dict[str, Any]) -> Campaign:
    """Create a campaign (`campaign` None) or change the fields given of a draft or
    scheduled one; `templates`, when given, replace the campaign's."""
    if campaign is None:
        campaign = Campaign(created_by=actor)
    elif campaign.status not in EDITABLE:
        raise ValidationError({"status": [_("Only a draft or scheduled campaign can be changed.")]})
    templates = _apply(actor, campaign, data)
    campaign.save()
    if templates is not None:
        campaign.templates.all().delete()
        for template in templates:
            template.campaign = campaign
        CampaignTemplate.objects.bulk_create(templates)
    return campaign
