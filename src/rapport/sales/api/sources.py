"""REST endpoints for lead sources and their marketing spend, and the call-tracking webhook.

Everyone signed in reads the sources; administrators and marketers change them and record
spend. Spend is a business figure: administrators, marketers and analysts read it.
"""

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from rapport.core import permissions, visibility
from rapport.core.api.lists import page_of
from rapport.core.api.schemas import ErrorOut, Id, InputSchema, ListParams, Money, Page, Timestamp
from rapport.sales import services
from rapport.sales.api.common import WRITE_ERRORS, money_in, money_json, user_of
from rapport.sales.filters import LEAD_SOURCE_FILTERS
from rapport.sales.models import LeadSource, SourceSpend
from rapport.sales.services import setup

router = Router(tags=["lead sources"])
calls_router = Router(tags=["calls"])

SourceKind = Literal[
    "website", "instagram", "facebook", "google_ads", "phone", "walk_in", "referral",
    "partner", "exhibition", "email", "messenger", "other",
]  # fmt: skip


class SourceOut(Schema):
    id: int
    name: str
    kind: str
    is_active: bool


class SourcePage(Page):
    items: list[SourceOut]


class SourceIn(InputSchema):
    name: str
    kind: SourceKind
    is_active: bool = True


class SourcePatch(InputSchema):
    name: str | None = None
    kind: SourceKind | None = None
    is_active: bool | None = None


# The list's filters are the web page's (sales/filters.py).
@LEAD_SOURCE_FILTERS.query_params
class SourceListParams(ListParams):
    """Paging; the filters are added from the filter set."""


class SpendOut(Schema):
    id: int
    source: int
    period_start: dt.date
    period_end: dt.date
    amount: Money
    note: str


class SpendPage(Page):
    items: list[SpendOut]


class SpendIn(InputSchema):
    period_start: dt.date
    period_end: dt.date = Field(description="Included.")
    amount: Money
    note: str = ""


def source_json(source: LeadSource) -> dict[str, Any]:
    return {
        "id": source.pk,
        "name": source.name,
        "kind": source.kind,
        "is_active": source.is_active,
    }


def spend_json(spend: SourceSpend) -> dict[str, Any]:
    return {
        "id": spend.pk,
        "source": spend.source_id,
        "period_start": spend.period_start,
        "period_end": spend.period_end,
        "amount": money_json(spend.amount, spend.currency),
        "note": spend.note,
    }


def _source_or_404(source_id: int) -> LeadSource:
    return get_object_or_404(LeadSource, pk=source_id)


def _reads_spend(user: Any) -> bool:
    return permissions.allows(user, "spend", "view")


@router.get("", response=SourcePage, exclude_unset=True, url_name="source_list")
def source_list(request: HttpRequest, filters: Query[SourceListParams]) -> dict[str, Any]:
    """The channels customers arrive through."""
    sources = LEAD_SOURCE_FILTERS.filter(
        LeadSource.objects.all(), LEAD_SOURCE_FILTERS.strict(request.GET)
    )
    return page_of(sources, ordering=["name", "id"], params=filters, serialize=source_json)


@router.post("", response={201: SourceOut, **WRITE_ERRORS}, url_name="source_create")
def source_create(request: HttpRequest, payload: SourceIn) -> Status[dict[str, Any]]:
    """A new lead source (administrators and marketers)."""
    source = setup.source_create(actor=user_of(request), data=payload.model_dump())
    return Status(201, source_json(source))


@router.get("/{int:source_id}", response={200: SourceOut, 404: ErrorOut}, url_name="source_detail")
def source_detail(request: HttpRequest, source_id: Id) -> dict[str, Any]:
    return source_json(_source_or_404(source_id))


@router.patch(
    "/{int:source_id}", response={200: SourceOut, **WRITE_ERRORS}, url_name="source_update"
)
def source_update(request: HttpRequest, source_id: Id, payload: SourcePatch) -> dict[str, Any]:
    """Rename, re-channel or retire a source (administrators and marketers)."""
    source = setup.source_update(
        actor=user_of(request),
        source=_source_or_404(source_id),
        data=payload.model_dump(exclude_unset=True),
    )
    return source_json(source)


@router.delete(
    "/{int:source_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    url_name="source_delete",
)
def source_delete(request: HttpRequest, source_id: Id) -> Status[None]:
    """Delete a source nothing refers to (administrators and marketers). One with leads,
    spend, tracking numbers or web forms is refused (409): deactivate it instead."""
    setup.source_delete(actor=user_of(request), source=_source_or_404(source_id))
    return Status(204, None)


@router.get(
    "/{int:source_id}/spend",
    response={200: SpendPage, 404: ErrorOut},
    exclude_unset=True,
    url_name="source_spend_list",
)
def spend_list(request: HttpRequest, source_id: Id, filters: Query[ListParams]) -> dict[str, Any]:
    """Marketing spend on the source, latest period first (empty for roles that do not
    read spend: sales managers and service agents)."""
    source = _source_or_404(source_id)
    spend = SourceSpend.objects.filter(source=source)
    if not _reads_spend(user_of(request)):
        spend = spend.none()
    return page_of(spend, ordering=["-period_start", "-id"], params=filters, serialize=spend_json)


@router.post(
    "/{int:source_id}/spend",
    response={201: SpendOut, **WRITE_ERRORS},
    url_name="source_spend_create",
)
def spend_create(request: HttpRequest, source_id: Id, payload: SpendIn) -> Status[dict[str, Any]]:
    """Record spend on the source over a period (administrators and marketers)."""
    amount = money_in(payload.amount, "amount")
    spend = setup.spend_record(
        actor=user_of(request),
        source=_source_or_404(source_id),
        data={
            "period_start": payload.period_start,
            "period_end": payload.period_end,
            "amount": amount.amount,
            "currency": amount.currency,
            "note": payload.note,
        },
    )
    return Status(201, spend_json(spend))


# --- call tracking ----------------------------------------------------------------------------


class CallIn(InputSchema):
    """What a telephony provider reports about one call."""

    caller: str = Field(..., max_length=50, description="The number that called.")
    dialled: str = Field(..., max_length=50, description="The number called (a tracking one).")
    time: Timestamp | None = Field(None, description="When the call started; default: now.")
    duration: int = Field(0, ge=0, le=24 * 3600, description="Seconds.")
    recording_url: str = Field("", max_length=1000)
    direction: Literal["inbound", "outbound"] = "inbound"


class CallOut(Schema):
    contact: int | None = Field(
        description="The known customer the call went on, if any and if you may see them."
    )
    lead: int | None = Field(
        description="The open lead it matched or created, if any and if you may see it."
    )
    lead_created: bool
    source: str = Field(description="The tracking number's source ('' when none).")


@calls_router.post("", response={200: CallOut, **WRITE_ERRORS}, url_name="call_record")
def call_record(request: HttpRequest, payload: CallIn) -> dict[str, Any]:
    """The call-tracking webhook: puts the call on the caller's timeline, matches them to a
    contact or open lead by phone, and makes an unknown caller a lead of the dialled
    number's source. Send it with the token of an integration user."""
    user = user_of(request)
    if not visibility.can_create(user, "leads"):
        raise PermissionError(_("Your role cannot record calls."))
    result = services.call_record(
        caller=payload.caller,
        dialled=payload.dialled,
        direction=payload.direction,
        started_at=payload.time,
        duration_seconds=payload.duration,
        recording_url=payload.recording_url,
        actor=user,
    )
    # The call is matched across teams (it is the true customer's touchpoint), but the answer
    # names only what the caller may open.
    return {
        "contact": visibility.shown_id(user, result.contact),
        "lead": visibility.shown_id(user, result.lead),
        "lead_created": result.lead_created,
        "source": result.source_name,
    }
