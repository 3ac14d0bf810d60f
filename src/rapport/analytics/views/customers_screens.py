"""The customer dashboards: the RFM grid and segments, the ABC/XYZ matrices (customers and
products), the lifetime-value distribution and the at-risk list. Each renders what the last
`rapport analytics refresh` stored for the viewer's audience (`selectors.stored_report`),
with its table, a CSV of that table and one sentence saying how to read it; every number
links to the contact (or product) list filtered to exactly the customers it counts."""

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.analytics import labels, selectors
from rapport.analytics.maths.rfm import DEFAULT_SEGMENT_MAP
from rapport.analytics.views.dashboard_kit import (
    DashboardFilters,
    csv_download,
    dashboard_context,
    dashboard_filters,
    register_dashboard,
    require_reader_or_403,
)
from rapport.core.http import Request

register_dashboard("analytics:rfm", gettext_lazy("RFM"), order=30)
register_dashboard("analytics:abc_xyz", gettext_lazy("ABC/XYZ"), order=40)
register_dashboard("analytics:clv", gettext_lazy("Lifetime value and churn"), order=50)


def contact_list_url(filters: DashboardFilters, **params: Any) -> str:
    """The contact list narrowed to the customers a number counts (and to the team the
    dashboard shows, when one was chosen)."""
    query = {k: str(v) for k, v in params.items()}
    if filters.team:
        query["team"] = str(filters.team)
    return f"{reverse('contacts:contact_list')}?{urlencode(query)}"


# --- RFM --------------------------------------------------------------------------------------


def _segment_of_cell(run: Any) -> dict[str, str]:
    """ "RF" → the segment key that cell belongs to, in the map the refresh used."""
    segment_map = (run.settings.get("rfm_map") if run else None) or DEFAULT_SEGMENT_MAP
    return {cell: segment for segment, cells in segment_map.items() for cell in cells}


def rfm_tables(request: Request, filters: DashboardFilters) -> dict[str, Any]:
    """The stored RFM report as the page shows it: grid rows (R 5 → 1) of cells (F 1 → 5)
    and the segment rows, each number with the link to its customers."""
    stored = selectors.stored_report(request.user, "rfm", team_id=filters.team)
    payload = stored.payload or {"cells": [], "segments": []}
    cells = {(c["r_score"], c["f_score"]): c for c in payload["cells"]}
    busiest = max((c["count"] for c in payload["cells"]), default=0)
    segment_of = _segment_of_cell(stored.run)
    grid = []
    for r in range(5, 0, -1):
        row = []
        for f in range(1, 6):
            cell = cells.get((r, f), {"count": 0, "revenue": 0.0})
            segment = segment_of.get(f"{r}{f}", "")
            row.append(
                {
                    "r_score": r,
                    "f_score": f,
                    "count": cell["count"],
                    "revenue": cell["revenue"],
                    "segment": segment,
                    "segment_label": labels.segment_label(segment) or "",
                    # the cell's shade: its customers against the busiest cell's (0–100)
                    "heat": round(100 * cell["count"] / busiest) if busiest else 0,
                    "url": contact_list_url(filters, r_score=r, f_score=f),
                }
            )
        grid.append({"r_score": r, "cells": row})
    customers = sum(s["count"] for s in payload["segments"])
    segments = [
        {
            "key": s["rfm_segment"],
            "label": labels.segment_label(s["rfm_segment"]),
            "count": s["count"],
            "revenue": s["revenue"],
            "share": s["count"] / customers if customers else 0.0,
            "url": contact_list_url(filters, rfm_segment=s["rfm_segment"]),
        }
        for s in payload["segments"]
    ]
    return {
        "stored": stored,
        "grid": grid,
        "segments": segments,
        "customers": customers,
        "currency": stored.currency,
    }


@login_required
def rfm_page(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    filters = dashboard_filters(request)
    tables = rfm_tables(request, filters)
    context = dashboard_context(
        request,
        filters=filters,
        run=tables["stored"].run,
        has_figures=tables["stored"].payload is not None,
        csv_url=f"{reverse('analytics:rfm_csv')}?{urlencode(filters.query())}",
        **tables,
    )
    return render(request, "analytics/rfm.html", context)


@login_required
def rfm_csv(request: Request) -> HttpResponse:
    """The grid's 25 cells, then the segments: one table, as the page's two."""
    require_reader_or_403(request)
    filters = dashboard_filters(request)
    tables = rfm_tables(request, filters)
    currency = tables["currency"]
    rows: list[list[Any]] = []
    for grid_row in tables["grid"]:
        for cell in grid_row["cells"]:
            rows.append(
                [cell["r_score"], cell["f_score"], cell["segment_label"], cell["count"],
                 cell["revenue"]]
            )  # fmt: skip
    for segment in tables["segments"]:
        rows.append(["", "", segment["label"], segment["count"], segment["revenue"]])
    header = [_("R score"), _("F score"), _("RFM segment"), _("Customers"),
              _("Revenue, %(currency)s") % {"currency": currency}]  # fmt: skip
    return csv_download("rfm.csv", header, rows)


# --- ABC / XYZ --------------------------------------------------------------------------------

ENTITIES = {"customers": gettext_lazy("Customers"), "products": gettext_lazy("Products")}


def _entity(request: Request) -> str:
    entity = request.GET.get("entity", "customers")
    return entity if entity in ENTITIES else "customers"


def abc_xyz_tables(request: Request, filters: DashboardFilters, entity: str) -> dict[str, Any]:
    """The stored matrix as the page shows it: rows A, B, C of cells X, Y, Z, each with its
    link — customers to the contact list; products to the product list, whose classes are
    the whole business's, so only when the matrix is the whole business's too."""
    stored = selectors.stored_report(request.user, "abc-xyz", variant=entity, team_id=filters.team)
    payload = stored.payload or {"cells": []}
    cells = {(c["abc"], c["xyz"]): c for c in payload["cells"]}
    whole_business = selectors.report_scope(request.user, team_id=filters.team) == "all"
    linked = entity == "customers" or whole_business
    # shaded by revenue: most of a catalogue is C without sales, and would drown the rest
    richest = max((c["revenue_share"] for c in payload["cells"]), default=0.0)
    rows = []
    for abc in "ABC":
        row = []
        for xyz in "XYZ":
            cell = cells.get((abc, xyz), {"count": 0, "revenue": 0.0, "revenue_share": 0.0})
            if entity == "customers":
                url = contact_list_url(filters, abc_class=abc, xyz_class=xyz)
            else:
                query = urlencode({"abc_class": abc, "xyz_class": xyz, "active": "all"})
                url = f"{reverse('catalog:product_list')}?{query}"
            row.append(
                {
                    "abc": abc,
                    "xyz": xyz,
                    "count": cell["count"],
                    "revenue": cell["revenue"],
                    "revenue_share": cell["revenue_share"],
                    "heat": round(100 * cell["revenue_share"] / richest) if richest else 0,
                    "url": url if linked else "",
                }
            )
        rows.append({"abc": abc, "cells": row})
    window = payload.get("window")
    return {
        "stored": stored,
        "matrix": rows,
        "window": {"from": dt.date.fromisoformat(window["from"]),
                   "to": dt.date.fromisoformat(window["to"])} if window else None,
        "thresholds": payload.get("thresholds"),
        "period": payload.get("period"),
        "linked": linked,
        "currency": stored.currency,
    }  # fmt: skip


@login_required
def abc_xyz_page(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    entity = _entity(request)
    filters = dashboard_filters(request, keep=["entity"])
    tables = abc_xyz_tables(request, filters, entity)
    base = reverse("analytics:abc_xyz")
    tabs = [
        {
            "label": label,
            "url": f"{base}?{urlencode({**filters.query(), 'entity': key})}",
            "current": key == entity,
        }
        for key, label in ENTITIES.items()
    ]
    context = dashboard_context(
        request,
        filters=filters,
        entity=entity,
        tabs=tabs,
        run=tables["stored"].run,
        has_figures=tables["stored"].payload is not None,
        csv_url=f"{reverse('analytics:abc_xyz_csv')}?{urlencode(filters.query(entity=entity))}",
        **tables,
    )
    return render(request, "analytics/abc_xyz.html", context)


@login_required
def abc_xyz_csv(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    entity = _entity(request)
    filters = dashboard_filters(request, keep=["entity"])
    tables = abc_xyz_tables(request, filters, entity)
    rows = [
        [c["abc"], c["xyz"], c["count"], c["revenue"], round(100 * c["revenue_share"], 2)]
        for row in tables["matrix"]
        for c in row["cells"]
    ]
    header = [_("ABC class"), _("XYZ class"), ENTITIES[entity],
              _("Revenue, %(currency)s") % {"currency": tables["currency"]},
              _("Share of revenue, %")]  # fmt: skip
    return csv_download(f"abc-xyz-{entity}.csv", header, rows)


# --- lifetime value and the customers at risk -------------------------------------------------

AT_RISK_ROWS = 50


def _url(name: str, query: dict[str, str]) -> str:
    return f"{reverse(name)}?{urlencode(query)}"


def clv_tables(request: Request, filters: DashboardFilters) -> dict[str, Any]:
    """The stored lifetime-value report (the models' fits, or why they gave no figures, and
    the distribution with each bin's link) and the at-risk list."""
    stored = selectors.stored_report(request.user, "clv", team_id=filters.team)
    payload = stored.payload or {}
    fits = payload.get("fits") or {}
    models = [
        {
            "name": labels.MODELS.get(key, key),
            "ok": bool(fit.get("ok")),
            "reason": labels.model_reason(fit),
            "params": fit.get("params") or {},
            "customers": fit.get("customers") or 0,
            "log_likelihood": fit.get("log_likelihood"),
        }
        for key, fit in fits.items()
    ]
    bins = [
        {
            **b,
            "url": contact_list_url(
                filters, clv_from=f"{b['from']:.2f}", clv_below=f"{b['to']:.2f}"
            ),
        }
        for b in payload.get("distribution") or []
    ]
    return {
        "stored": stored,
        "models": models,
        "bins": bins,
        "valued": sum(b["count"] for b in bins),
        "customers_in_scope": payload.get("customers", 0),
        "at_risk": selectors.at_risk_customers(
            request.user, team_id=filters.team, limit=AT_RISK_ROWS
        ),
        "currency": stored.currency,
        "horizon_months": (stored.run.settings.get("clv_months") if stored.run else None) or 12,
    }


@login_required
def clv_page(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    filters = dashboard_filters(request)
    tables = clv_tables(request, filters)
    chart = {
        "labels": [f"{b['from']:,.0f}–{b['to']:,.0f}" for b in tables["bins"]],
        "counts": [b["count"] for b in tables["bins"]],
        "urls": [b["url"] for b in tables["bins"]],
        "label": str(_("Customers")),
        "axis": str(_("Lifetime value, %(currency)s") % {"currency": tables["currency"]}),
    }
    query = filters.query()
    context = dashboard_context(
        request,
        filters=filters,
        run=tables["stored"].run,
        has_figures=tables["stored"].payload is not None,
        chart=chart,
        at_risk_csv_url=_url("analytics:clv_csv", {**query, "table": "at_risk"}),
        distribution_csv_url=_url("analytics:clv_csv", {**query, "table": "distribution"}),
        by_risk_url=_url("contacts:contact_list", {**query, "sort": "-churn_risk"}),
        **tables,
    )
    return render(request, "analytics/clv.html", context)


@login_required
def clv_csv(request: Request) -> HttpResponse:
    """?table=at_risk (default): the at-risk list; ?table=distribution: the histogram."""
    require_reader_or_403(request)
    filters = dashboard_filters(request)
    tables = clv_tables(request, filters)
    money = _("%(what)s, %(currency)s")
    currency = tables["currency"]
    if request.GET.get("table") == "distribution":
        header = [
            money % {"what": _("CLV from"), "currency": currency},
            money % {"what": _("CLV below"), "currency": currency},
            _("Customers"),
        ]
        rows = [[b["from"], b["to"], b["count"]] for b in tables["bins"]]
        return csv_download("clv-distribution.csv", header, rows)
    header = [_("Contact id"), _("Customer"), _("Owner"),
              money % {"what": _("Lifetime value"), "currency": currency}, _("Churn risk"),
              money % {"what": _("Value at risk"), "currency": currency}, _("Last purchase"),
              _("RFM segment"), _("Why")]  # fmt: skip
    rows = [
        [r["contact"].pk, r["contact"].full_name, str(r["contact"].owner or ""), r["clv"],
         f"{r['churn_risk']:.3f}", r["value_at_risk"], r["last_purchase"].isoformat(),
         r["rfm_segment"] or "", r["reason"] or ""]
        for r in tables["at_risk"]
    ]  # fmt: skip
    return csv_download("at-risk.csv", header, rows)
