"""The customer dashboards: the RFM grid and segments, the ABC/XYZ matrices (customers and
products), the lifetime-value distribution and the at-risk list. Each renders what the last
`rapport analytics refresh` stored for the viewer's audience (`selectors.stored_report`),
with its table, a CSV of that table and one sentence saying how to read it; every number
links to the contact (or product) list filtered to exactly the customers it counts."""

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
