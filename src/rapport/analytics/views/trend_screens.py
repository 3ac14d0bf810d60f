"""Analytics screens over time and across products and people: the cohort heatmap, the
forecast with its intervals and backtest, the cross-sell pairs (and the product page's
"customers who bought this also bought"), the manager league table, and the refresh status
with the administrators' "Refresh now" button.

They share the dashboards' kit (`dashboard_kit`: sub-navigation, team and period filter,
refresh status, CSV download). Every figure comes from `analytics.selectors` (stored by the
last refresh, or computed there for the manager table); these views only arrange it into
tables, charts and CSV files."""

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.models import Team
from rapport.analytics import labels, selectors, trend_labels
from rapport.analytics.refresh.messages import describe_warning
from rapport.analytics.views.customers_screens import contact_list_url
from rapport.analytics.views.dashboard_kit import (
    DashboardFilters,
    csv_download,
    dashboard_context,
    dashboard_filters,
    register_dashboard,
    require_reader_or_403,
)
from rapport.catalog.models import Category, Product
from rapport.core import permissions
from rapport.core.http import Request
from rapport.core.params import parse_id

PRODUCT_PANEL_TEMPLATE = "analytics/_also_bought.html"

register_dashboard("analytics:cohorts", gettext_lazy("Cohorts"), order=60)
register_dashboard("analytics:forecast", gettext_lazy("Forecast"), order=70)
register_dashboard("analytics:cross_sell", gettext_lazy("Cross-sell"), order=80)
register_dashboard("analytics:managers", gettext_lazy("Managers"), order=90)
register_dashboard("analytics:refresh_status", gettext_lazy("Refresh"), order=100)


# --- shared pieces ---------------------------------------------------------------------------


def _context(request: Request, filters: DashboardFilters, **extra: Any) -> dict[str, Any]:
    """The kit's context (refresh button, filters) plus the last refresh and the query the
    CSV link repeats."""
    return dashboard_context(
        request,
        filters=filters,
        run=selectors.last_customer_run(),
        query=request.GET.urlencode(),
        **extra,
    )


def _month_after(month: str, months: int) -> str:
    """The month (YYYY-MM) that comes `months` after `month` (YYYY-MM)."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# --- cohorts ---------------------------------------------------------------------------------

COHORT_METRICS = {
    "retention": gettext_lazy("Customers retained, %"),
    "customers": gettext_lazy("Customers retained"),
    "revenue": gettext_lazy("Revenue"),
}


def cohort_rows(
    cells: list[dict[str, Any]], filters: DashboardFilters
) -> tuple[list[dict[str, Any]], int]:
    """The stored cells as heatmap rows (one per cohort, oldest first) and the column count;
    each cell and row links to its customers (of the team shown, when one was chosen)."""
    rows: dict[str, dict[str, Any]] = {}
    for cell in cells:
        cohort = cell["cohort"][:7]
        row = rows.setdefault(cohort, {"cohort": cohort, "size": cell["cohort_size"], "cells": []})
        month = _month_after(cohort, cell["months_since"])
        row["cells"].append(
            {
                **cell,
                "month": month,
                "url": contact_list_url(filters, cohort=cohort, bought_in=month),
                "heat": round(min(max(cell["retention"] or 0.0, 0.0), 1.0), 2),
            }
        )
    ordered = sorted(rows.values(), key=lambda r: r["cohort"])
    width = max((len(r["cells"]) for r in ordered), default=0)
    top = max((c["revenue"] or 0.0 for r in ordered for c in r["cells"]), default=0.0)
    for row in ordered:
        for c in row["cells"]:  # the revenue view shades by the largest cell
            c["heat_revenue"] = round(max(c["revenue"] or 0.0, 0.0) / top, 2) if top > 0 else 0.0
        row["cells"].sort(key=lambda c: c["months_since"])
        row["url"] = contact_list_url(filters, cohort=row["cohort"])
        row["blank"] = range(width - len(row["cells"]))
    return ordered, width


def _cohort_report(
    request: Request, filters: DashboardFilters
) -> tuple[selectors.StoredReport, list[dict[str, Any]], int]:
    stored = selectors.stored_report(request.user, "cohorts", variant="month", team_id=filters.team)
    rows, width = cohort_rows((stored.payload or {}).get("cells", []), filters)
    return stored, rows, width


@login_required
def cohorts_page(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    metric = request.GET.get("metric", "retention")
    metric = metric if metric in COHORT_METRICS else "retention"
    filters = dashboard_filters(request)
    stored, rows, width = _cohort_report(request, filters)
    context = _context(
        request,
        filters,
        stored=stored,
        rows=rows,
        months=range(width),
        metric=metric,
        metrics=list(COHORT_METRICS.items()),
        currency=stored.currency,
    )
    return render(request, "analytics/cohorts.html", context)


@login_required
def cohorts_csv(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    stored, rows, _width = _cohort_report(request, dashboard_filters(request))
    header = [_("Cohort"), _("Months since the first purchase"), _("Month"), _("Cohort size"),
              _("Customers retained"), _("Customers retained, %"), _("Revenue"),
              _("Currency")]  # fmt: skip
    lines = (
        (r["cohort"], c["months_since"], c["month"], c["cohort_size"], c["customers"],
         round(100 * (c["retention"] or 0.0), 1), c["revenue"], stored.currency)
        for r in rows for c in r["cells"]
    )  # fmt: skip
    return csv_download("cohorts.csv", header, lines)


# --- forecast --------------------------------------------------------------------------------

SERIES = {"revenue": gettext_lazy("Revenue"), "orders": gettext_lazy("Orders")}


def _forecast(request: Request, filters: DashboardFilters) -> dict[str, Any]:
    """The viewer's stored forecast, arranged for the page and its CSV."""
    series = request.GET.get("series", "revenue")
    series = series if series in SERIES else "revenue"
    category = parse_id(request.GET.get("category"))
    if category is not None and not Category.objects.filter(pk=category).exists():
        category = None
    payload, pipeline, stored = selectors.forecast(
        request.user,
        series=series,
        category_id=category,
        team_id=filters.team,
    )
    payload = payload or {}
    pipeline_months = {m["month"]: m for m in (pipeline or {}).get("months", [])}
    points = [
        {**p, "pipeline": (pipeline_months.get(p["month"]) or {}).get("weighted_amount")}
        for p in payload.get("points") or []
    ]
    history = [{"month": h["month"][:7], "value": h["value"]} for h in payload.get("history") or []]
    notes = list(payload.get("notes") or [])
    if payload.get("reason"):
        notes.insert(0, {"code": payload["reason"], "params": {}, "message": payload["message"]})
    return {
        "stored": stored,
        "series": series,
        "category": category,
        "ok": bool(payload.get("ok")),
        "method": trend_labels.method_label(payload.get("method")),
        "points": points,
        "history": history,
        "backtest": payload.get("backtest") or {},
        "notes": [trend_labels.forecast_note(n) for n in notes],
        "pipeline": pipeline,
        "with_pipeline": series == "revenue" and category is None and pipeline is not None,
        "currency": stored.currency,
    }


def _forecast_chart(f: dict[str, Any]) -> dict[str, Any]:
    past, ahead = f["history"], f["points"]
    blank: list[Any] = [None] * len(past)
    # the forecast line starts at the last month of history so the two lines join
    joint = [None] * (len(past) - 1) + [past[-1]["value"]] if past else []

    def band(name: str) -> list[Any]:
        return joint + [p[name] for p in ahead]

    return {
        "labels": [h["month"] for h in past] + [p["month"] for p in ahead],
        "history": [h["value"] for h in past] + [None] * len(ahead),
        "forecast": joint + [p["forecast"] for p in ahead],
        "lower_80": band("lower_80"),
        "upper_80": band("upper_80"),
        "lower_95": band("lower_95"),
        "upper_95": band("upper_95"),
        "pipeline": (blank + [p["pipeline"] for p in ahead] if f["with_pipeline"] else None),
        "names": {
            "history": str(_("Actual")),
            "forecast": str(_("Forecast")),
            "band_80": str(_("Range, 80 %")),
            "band_95": str(_("Range, 95 %")),
            "pipeline": str(_("Pipeline, weighted")),
        },
    }


@login_required
def forecast_page(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    filters = dashboard_filters(request)
    f = _forecast(request, filters)
    context = _context(
        request,
        filters,
        **f,
        chart=_forecast_chart(f) if f["points"] or f["history"] else None,
        series_options=list(SERIES.items()),
        categories=Category.objects.order_by("name"),
    )
    return render(request, "analytics/forecast.html", context)


@login_required
def forecast_csv(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    f = _forecast(request, dashboard_filters(request))
    header = [_("Month"), _("Actual"), _("Forecast"), _("Low, 80 %"), _("High, 80 %"),
              _("Low, 95 %"), _("High, 95 %"), _("Pipeline, weighted"), _("Currency")]  # fmt: skip
    unit = f["currency"] if f["series"] == "revenue" else ""
    lines: list[list[Any]] = [
        [h["month"], h["value"], None, None, None, None, None, None, unit] for h in f["history"]
    ]
    lines += [
        [p["month"], None, p["forecast"], p["lower_80"], p["upper_80"], p["lower_95"],
         p["upper_95"], p["pipeline"] if f["with_pipeline"] else None, unit]
        for p in f["points"]
    ]  # fmt: skip
    return csv_download(f"forecast-{f['series']}.csv", header, lines)


# --- cross-sell ------------------------------------------------------------------------------

BASES = {
    "customer": gettext_lazy("Bought by the same customer"),
    "basket": gettext_lazy("Bought in the same order"),
}


def _number(raw: Any) -> float | None:
    try:
        value = float(str(raw))
    except ValueError:
        return None
    return value if 0 <= value < 1e9 else None


def _pairs(request: Request, filters: DashboardFilters) -> dict[str, Any]:
    basis = request.GET.get("basis", "customer")
    basis = basis if basis in BASES else "customer"
    team = filters.team
    product = parse_id(request.GET.get("product"))
    min_lift = _number(request.GET.get("min_lift"))
    min_customers = parse_id(request.GET.get("min_customers"))
    rows = selectors.cross_sell(
        request.user,
        product_id=product,
        basis=basis,
        team_id=team,
        min_lift=min_lift,
        min_customers=min_customers,
    )
    for row in rows:  # the customers who bought both; a basket pair's did so in one order,
        # which the contact list cannot tell, so its number links nowhere
        pair = f"{row['product_id']},{row['also_bought_id']}"
        row["url"] = contact_list_url(filters, bought=pair) if basis == "customer" else None
    return {
        "basis": basis,
        "product": product,
        "min_lift": min_lift,
        "min_customers": min_customers,
        "rows": rows,
        "products": selectors.cross_sell_products(request.user, basis=basis, team_id=team),
    }


@login_required
def cross_sell_page(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    filters = dashboard_filters(request)
    context = _context(request, filters, **_pairs(request, filters), bases=list(BASES.items()))
    return render(request, "analytics/cross_sell.html", context)


@login_required
def cross_sell_csv(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    pairs = _pairs(request, dashboard_filters(request))
    header = [_("Product"), _("Also bought"), _("Support"), _("Confidence"), _("Lift"),
              _("Customers"), _("Product id"), _("Also bought id")]  # fmt: skip
    lines = (
        (r["product_name"], r["also_bought_name"], f"{r['support']:.4f}",
         f"{r['confidence']:.4f}", f"{r['lift']:.2f}", r["customers"], r["product_id"],
         r["also_bought_id"])
        for r in pairs["rows"]
    )  # fmt: skip
    return csv_download(f"cross-sell-{pairs['basis']}.csv", header, lines)


def also_bought_panel(request: Request, product: Product) -> dict[str, Any]:
    """The product page's "customers who bought this also bought" (the catalog's hook);
    nothing for a role that may not read the figures."""
    if not permissions.allows(request.user, "analytics", "view"):
        return {"also_bought": None}
    rows = selectors.cross_sell(request.user, product_id=product.pk, basis="customer", limit=5)
    whole = DashboardFilters()
    for row in rows:
        row["url"] = contact_list_url(whole, bought=f"{row['product_id']},{row['also_bought_id']}")
    return {"also_bought": rows, "also_bought_run": selectors.last_customer_run()}


# --- managers --------------------------------------------------------------------------------

# figure → (column title, True when more is better, how to show it)
MANAGER_COLUMNS: dict[str, tuple[Any, bool, str]] = {
    "leads": (gettext_lazy("Leads"), True, "int"),
    "first_response_minutes_median": (gettext_lazy("First response, min (median)"), False, "1"),
    "conversion_rate": (gettext_lazy("Conversion"), True, "pct"),
    "deals_won": (gettext_lazy("Deals won"), True, "int"),
    "revenue": (gettext_lazy("Revenue"), True, "money"),
    "average_deal": (gettext_lazy("Average deal"), True, "money"),
    "cycle_days_median": (gettext_lazy("Cycle, days (median)"), False, "1"),
    "activities_done": (gettext_lazy("Activities done"), True, "int"),
    "activities_overdue": (gettext_lazy("Activities overdue"), False, "int"),
    "complaints_resolved": (gettext_lazy("Complaints resolved"), True, "int"),
}


def _trend(figure: str, value: Any, change: Any) -> dict[str, Any]:
    """One cell: the value, the change against the previous period and whether it is good."""
    _title, more_is_better, kind = MANAGER_COLUMNS[figure]
    direction = "" if not change else ("up" if change > 0 else "down")
    good = None if not direction else (direction == "up") == more_is_better
    return {"value": value, "change": change, "direction": direction, "good": good, "kind": kind}


def _manager_filters(request: Request) -> DashboardFilters:
    """The team and the period (default: this month up to today)."""
    today = timezone.localdate()
    return dashboard_filters(
        request, period=True, default_start=today.replace(day=1), default_end=today, keep=["sort"]
    )


def _managers(request: Request, filters: DashboardFilters) -> dict[str, Any]:
    start, end = filters.start or timezone.localdate(), filters.end or timezone.localdate()
    team = filters.team
    sort = request.GET.get("sort", "revenue")
    sort = sort if sort in MANAGER_COLUMNS else "revenue"
    rows = selectors.manager_report(request.user, start=start, end=end, team_id=team)
    _title, more_is_better, _kind = MANAGER_COLUMNS[sort]
    # unknown figures (None) last, whichever way the column ranks
    rows.sort(key=lambda r: (r[sort] is None, -(r[sort] or 0) if more_is_better else r[sort] or 0))
    teams = dict(Team.objects.values_list("pk", "name"))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        row["team_name"] = teams.get(row["team"], "")
        row["cells"] = [_trend(f, row[f], row["change"][f]) for f in MANAGER_COLUMNS]
        row["url"] = contact_list_url(DashboardFilters(), owner=row["manager"])
        # the leads counted: the manager's, created in the period (the lead list's filters)
        leads = {"owner": row["manager"], "created_after": start, "created_before": end}
        row["cells"][0]["url"] = f"{reverse('sales:lead_list')}?{urlencode(leads)}"
    days = (end - start).days + 1
    return {
        "start": start,
        "end": end,
        "previous_start": start - dt.timedelta(days=days),
        "previous_end": start - dt.timedelta(days=1),
        "sort": sort,
        "rows": rows,
        "currency": selectors.reporting_currency(),
    }


@login_required
def managers_page(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    filters = _manager_filters(request)
    columns = [  # each heading ranks the table by its figure
        (name, title, "?" + urlencode(filters.query(sort=name)))
        for name, (title, _more, _kind) in MANAGER_COLUMNS.items()
    ]
    context = _context(request, filters, **_managers(request, filters), columns=columns)
    return render(request, "analytics/managers.html", context)


@login_required
def managers_csv(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    m = _managers(request, _manager_filters(request))
    header: list[Any] = [_("Rank"), _("Manager"), _("Team")]
    for title, _more, _kind in MANAGER_COLUMNS.values():
        header += [title, _("%(figure)s, previous period") % {"figure": title},
                   _("%(figure)s, change") % {"figure": title}]  # fmt: skip
    lines = []
    for row in m["rows"]:
        line = [row["rank"], row["name"], row["team_name"]]
        for figure in MANAGER_COLUMNS:
            line += [row[figure], row["previous"][figure], row["change"][figure]]
        lines.append(line)
    return csv_download(f"managers-{m['start']:%Y%m%d}-{m['end']:%Y%m%d}.csv", header, lines)


# --- refresh status --------------------------------------------------------------------------


@login_required
def refresh_status(request: Request) -> HttpResponse:
    """The last customer-metrics refreshes: status, steps, warnings, rates and model fits;
    administrators (and whoever the rule lets recompute) get the "Refresh now" button."""
    require_reader_or_403(request)
    runs = selectors.customer_runs()
    latest = runs[0] if runs else None
    context = _context(
        request,
        dashboard_filters(request),
        latest=latest,
        runs=runs,
        warnings=[describe_warning(w) for w in latest.warnings] if latest else [],
        fits=[
            {
                "name": labels.MODELS.get(name, name),
                "ok": bool(fit.get("ok")),
                "reason": labels.model_reason(fit),
                "params": fit.get("params") or {},
                "customers": fit.get("customers") or 0,
            }
            for name, fit in (latest.fits if latest else {}).items()
        ],
    )
    return render(request, "analytics/refresh_status.html", context)
