"""REST endpoints for the acquisition reports: end-to-end acquisition, the pipeline funnel and a
customer's journey. Each report shows only what the caller may see."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema

from rapport.analytics import journey, selectors
from rapport.analytics.api.routers import customers_router, router
from rapport.contacts.selectors import contacts_for
from rapport.core.api.schemas import Day, ErrorOut, Id, Money
from rapport.core.money import Money as MoneyValue
from rapport.sales.models import Pipeline

ByValue = Literal["source", "channel", "campaign", "owner", "month"]
ModelValue = Literal["first_touch", "last_touch", "linear"]
_BY_COLUMN = {
    "source": "source_id",
    "channel": "channel",
    "campaign": "campaign",
    "owner": "owner_id",
    "month": "month",
}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# --- acquisition ------------------------------------------------------------------------------


class AcquisitionParams(Schema):
    start: Day | None = Field(None, description="First day; default: 1 January this year.")
    end: Day | None = Field(None, description="Last day (included); default: today.")
    by: ByValue = "source"
    model: ModelValue = Field("first_touch", description="How revenue is attributed to leads.")
    team: Id | None = Field(None, description="Only leads owned by this team's members.")
    owner: Id | None = Field(None, description="Only leads owned by this user.")


class AcquisitionRow(Schema):
    key: str | None = Field(
        description="Source id, channel, campaign, owner id or YYYY-MM; null: none."
    )
    label: str
    leads: int
    qualified: int
    converted: int
    deals_won: int
    new_customers: int
    revenue: Money
    spend: Money | None = Field(description="Known per source; null otherwise or when hidden.")
    cost_per_lead: Money | None
    cac: Money | None = Field(description="Customer acquisition cost: spend / new customers.")
    romi_pct: float | None = Field(description="(revenue − spend) / spend × 100.")
    conversion_rate: float | None = Field(description="Leads converted: converted leads / leads.")
    customer_rate: float | None = Field(description="Lead → customer: new customers / leads.")


class AcquisitionOut(Schema):
    start: dt.date
    end: dt.date
    by: str
    model: str
    currency: str
    spend_shown: bool = Field(description="Spend is a business figure: hidden from managers.")
    computed_at: dt.datetime | None = Field(description="When the figures were refreshed.")
    rows: list[AcquisitionRow]


def _money(value: float | None, currency: str) -> dict[str, str] | None:
    if value is None:
        return None
    amount = MoneyValue.parse(Decimal(repr(value)), currency).amount
    return {"amount": str(amount), "currency": currency}


def _key(by: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if by == "month":
        return value.strftime("%Y-%m")
    return str(value)


def _label(by: str, value: Any, labels: dict[Any, str]) -> str:
    if value is None or value == "":
        return {
            "source": _("No source"),
            "campaign": _("No campaign"),
            "owner": _("Unassigned"),
        }.get(by, "")
    if by == "month":
        return value.strftime("%Y-%m")
    return labels.get(value, str(value))


def _float(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@router.get(
    "/acquisition",
    response={200: AcquisitionOut, 403: ErrorOut, 422: ErrorOut},
    url_name="analytics_acquisition",
)
def acquisition_report(request: HttpRequest, params: Query[AcquisitionParams]) -> dict[str, Any]:
    """Leads, qualified, converted, won deals, new customers, revenue, spend, cost per lead,
    CAC and ROMI per source, UTM campaign, owner or month, from the last analytics refresh
    (`rapport analytics refresh`). Sales managers see their team's leads, without spend."""
    end = params.end or timezone.localdate()
    start = params.start or end.replace(month=1, day=1)
    if start > end:
        raise ValidationError({"start": [_("The start cannot be after the end.")]})
    column = _BY_COLUMN[params.by]
    report = selectors.acquisition_report(
        _user(request),
        start=start,
        end=end,
        by=column,
        model=params.model,
        team_id=params.team,
        owner_id=params.owner,
    )
    currency = report["currency"]
    rows = [
        {
            "key": _key(params.by, row[column]),
            "label": _label(params.by, row[column], report["labels"]),
            "leads": row["leads"],
            "qualified": row["qualified"],
            "converted": row["converted"],
            "deals_won": row["deals_won"],
            "new_customers": row["new_customers"],
            "revenue": _money(row["revenue"], currency),
            "spend": _money(row["spend"], currency),
            "cost_per_lead": _money(row["cost_per_lead"], currency),
            "cac": _money(row["cac"], currency),
            "romi_pct": _float(row["romi_pct"], 1),
            "conversion_rate": _float(row["conversion_rate"], 4),
            "customer_rate": _float(row["customer_rate"], 4),
        }
        for row in report["rows"].iter_rows(named=True)
    ]
    return {
        "start": start,
        "end": end,
        "by": params.by,
        "model": params.model,
        "currency": currency,
        "spend_shown": report["spend_shown"],
        "computed_at": report["computed_at"],
        "rows": rows,
    }


# --- funnel -----------------------------------------------------------------------------------


class FunnelParams(Schema):
    pipeline: Id | None = Field(None, description="Default: the default pipeline.")
    start: Day | None = Field(None, description="Only deals opened on or after this day.")
    end: Day | None = Field(None, description="Only deals opened on or before this day.")


class FunnelStage(Schema):
    stage: int
    name: str
    kind: str
    reached: int = Field(description="Deals that got to this stage or further (lost: entered).")
    conversion_to_next: float | None = Field(description="Share that went further.")
    median_days: float | None = Field(description="Median days spent in the stage.")
    mean_days: float | None


class FunnelOut(Schema):
    pipeline: int
    deals: int = Field(description="Deals of this pipeline counted (those you may see).")
    stages: list[FunnelStage]


@router.get(
    "/funnel",
    response={200: FunnelOut, 403: ErrorOut, 422: ErrorOut},
    url_name="analytics_funnel",
)
def funnel(request: HttpRequest, params: Query[FunnelParams]) -> dict[str, Any]:
    """How far the caller's deals of a pipeline got, stage by stage, and how long they stayed."""
    selectors.require_reader(_user(request))
    if params.pipeline is None:
        pipeline = Pipeline.objects.filter(is_default=True).first() or Pipeline.objects.first()
    else:
        pipeline = Pipeline.objects.filter(pk=params.pipeline).first()
    if pipeline is None:
        raise ValidationError({"pipeline": [_("No such pipeline.")]})
    result = selectors.pipeline_funnel(_user(request), pipeline, start=params.start, end=params.end)
    return {
        "pipeline": pipeline.pk,
        "deals": result.deals,
        "stages": [
            {
                "stage": row["stage_id"],
                "name": row["name"],
                "kind": row["kind"],
                "reached": row["reached"],
                "conversion_to_next": _float(row["conversion_to_next"], 4),
                "median_days": _float(row["median_days"], 2),
                "mean_days": _float(row["mean_days"], 2),
            }
            for row in result.stages
        ],
    }


# --- customer journey -------------------------------------------------------------------------


class JourneyStepOut(Schema):
    at: dt.datetime
    kind: str = Field(description="lead, interaction or order.")
    label: str
    channel: str
    source: str
    campaign: str


class JourneyOut(Schema):
    contact: int
    steps: list[JourneyStepOut] = Field(description="In time order, up to the first order.")


@customers_router.get(
    "/{int:contact_id}/journey",
    response={200: JourneyOut, 404: ErrorOut},
    url_name="customer_journey",
)
def customer_journey(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    """A contact's touchpoints (enquiries, interactions) in order, up to their first order."""
    contact = get_object_or_404(contacts_for(_user(request)), pk=contact_id)
    steps = journey.customer_journey(_user(request), contact)
    return {
        "contact": contact.pk,
        "steps": [
            {
                "at": step.at,
                "kind": step.kind,
                "label": step.label,
                "channel": step.channel,
                "source": step.source,
                "campaign": step.campaign,
            }
            for step in steps
        ],
    }
