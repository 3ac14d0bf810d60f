"""REST endpoints for campaigns and their messages (the outbox, read-only), per the
contract: list, create, read and change campaigns (with A/B `variants`); `POST
campaigns/{id}/preview`, `/launch`, `/pause`, `/resume`, `/cancel`; `GET
campaigns/{id}/report`; `GET messages`.

The role rule's "campaigns" kind decides everything here: marketers and the administrator
work campaigns, the analyst reads them, other roles reach none. A launch takes the segment's
members as the launching user sees them.
"""

import datetime as dt
import re
from decimal import Decimal
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from ninja.responses import Status
from pydantic import field_validator

from rapport.campaigns import report, services, targeting
from rapport.campaigns.models import Campaign, CampaignTemplate, Message
from rapport.core import visibility
from rapport.core.api.lists import page_of
from rapport.core.api.schemas import (
    ErrorOut,
    Id,
    InputSchema,
    ListParams,
    Money,
    OutSchema,
    Page,
    Timestamp,
)

router = Router(tags=["campaigns"])
messages_router = Router(tags=["campaigns"])

WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Channel = Literal["email", "sms", "messenger"]
Purpose = Literal["marketing", "service"]
Language = Literal["en", "ru", "uk", "lt"]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class CampaignTemplateIn(InputSchema):
    language: Language
    subject: str = Field("", max_length=300)
    body_text: str = Field(..., min_length=1, max_length=50_000)
    body_html: str = Field("", max_length=200_000)


class CampaignVariantIn(InputSchema):
    # shares, names and content are checked by the service, which names the variant's
    # place (`variants[1].share`)
    name: str = Field(..., max_length=200)
    share: int
    templates: list[CampaignTemplateIn] = Field(default_factory=list, max_length=4)


class CampaignQuietHours(InputSchema):
    from_: str = Field(..., alias="from", description="HH:MM in the recipient's zone")
    to: str = Field(..., description="HH:MM in the recipient's zone")

    @field_validator("from_", "to")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(_("Give a time of day such as 21:00."))
        return value


COST = (
    "what the campaign cost, in the reporting currency (RAPPORT_DEFAULT_CURRENCY); may be "
    "corrected at any time, even after it is sent"
)


class CampaignIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=200)
    goal: str = Field("", max_length=300)
    segment: Id | None = None
    channel: Channel
    fallback_channel: Channel | None = None
    purpose: Purpose = "marketing"
    templates: list[CampaignTemplateIn] = Field(default_factory=list, max_length=4)
    variants: list[CampaignVariantIn] = Field(default_factory=list, max_length=10)
    holdout_percent: int = Field(0, ge=0, le=50)
    track: bool = Field(True, description="e-mail: open pixel and click redirects")
    cost: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2, description=COST)
    scheduled_at: Timestamp | None = None
    quiet_hours: CampaignQuietHours | None = None


class CampaignPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    goal: str | None = Field(None, max_length=300)
    segment: Id | None = None
    channel: Channel | None = None
    fallback_channel: Channel | None = None
    purpose: Purpose | None = None
    templates: list[CampaignTemplateIn] | None = Field(None, max_length=4)
    variants: list[CampaignVariantIn] | None = Field(None, max_length=10)
    holdout_percent: int | None = Field(None, ge=0, le=50)
    track: bool | None = None
    cost: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2, description=COST)
    scheduled_at: Timestamp | None = None
    quiet_hours: CampaignQuietHours | None = None


class CampaignTemplateOut(OutSchema):
    language: str
    subject: str
    body_text: str
    body_html: str


class CampaignVariantOut(OutSchema):
    name: str
    share: int
    templates: list[CampaignTemplateOut]


class ReportRevenueOut(OutSchema):
    amount: str = Field(..., examples=["123.45"])
    currency: str
    left_out: int = Field(..., description="attributed orders without an exchange rate")


class CampaignOut(OutSchema):
    id: int
    name: str
    goal: str
    segment: int | None
    channel: str
    fallback_channel: str | None
    purpose: str
    templates: list[CampaignTemplateOut]
    variants: list[CampaignVariantOut]
    holdout_percent: int
    track: bool = Field(..., description="e-mail: open pixel and click redirects")
    cost: Money | None = Field(..., description=COST)
    scheduled_at: dt.datetime | None
    quiet_hours: dict[str, str] | None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


class CampaignPage(Page):
    items: list[CampaignOut]


class CampaignPreviewOut(OutSchema):
    eligible: int
    no_consent: int
    capped: int
    suppressed: int
    no_address: int
    holdout: int


class ReportGroupOut(OutSchema):
    contacts: int
    conversions: int
    rate: float | None


class ReportUpliftOut(OutSchema):
    rate: float | None
    low: float | None
    high: float | None
    incremental_revenue: str | None = Field(..., description="in the revenue's currency")


class ReportVariantOut(OutSchema):
    name: str
    sent: int
    conversions: int
    rate: float | None
    opened: int = Field(..., description="contacts of this variant who opened it (see opened)")
    clicked: int = Field(..., description="contacts of this variant who clicked a link in it")


class CampaignReportOut(OutSchema):
    sent: int
    delivered: int
    failed: int
    skipped: dict[str, int]
    opened: int = Field(
        ...,
        description="contacts who opened one of its tracked e-mails (loaded the open pixel or "
        "clicked a link), each once; mail scanners and privacy proxies count too",
    )
    clicked: int = Field(
        ..., description="contacts who clicked a link in the HTML part of one of its e-mails"
    )
    unsubscribed: int
    replied: int
    conversions: int
    revenue: ReportRevenueOut
    holdout: ReportGroupOut
    treated: ReportGroupOut
    uplift: ReportUpliftOut
    variants: list[ReportVariantOut]
    attribution_days: int
    cost: Money | None = Field(None, description=COST)
    romi: float | None = Field(
        None, description="(revenue − cost) / cost; null without a cost (or a cost of 0)"
    )
    incremental_romi: float | None = Field(
        None,
        description="(revenue the campaign added over its holdout − cost) / cost; null without "
        "a cost or an uplift",
    )


class OutboxMessageOut(OutSchema):
    id: int
    campaign: int | None
    scenario: int | None
    contact: int
    channel: str
    status: str
    reason: str
    provider_id: str
    sent_at: dt.datetime | None


class OutboxMessagePage(Page):
    items: list[OutboxMessageOut]


class OutboxMessageListParams(ListParams):
    campaign: Id | None = None
    contact: Id | None = None
    status: (
        Literal["queued", "sending", "sent", "delivered", "failed", "skipped", "review"] | None
    ) = None


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def campaigns_for(user: Any, action: visibility.Action = "view") -> QuerySet[Campaign]:
    return visibility.scope(Campaign.objects.all(), user, action)


def _template_json(template: CampaignTemplate) -> dict[str, Any]:
    return {
        "language": template.language,
        "subject": template.subject,
        "body_text": template.body_text,
        "body_html": template.body_html,
    }


def campaign_json(campaign: Campaign) -> dict[str, Any]:
    templates = list(campaign.templates.all())
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "goal": campaign.goal,
        "segment": campaign.segment_id,
        "channel": campaign.channel,
        "fallback_channel": campaign.fallback_channel or None,
        "purpose": campaign.purpose,
        "templates": [_template_json(t) for t in templates if t.variant_id is None],
        "variants": [
            {
                "name": v.name,
                "share": v.share,
                "templates": [_template_json(t) for t in templates if t.variant_id == v.pk],
            }
            for v in campaign.variants.all()
        ],
        "holdout_percent": campaign.holdout_percent,
        "track": campaign.track,
        "cost": report.cost_json(campaign),
        "scheduled_at": campaign.scheduled_at,
        "quiet_hours": campaign.quiet_hours,
        "status": campaign.status,
        "created_at": campaign.created_at,
        "updated_at": campaign.updated_at,
    }


def _scenario(source: str) -> int | None:
    """The scenario of a message a scenario's run queued ("scenario:<id>:<run>")."""
    kind, _sep, rest = source.partition(":")
    number = rest.partition(":")[0]
    return int(number) if kind == "scenario" and number.isdigit() else None


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "campaign": message.campaign_id,
        "scenario": _scenario(message.source),
        "contact": message.contact_id,
        "channel": message.channel,
        "status": message.status,
        "reason": message.reason,
        "provider_id": message.provider_id,
        "sent_at": message.sent_at,
    }


def _campaign_or_404(request: HttpRequest, campaign_id: int) -> Campaign:
    return get_object_or_404(campaigns_for(_user(request)), pk=campaign_id)


def _may_change(request: HttpRequest, campaign: Campaign) -> None:
    if not visibility.can(_user(request), "change", campaign):
        raise PermissionError(_("You cannot change campaigns."))


def _data(payload: CampaignIn | CampaignPatch, **options: Any) -> dict[str, Any]:
    data = payload.model_dump(**options)
    if data.get("quiet_hours") is not None:
        data["quiet_hours"] = {
            "from": data["quiet_hours"]["from_"],
            "to": data["quiet_hours"]["to"],
        }
    return data


@router.get("", response=CampaignPage, exclude_unset=True, url_name="campaign_list")
def campaign_list(request: HttpRequest, filters: Query[ListParams]) -> dict[str, Any]:
    """Campaigns, newest first."""
    return page_of(
        campaigns_for(_user(request)).prefetch_related("templates", "variants"),
        ordering=["-created_at", "-id"],
        params=filters,
        serialize=campaign_json,
    )


@router.post("", response={201: CampaignOut, **WRITE_ERRORS}, url_name="campaign_create")
def campaign_create(request: HttpRequest, payload: CampaignIn) -> Status[dict[str, Any]]:
    """A draft campaign: its segment, channel, purpose and per-language templates."""
    if not visibility.can_create(_user(request), "campaigns"):
        raise PermissionError(_("You cannot create campaigns."))
    campaign = targeting.campaign_save(actor=_user(request), campaign=None, data=_data(payload))
    return Status(201, campaign_json(campaign))


@router.get(
    "/{int:campaign_id}", response={200: CampaignOut, 404: ErrorOut}, url_name="campaign_detail"
)
def campaign_detail(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    return campaign_json(_campaign_or_404(request, campaign_id))


@router.patch(
    "/{int:campaign_id}", response={200: CampaignOut, **WRITE_ERRORS}, url_name="campaign_update"
)
def campaign_update(
    request: HttpRequest, campaign_id: Id, payload: CampaignPatch
) -> dict[str, Any]:
    """Change the fields sent of a draft or scheduled campaign."""
    campaign = _campaign_or_404(request, campaign_id)
    _may_change(request, campaign)
    saved = targeting.campaign_save(
        actor=_user(request), campaign=campaign, data=_data(payload, exclude_unset=True)
    )
    return campaign_json(Campaign.objects.get(pk=saved.pk))


@router.post(
    "/{int:campaign_id}/preview",
    response={200: CampaignPreviewOut, 404: ErrorOut},
    url_name="campaign_preview",
)
def campaign_preview(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    """How the segment's members (those you may see) would fare if it were sent now."""
    campaign = _campaign_or_404(request, campaign_id)
    return targeting.campaign_preview(actor=_user(request), campaign=campaign)


@router.get(
    "/{int:campaign_id}/report",
    response={200: CampaignReportOut, 404: ErrorOut},
    url_name="campaign_report",
)
def campaign_report(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    """What the campaign's messages did and earned, against its holdout: conversions are
    contacts with a booked or paid order within `attribution_days` after their message (the
    holdout: after the launch); revenue in the reporting currency; the uplift is the treated
    rate minus the holdout rate with its 95 % interval. Opens and clicks are unique contacts,
    from the open pixel and click redirects of the HTML part of its e-mails."""
    return report.campaign_report(_campaign_or_404(request, campaign_id))


def _move(request: HttpRequest, campaign_id: int, action: str) -> dict[str, Any]:
    campaign = _campaign_or_404(request, campaign_id)
    _may_change(request, campaign)
    if action == "launch":
        moved = targeting.campaign_launch(actor=_user(request), campaign=campaign)
    else:
        moved = services.campaign_move(campaign=campaign, action=action)
    return campaign_json(moved)


@router.post(
    "/{int:campaign_id}/launch",
    response={200: CampaignOut, **WRITE_ERRORS},
    url_name="campaign_launch",
)
def campaign_launch(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    """Snapshot the segment's members you may see into the outbox and start sending."""
    return _move(request, campaign_id, "launch")


@router.post(
    "/{int:campaign_id}/pause",
    response={200: CampaignOut, **WRITE_ERRORS},
    url_name="campaign_pause",
)
def campaign_pause(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    """Stop handing messages out; what was queued stays queued."""
    return _move(request, campaign_id, "pause")


@router.post(
    "/{int:campaign_id}/resume",
    response={200: CampaignOut, **WRITE_ERRORS},
    url_name="campaign_resume",
)
def campaign_resume(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    """Send what was left, never again what went."""
    return _move(request, campaign_id, "resume")


@router.post(
    "/{int:campaign_id}/cancel",
    response={200: CampaignOut, **WRITE_ERRORS},
    url_name="campaign_cancel",
)
def campaign_cancel(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    """Skip every message not handed out yet."""
    return _move(request, campaign_id, "cancel")


@messages_router.get("", response=OutboxMessagePage, exclude_unset=True, url_name="message_list")
def message_list(request: HttpRequest, filters: Query[OutboxMessageListParams]) -> dict[str, Any]:
    """The outbox, newest first: one message per campaign × contact × step."""
    messages = visibility.scope(Message.objects.all(), _user(request))
    if filters.campaign:
        messages = messages.filter(campaign_id=filters.campaign)
    if filters.contact:
        messages = messages.filter(contact_id=filters.contact)
    if filters.status:
        messages = messages.filter(status=filters.status)
    return page_of(messages, ordering=["-id"], params=filters, serialize=message_json)


class MessageReviewIn(InputSchema):
    went_out: bool = Field(..., description="true: the provider sent it; false: it did not")


@messages_router.post(
    "/{int:message_id}/review",
    response={200: OutboxMessageOut, **WRITE_ERRORS},
    url_name="message_review",
)
def message_review(
    request: HttpRequest, message_id: Id, payload: MessageReviewIn
) -> dict[str, Any]:
    """Settle a message in `review` (sending was interrupted after the provider had it):
    `sent` when it went out, else `failed` with reason `unknown_outcome`."""
    message = get_object_or_404(
        visibility.scope(Message.objects.all(), _user(request)), pk=message_id
    )
    if not visibility.can(_user(request), "change", message):
        raise PermissionError(_("You cannot change campaigns."))
    settled = services.message_review(
        actor=_user(request), message=message, went_out=payload.went_out
    )
    return message_json(settled)
