"""REST endpoints of customer analytics (INTERFACES.md, "Customer analytics"): the RFM,
ABC/XYZ, lifetime-value, cohort, cross-sell, forecast and manager reports (a customer's own
metrics are in `metrics`). They render what the last `rapport analytics refresh` stored, for
the caller's audience: a sales manager's reports cover their team's customers only
(`selectors.report_scope`)."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema

from rapport.analytics import labels, selectors
from rapport.analytics.api.acquisition import _money, _user
from rapport.analytics.api.routers import router
from rapport.catalog.models import Category
from rapport.core.api.schemas import Day, ErrorOut, Id, Money


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


class TeamParams(Schema):
    team: Id | None = Field(None, description="Only this team's customers (yours by default).")


# --- RFM --------------------------------------------------------------------------------------


class RfmCellOut(Schema):
    r_score: int
    f_score: int
    count: int
    revenue: Money


class RfmSegmentOut(Schema):
    rfm_segment: str
    label: str
    count: int
    revenue: Money


class RfmOut(Schema):
    as_of: dt.date | None = Field(description="Null: no refresh has run yet.")
    currency: str
    cells: list[RfmCellOut] = Field(description="All 25 R × F cells, R 5 → 1, then F 5 → 1.")
    segments: list[RfmSegmentOut]


@router.get("/rfm", response={200: RfmOut, 403: ErrorOut, 422: ErrorOut}, url_name="analytics_rfm")
def rfm_report(request: HttpRequest, params: Query[TeamParams]) -> dict[str, Any]:
    """Customers and revenue per R × F cell and per RFM segment (scores are quintiles, 5 best,
    among customers with a purchase)."""
    stored = selectors.stored_report(_user(request), "rfm", team_id=params.team)
    currency = stored.currency
    payload = stored.payload or _empty_rfm(stored)
    return {
        "as_of": stored.run.as_of if stored.run else None,
        "currency": currency,
        "cells": [{**c, "revenue": _money(c["revenue"], currency)} for c in payload["cells"]],
        "segments": [
            {
                **s,
                "label": labels.segment_label(s["rfm_segment"]),
                "revenue": _money(s["revenue"], currency),
            }
            for s in payload["segments"]
        ],
    }


def _empty_rfm(stored: selectors.StoredReport) -> dict[str, Any]:
    segments = (stored.run.settings.get("rfm_map") if stored.run else None) or labels.RFM_SEGMENTS
    return {
        "cells": [
            {"r_score": r, "f_score": f, "count": 0, "revenue": 0.0}
            for r in range(5, 0, -1)
            for f in range(5, 0, -1)
        ],
        "segments": [{"rfm_segment": s, "count": 0, "revenue": 0.0} for s in segments],
    }


# --- ABC / XYZ --------------------------------------------------------------------------------


class AbcXyzParams(TeamParams):
    entity: Literal["customers", "products"] = "customers"


class WindowOut(Schema):
    from_: dt.date = Field(alias="from")
    to: dt.date


class ThresholdsOut(Schema):
    a: float = Field(description="Cumulative revenue share below which an item is A.")
    b: float = Field(description="… below which it is B; C after.")
    x: float = Field(description="Coefficient of variation up to which an item is X.")
    y: float = Field(description="… up to which it is Y; Z above.")


class AbcXyzCellOut(Schema):
    abc: str
    xyz: str
    count: int
    revenue: Money
    revenue_share: float


class AbcXyzOut(Schema):
    as_of: dt.date | None
    entity: str
    currency: str
    period: str | None = Field(description="month or quarter: XYZ's period.")
    window: WindowOut | None = Field(description="Both days included.")
    thresholds: ThresholdsOut | None
    cells: list[AbcXyzCellOut] = Field(description="All 9 cells, A-X first.")


@router.get(
    "/abc-xyz",
    response={200: AbcXyzOut, 403: ErrorOut, 422: ErrorOut},
    url_name="analytics_abc_xyz",
    by_alias=True,
)
def abc_xyz_report(request: HttpRequest, params: Query[AbcXyzParams]) -> dict[str, Any]:
    """Customers or products per ABC (revenue share) × XYZ (regularity) cell over the window
    of complete months before as_of."""
    stored = selectors.stored_report(
        _user(request), "abc-xyz", variant=params.entity, team_id=params.team
    )
    currency = stored.currency
    payload = stored.payload or {
        "cells": [
            {"abc": a, "xyz": x, "count": 0, "revenue": 0.0, "revenue_share": 0.0}
            for a in "ABC"
            for x in "XYZ"
        ]
    }
    window = payload.get("window")
    return {
        "as_of": stored.run.as_of if stored.run else None,
        "entity": params.entity,
        "currency": currency,
        "period": payload.get("period"),
        "window": {"from": _day(window["from"]), "to": _day(window["to"])} if window else None,
        "thresholds": payload.get("thresholds"),
        "cells": [{**c, "revenue": _money(c["revenue"], currency)} for c in payload["cells"]],
    }


# --- lifetime value ---------------------------------------------------------------------------


class ModelOut(Schema):
    model: str
    ok: bool
    params: dict[str, float] | None
    log_likelihood: float | None
    customers: int = Field(description="Customers the model was fitted on.")
    fit_seconds: float
    reason: str | None = Field(description="Why there are no figures, in words.")


class BinOut(Schema):
    from_: float = Field(alias="from")
    to: float
    count: int


class ClvOut(Schema):
    as_of: dt.date | None
    currency: str
    ok: bool = Field(description="Both models fitted.")
    r: float | None
    alpha: float | None
    a: float | None
    b: float | None
    p: float | None
    q: float | None
    v: float | None
    log_likelihood: float | None = Field(description="BG/NBD's, at the fitted parameters.")
    customers: int = Field(description="Customers BG/NBD was fitted on.")
    fit_seconds: float
    models: list[ModelOut]
    customers_in_scope: int
    distribution: list[BinOut] = Field(
        description="CLV of your customers in up to 20 equal bins of whole cents, each "
        "holding from ≤ CLV < to."
    )


@router.get(
    "/clv",
    response={200: ClvOut, 403: ErrorOut, 422: ErrorOut},
    url_name="analytics_clv",
    by_alias=True,
)
def clv_report(request: HttpRequest, params: Query[TeamParams]) -> dict[str, Any]:
    """The lifetime-value models' parameters and fit, and the CLV distribution."""
    stored = selectors.stored_report(_user(request), "clv", team_id=params.team)
    payload = stored.payload or {}
    fits = payload.get("fits") or (stored.run.fits if stored.run else {}) or {}
    models = [
        {
            "model": name,
            "ok": bool(fit.get("ok")),
            "params": fit.get("params"),
            "log_likelihood": fit.get("log_likelihood"),
            "customers": fit.get("customers") or 0,
            "fit_seconds": fit.get("seconds") or 0.0,
            "reason": labels.model_reason(fit),
        }
        for name, fit in fits.items()
    ]
    every: dict[str, Any] = {}
    for fit in fits.values():
        every.update(fit.get("params") or {})
    bgnbd = fits.get("bgnbd") or {}
    return {
        "as_of": stored.run.as_of if stored.run else None,
        "currency": stored.currency,
        "ok": bool(models) and all(m["ok"] for m in models),
        **{k: every.get(k) for k in ("r", "alpha", "a", "b", "p", "q", "v")},
        "log_likelihood": bgnbd.get("log_likelihood"),
        "customers": bgnbd.get("customers") or 0,
        "fit_seconds": round(sum(m["fit_seconds"] for m in models), 4),
        "models": models,
        "customers_in_scope": payload.get("customers", 0),
        "distribution": payload.get("distribution", []),
    }


# --- cohorts ----------------------------------------------------------------------------------


class CohortParams(TeamParams):
    by: Literal["month"] = "month"


class CohortCellOut(Schema):
    cohort: str = Field(description="YYYY-MM of the customers' first purchase.")
    months_since: int
    cohort_size: int
    customers: int = Field(description="Of the cohort, those who bought in that month.")
    retention: float
    revenue: Money


class CohortsOut(Schema):
    as_of: dt.date | None
    by: str
    currency: str
    cells: list[CohortCellOut]


@router.get(
    "/cohorts",
    response={200: CohortsOut, 403: ErrorOut, 422: ErrorOut},
    url_name="analytics_cohorts",
)
def cohorts_report(request: HttpRequest, params: Query[CohortParams]) -> dict[str, Any]:
    """Monthly acquisition cohorts × months since the first purchase: customers who bought
    again and their revenue (the as-of month reads "so far")."""
    stored = selectors.stored_report(
        _user(request), "cohorts", variant="month", team_id=params.team
    )
    currency = stored.currency
    cells = (stored.payload or {}).get("cells", [])
    return {
        "as_of": stored.run.as_of if stored.run else None,
        "by": params.by,
        "currency": currency,
        "cells": [
            {
                "cohort": c["cohort"][:7],
                "months_since": c["months_since"],
                "cohort_size": c["cohort_size"],
                "customers": c["customers"],
                "retention": c["retention"],
                "revenue": _money(c["revenue"], currency),
            }
            for c in cells
        ],
    }


# --- cross-sell -------------------------------------------------------------------------------


class CrossSellParams(TeamParams):
    product: Id | None = Field(None, description="Only pairs starting from this product.")
    basis: Literal["customer", "basket"] = Field(
        "customer", description="customer: bought by the same customer; basket: in one order."
    )


class PairOut(Schema):
    product: int
    product_name: str
    also_bought: int
    also_bought_name: str
    support: float
    confidence: float = Field(description="Share of the product's buyers who bought the other.")
    lift: float
    customers: int


@router.get(
    "/cross-sell",
    response={200: list[PairOut], 403: ErrorOut, 422: ErrorOut},
    url_name="analytics_cross_sell",
)
def cross_sell_report(request: HttpRequest, params: Query[CrossSellParams]) -> list[dict[str, Any]]:
    """Customers who bought a product also bought another: support, confidence, lift and
    customers per pair, best lift first (at most 200)."""
    rows = selectors.cross_sell(
        _user(request), product_id=params.product, basis=params.basis, team_id=params.team
    )
    return [
        {
            "product": r["product_id"],
            "product_name": r["product_name"],
            "also_bought": r["also_bought_id"],
            "also_bought_name": r["also_bought_name"],
            "support": round(r["support"], 6),
            "confidence": round(r["confidence"], 6),
            "lift": round(r["lift"], 4),
            "customers": r["customers"],
        }
        for r in rows
    ]


# --- forecast ---------------------------------------------------------------------------------


class ForecastParams(TeamParams):
    months: int = Field(12, ge=1, le=60, description="Months ahead (up to the stored horizon).")
    series: Literal["revenue", "orders"] = "revenue"
    category: Id | None = Field(None, description="One product category (default: all sales).")


class PointOut(Schema):
    month: str = Field(description="YYYY-MM.")
    forecast: float
    lower_80: float | None
    upper_80: float | None
    lower_95: float | None
    upper_95: float | None


class BacktestOut(Schema):
    mase: float | None = Field(description="Below 1 beats the seasonal naive.")
    mape: float | None = Field(description="Percent.")
    seasonal_naive_mape: float | None


class PipelineMonthOut(Schema):
    month: str
    weighted_amount: float


class NoteOut(Schema):
    code: str
    message: str


class HistoryOut(Schema):
    month: str = Field(description="YYYY-MM.")
    value: float


class ForecastOut(Schema):
    as_of: dt.date | None
    series: str
    category: int | None
    currency: str
    method: str | None = Field(description="ets_AAdA, ets_MAdM, seasonal_naive, naive or zero.")
    history: list[HistoryOut] = Field(description="The complete months forecast from.")
    points: list[PointOut]
    backtest: BacktestOut
    pipeline: list[PipelineMonthOut] = Field(
        description="Open deals × their stage's probability, by expected close month."
    )
    notes: list[NoteOut]


@router.get(
    "/forecast",
    response={200: ForecastOut, 403: ErrorOut, 422: ErrorOut},
    url_name="analytics_forecast",
)
def forecast_report(request: HttpRequest, params: Query[ForecastParams]) -> dict[str, Any]:
    """Monthly revenue or orders for the coming months with 80 % and 95 % prediction
    intervals, the backtest beside it, and the pipeline-weighted forecast; the history ends
    with the last complete month before as_of."""
    payload, pipeline, stored = selectors.forecast(
        _user(request), series=params.series, category_id=params.category, team_id=params.team
    )
    horizon = int(stored.run.settings.get("forecast_months", 12)) if stored.run else 12
    if params.months > horizon:
        raise ValidationError(
            {"months": [_("At most %(n)s months are forecast (settings).") % {"n": horizon}]}
        )
    if params.category is not None and not Category.objects.filter(pk=params.category).exists():
        raise ValidationError({"category": [_("No such category.")]})
    payload = payload or {}
    notes = payload.get("notes") or []
    if payload.get("reason"):
        notes = [{"code": payload["reason"], "message": payload.get("message") or ""}, *notes]
    return {
        "as_of": stored.run.as_of if stored.run else None,
        "series": params.series,
        "category": params.category,
        "currency": stored.currency,
        "method": payload.get("method"),
        "history": [
            {"month": h["month"][:7], "value": h["value"]} for h in payload.get("history") or []
        ],
        "points": (payload.get("points") or [])[: params.months],
        "backtest": payload.get("backtest")
        or {"mase": None, "mape": None, "seasonal_naive_mape": None},
        "pipeline": [
            {"month": m["month"], "weighted_amount": m["weighted_amount"]}
            for m in (pipeline or {}).get("months", [])[: params.months]
        ],
        "notes": [{"code": n["code"], "message": n["message"]} for n in notes],
    }


# --- manager performance ----------------------------------------------------------------------


class ManagerParams(Schema):
    from_: Day | None = Field(None, alias="from", description="Default: the 1st of this month.")
    to: Day | None = Field(None, description="Last day, included; default: today.")
    team: Id | None = Field(None, description="Only this team's managers.")


class FiguresOut(Schema):
    leads: int | None
    first_response_minutes_median: float | None
    conversion_rate: float | None
    deals_won: int | None
    revenue: float | None
    average_deal: float | None
    cycle_days_median: float | None
    activities_done: int | None
    activities_overdue: int | None
    complaints_resolved: int | None


class ManagerOut(FiguresOut):
    manager: int
    name: str
    team: int | None
    currency: str
    previous: FiguresOut = Field(description="The period of equal length just before.")
    change: FiguresOut = Field(description="This period minus the previous one.")


@router.get(
    "/managers",
    response={200: list[ManagerOut], 403: ErrorOut, 422: ErrorOut},
    url_name="analytics_managers",
)
def managers_report(request: HttpRequest, params: Query[ManagerParams]) -> list[dict[str, Any]]:
    """Each sales manager's leads, first-response time, conversion, deals won, revenue (in
    the reporting currency), average deal, cycle length, activities done and overdue and
    complaints resolved over the period, with the period before it for the trend. A sales
    manager sees their own team's managers."""
    end = params.to or timezone.localdate()
    start = params.from_ or end.replace(day=1)
    if start > end:
        raise ValidationError({"from": [_("The start cannot be after the end.")]})
    rows = selectors.manager_report(_user(request), start=start, end=end, team_id=params.team)
    currency = selectors.reporting_currency()
    return [{**row, "currency": currency} for row in rows]
