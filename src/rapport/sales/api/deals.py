"""REST endpoints for pipelines (administrators edit them), deals and their stage moves,
and the list of lost reasons."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from rapport.core.api.lists import page_of
from rapport.core.api.schemas import ErrorOut, Id, InputSchema, ListParams, Money, Page
from rapport.sales import selectors, services
from rapport.sales.api.common import WRITE_ERRORS, money_in, money_json, user_of
from rapport.sales.filters import DEAL_FILTERS
from rapport.sales.models import Deal, DealStageChange, LostReason, Pipeline, Stage
from rapport.sales.services import setup

pipelines_router = Router(tags=["pipelines"])
deals_router = Router(tags=["deals"])
lost_reasons_router = Router(tags=["lost reasons"])

StageKind = Literal["open", "won", "lost"]
DEAL_ORDERINGS: dict[str, list[str]] = {
    "-created": ["-created_at", "-id"],
    "created": ["created_at", "id"],
}
DealSort = Literal["-created", "created"]


# --- pipelines --------------------------------------------------------------------------------


class StageOut(Schema):
    id: int
    name: str
    position: int
    probability: int
    kind: str


class PipelineOut(Schema):
    id: int
    name: str
    position: int
    is_default: bool
    stages: list[StageOut]


class PipelinePage(Page):
    items: list[PipelineOut]


class StageIn(InputSchema):
    id: Id | None = Field(None, description="When editing: the stage this row changes.")
    name: str
    probability: int = Field(..., ge=0, le=100)
    kind: StageKind = "open"


class PipelineIn(InputSchema):
    name: str
    position: int = Field(0, ge=0, le=32767)
    is_default: bool = False
    stages: list[StageIn] = Field(..., min_length=1, max_length=setup.MAX_STAGES)


class PipelinePatch(InputSchema):
    name: str | None = None
    position: int | None = Field(None, ge=0, le=32767)
    is_default: bool | None = None
    stages: list[StageIn] | None = Field(
        None,
        max_length=setup.MAX_STAGES,
        description="The whole new list, in order: rows with an id change that stage, rows "
        "without one add a stage, stages left out are removed (refused if deals used them).",
    )


def stage_json(stage: Stage) -> dict[str, Any]:
    return {
        "id": stage.pk,
        "name": stage.name,
        "position": stage.position,
        "probability": stage.probability,
        "kind": stage.kind,
    }


def pipeline_json(pipeline: Pipeline) -> dict[str, Any]:
    return {
        "id": pipeline.pk,
        "name": pipeline.name,
        "position": pipeline.position,
        "is_default": pipeline.is_default,
        "stages": [stage_json(s) for s in pipeline.stages.all()],
    }


def _pipelines() -> QuerySet[Pipeline]:
    return Pipeline.objects.prefetch_related(
        Prefetch("stages", queryset=Stage.objects.order_by("position", "id"))
    )


def _pipeline_or_404(pipeline_id: int) -> Pipeline:
    return get_object_or_404(_pipelines(), pk=pipeline_id)


@pipelines_router.get("", response=PipelinePage, exclude_unset=True, url_name="pipeline_list")
def pipeline_list(request: HttpRequest, filters: Query[ListParams]) -> dict[str, Any]:
    """Every pipeline with its stages in order (everyone signed in may read them)."""
    return page_of(
        _pipelines(), ordering=["position", "id"], params=filters, serialize=pipeline_json
    )


@pipelines_router.post("", response={201: PipelineOut, **WRITE_ERRORS}, url_name="pipeline_create")
def pipeline_create(request: HttpRequest, payload: PipelineIn) -> Status[dict[str, Any]]:
    """A new pipeline with its stages (administrators)."""
    pipeline = setup.pipeline_create(actor=user_of(request), data=payload.model_dump())
    return Status(201, pipeline_json(_pipeline_or_404(pipeline.pk)))


@pipelines_router.get(
    "/{int:pipeline_id}", response={200: PipelineOut, 404: ErrorOut}, url_name="pipeline_detail"
)
def pipeline_detail(request: HttpRequest, pipeline_id: Id) -> dict[str, Any]:
    return pipeline_json(_pipeline_or_404(pipeline_id))


@pipelines_router.patch(
    "/{int:pipeline_id}", response={200: PipelineOut, **WRITE_ERRORS}, url_name="pipeline_update"
)
def pipeline_update(
    request: HttpRequest, pipeline_id: Id, payload: PipelinePatch
) -> dict[str, Any]:
    """Rename, reorder, make default, or replace the stages (administrators)."""
    setup.pipeline_update(
        actor=user_of(request),
        pipeline=_pipeline_or_404(pipeline_id),
        data=payload.model_dump(exclude_unset=True),
    )
    return pipeline_json(_pipeline_or_404(pipeline_id))


@pipelines_router.delete(
    "/{int:pipeline_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    url_name="pipeline_delete",
)
def pipeline_delete(request: HttpRequest, pipeline_id: Id) -> Status[None]:
    """Delete a pipeline that never had a deal (administrators)."""
    setup.pipeline_delete(actor=user_of(request), pipeline=_pipeline_or_404(pipeline_id))
    return Status(204, None)


# --- lost reasons -----------------------------------------------------------------------------


class LostReasonOut(Schema):
    id: int
    name: str
    is_active: bool


class LostReasonPage(Page):
    items: list[LostReasonOut]


class LostReasonListParams(ListParams):
    active: bool | None = Field(None, description="Only active (true) or retired (false) ones.")


@lost_reasons_router.get(
    "", response=LostReasonPage, exclude_unset=True, url_name="lost_reason_list"
)
def lost_reason_list(request: HttpRequest, filters: Query[LostReasonListParams]) -> dict[str, Any]:
    """Why deals are lost; moving a deal to a lost stage names one of these."""
    reasons = LostReason.objects.all()
    if filters.active is not None:
        reasons = reasons.filter(is_active=filters.active)
    return page_of(
        reasons,
        ordering=["name", "id"],
        params=filters,
        serialize=lambda r: {"id": r.pk, "name": r.name, "is_active": r.is_active},
    )


# --- deals ------------------------------------------------------------------------------------


class DealProductOut(Schema):
    product: int
    quantity: int
    unit_price: Money


class DealOut(Schema):
    id: int
    title: str
    pipeline: int
    stage: int
    stage_kind: str = Field(description="open, won or lost.")
    contact: int
    company: int | None
    lead: int | None
    owner: int
    amount: Money
    expected_close_date: dt.date | None
    products: list[DealProductOut]
    lost_reason: int | None
    lost_note: str
    stage_entered_at: dt.datetime
    closed_at: dt.datetime | None
    order: int | None = Field(description="The order a won deal created.")
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class StageVisitOut(Schema):
    stage: int
    from_stage: int | None
    entered_at: dt.datetime
    by: int | None
    seconds_in_stage: int | None = Field(
        description="Until the next move; for the current stage of an open deal, until now; "
        "null for the final stage of a closed deal."
    )


class DealDetailOut(DealOut):
    stage_history: list[StageVisitOut] = Field(description="Oldest first.")


class DealPage(Page):
    items: list[DealOut]


class DealProductIn(InputSchema):
    product: Id
    quantity: int = Field(1, ge=1, le=10000)
    unit_price: Money | None = Field(None, description="Default: the product's price.")


class DealIn(InputSchema):
    title: str
    contact: Id
    company: Id | None = None
    pipeline: Id | None = Field(None, description="Default: the default pipeline.")
    stage: Id | None = Field(None, description="An open stage; default: the first one.")
    amount: Money | None = Field(None, description="Default: the products' sum, or 0.")
    expected_close_date: dt.date | None = None
    owner: Id | None = Field(None, description="Default: you.")
    products: list[DealProductIn] = Field([], max_length=100)


class DealPatch(InputSchema):
    title: str | None = None
    amount: Money | None = None
    expected_close_date: dt.date | None = None
    company: Id | None = None
    owner: Id | None = None
    version: int | None = Field(
        None, ge=1, le=2**31 - 1, description="Refuses the change (409) if the deal moved on."
    )


class DealMoveIn(InputSchema):
    stage: Id
    lost_reason: Id | None = Field(None, description="Required when the stage is a lost one.")
    lost_note: str = ""
    version: int | None = Field(None, ge=1, le=2**31 - 1)


# The list's filters are the web list's and the export's (sales/filters.py).
@DEAL_FILTERS.query_params
class DealListParams(ListParams):
    sort: DealSort = "-created"


def deals_queryset(queryset: QuerySet[Deal] | None = None) -> QuerySet[Deal]:
    """Deals with what their JSON needs joined or prefetched (one query per relation)."""
    base = queryset if queryset is not None else Deal.objects.all()
    return base.select_related("stage", "order").prefetch_related("products")


def deal_json(deal: Deal) -> dict[str, Any]:
    order = getattr(deal, "order", None)
    return {
        "id": deal.pk,
        "title": deal.title,
        "pipeline": deal.pipeline_id,
        "stage": deal.stage_id,
        "stage_kind": deal.stage.kind,
        "contact": deal.contact_id,
        "company": deal.company_id,
        "lead": deal.lead_id,
        "owner": deal.owner_id,
        "amount": money_json(deal.amount, deal.currency),
        "expected_close_date": deal.expected_close_date,
        "products": [
            {
                "product": p.product_id,
                "quantity": p.quantity,
                "unit_price": money_json(p.unit_price, deal.currency),
            }
            for p in deal.products.all()
        ],
        "lost_reason": deal.lost_reason_id,
        "lost_note": deal.lost_note,
        "stage_entered_at": deal.stage_entered_at,
        "closed_at": deal.closed_at,
        "order": order.pk if order else None,
        "version": deal.version,
        "created_at": deal.created_at,
        "updated_at": deal.updated_at,
    }


def _deal_detail_json(deal: Deal) -> dict[str, Any]:
    changes = list(DealStageChange.objects.filter(deal=deal).order_by("at", "id"))
    now = timezone.now()
    history = []
    for i, change in enumerate(changes):
        if i + 1 < len(changes):
            seconds = changes[i + 1].seconds_in_previous
        elif deal.stage.kind == Stage.Kind.OPEN:
            seconds = max(0, int((now - change.at).total_seconds()))
        else:
            seconds = None
        history.append(
            {
                "stage": change.to_stage_id,
                "from_stage": change.from_stage_id,
                "entered_at": change.at,
                "by": change.by_id,
                "seconds_in_stage": seconds,
            }
        )
    return {**deal_json(deal), "stage_history": history}


def _deal_or_404(request: HttpRequest, deal_id: int) -> Deal:
    return get_object_or_404(deals_queryset(selectors.deals_for(user_of(request))), pk=deal_id)


def _written(deal: Deal) -> dict[str, Any]:
    """The deal as stored, read unscoped: handing it to another team is allowed and the
    caller still gets the answer to what they sent."""
    return _deal_detail_json(deals_queryset().get(pk=deal.pk))


@deals_router.get("", response=DealPage, exclude_unset=True, url_name="deal_list")
def deal_list(request: HttpRequest, filters: Query[DealListParams]) -> dict[str, Any]:
    """Deals the caller may see, newest first."""
    user = user_of(request)
    deals = DEAL_FILTERS.filter(selectors.deals_for(user), DEAL_FILTERS.strict(request.GET), user)
    return page_of(
        deals_queryset(deals),
        ordering=DEAL_ORDERINGS[filters.sort],
        params=filters,
        serialize=deal_json,
    )


@deals_router.post("", response={201: DealDetailOut, **WRITE_ERRORS}, url_name="deal_create")
def deal_create(request: HttpRequest, payload: DealIn) -> Status[dict[str, Any]]:
    """Open a deal for a contact you can see, in a pipeline's first open stage by default."""
    data = payload.model_dump(exclude={"amount", "products"})
    currency = None
    if payload.amount is not None:
        amount = money_in(payload.amount, "amount")
        data["amount"], data["currency"] = str(amount.amount), amount.currency
        currency = amount.currency
    products = []
    for i, row in enumerate(payload.products):
        item: dict[str, Any] = {"product": row.product, "quantity": row.quantity}
        if row.unit_price is not None:
            price = money_in(row.unit_price, f"products[{i}].unit_price")
            currency = currency or price.currency
            if price.currency != currency:
                raise ValidationError(
                    {f"products[{i}].unit_price.currency": [_("Use the deal's currency.")]}
                )
            item["unit_price"] = str(price.amount)
        products.append(item)
    data["products"] = products
    if currency and "currency" not in data:
        data["currency"] = currency
    deal = services.deal_create(actor=user_of(request), data=data)
    return Status(201, _written(deal))


@deals_router.get(
    "/{int:deal_id}", response={200: DealDetailOut, 404: ErrorOut}, url_name="deal_detail"
)
def deal_detail(request: HttpRequest, deal_id: Id) -> dict[str, Any]:
    """A deal with its products and stage history (time spent in each stage)."""
    return _deal_detail_json(_deal_or_404(request, deal_id))


@deals_router.patch(
    "/{int:deal_id}", response={200: DealDetailOut, **WRITE_ERRORS}, url_name="deal_update"
)
def deal_update(request: HttpRequest, deal_id: Id, payload: DealPatch) -> dict[str, Any]:
    """Change the fields sent; stage moves go through `POST deals/{id}/move`."""
    data = payload.model_dump(exclude_unset=True, exclude={"amount", "version"})
    if payload.amount is not None:
        amount = money_in(payload.amount, "amount")
        data["amount"], data["currency"] = amount.amount, amount.currency
    elif "amount" in payload.model_fields_set:
        raise ValidationError({"amount": [_("Give an amount (0 for none).")]})
    if "owner" in data and data["owner"] is None:
        raise ValidationError({"owner": [_("A deal always has an owner.")]})
    deal = services.deal_update(
        actor=user_of(request),
        deal=_deal_or_404(request, deal_id),
        data=data,
        expected_version=payload.version,
    )
    return _written(deal)


@deals_router.delete(
    "/{int:deal_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    url_name="deal_delete",
)
def deal_delete(request: HttpRequest, deal_id: Id) -> Status[None]:
    """Delete a deal with its products and stage history. A deal with an order is refused
    (409): delete that order first."""
    services.deal_delete(actor=user_of(request), deal=_deal_or_404(request, deal_id))
    return Status(204, None)


@deals_router.post(
    "/{int:deal_id}/move", response={200: DealDetailOut, **WRITE_ERRORS}, url_name="deal_move"
)
def deal_move(request: HttpRequest, deal_id: Id, payload: DealMoveIn) -> dict[str, Any]:
    """Move a deal to another stage of its pipeline. Losing names a lost reason; winning
    records the deal's order (see `order` in the answer)."""
    deal = _deal_or_404(request, deal_id)
    stage = Stage.objects.filter(pk=payload.stage).first()
    if stage is None:
        raise ValidationError({"stage": [_("No such stage.")]})
    reason = None
    if payload.lost_reason is not None:
        reason = LostReason.objects.filter(pk=payload.lost_reason).first()
        if reason is None:
            raise ValidationError({"lost_reason": [_("No such lost reason.")]})
    deal = services.deal_move_stage(
        actor=user_of(request),
        deal=deal,
        stage=stage,
        lost_reason=reason,
        lost_note=payload.lost_note,
        expected_version=payload.version,
    )
    return _written(deal)
