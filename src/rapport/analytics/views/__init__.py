"""Analytics pages: the end-to-end acquisition report (chart, table and CSV of the same rows),
the stage funnel of a pipeline, and the button that recomputes the stored cells."""

import csv
import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rapport.accounts.models import Team
from rapport.analytics.journey import customer_journey
from rapport.analytics.models import AnalyticsRun
from rapport.analytics.selectors import (
    acquisition_report,
    pipeline_funnel,
    require_reader,
)
from rapport.analytics.tasks import refresh_analytics_task
from rapport.contacts.selectors import contact_detail_queryset
from rapport.core import permissions, visibility
from rapport.core.http import Request, date_or_none, get_visible_or_404
from rapport.core.params import parse_id
from rapport.sales.models import Pipeline, Stage

GROUPINGS = {
    "source": ("source_id", gettext_lazy("Source")),
    "channel": ("channel", gettext_lazy("Channel")),
    "campaign": ("campaign", gettext_lazy("UTM campaign")),
    "manager": ("owner_id", gettext_lazy("Manager")),
    "month": ("month", gettext_lazy("Month")),
}
GROUPING_OPTIONS = {
    "source": gettext_lazy("By source"),
    "channel": gettext_lazy("By channel"),
    "campaign": gettext_lazy("By UTM campaign"),
    "manager": gettext_lazy("By manager"),
    "month": gettext_lazy("By month"),
}
MODELS = {
    "first_touch": gettext_lazy("First touch"),
    "last_touch": gettext_lazy("Last touch"),
    "linear": gettext_lazy("Linear"),
}
COLUMNS = [
    ("leads", gettext_lazy("Leads")),
    ("qualified", gettext_lazy("Qualified")),
    ("converted", gettext_lazy("Converted")),
    ("deals_won", gettext_lazy("Deals won")),
    ("new_customers", gettext_lazy("New customers")),
    ("revenue", gettext_lazy("Revenue")),
    ("spend", gettext_lazy("Spend")),
    ("cost_per_lead", gettext_lazy("Cost per lead")),
    ("cac", gettext_lazy("CAC")),
    ("romi_pct", gettext_lazy("ROMI, %")),
    # each ratio named for what it divides (acquisition.with_ratios)
    ("conversion_rate", gettext_lazy("Leads converted")),
    ("customer_rate", gettext_lazy("Lead → customer")),
]


def _require_reader(request: Request) -> None:
    try:
        require_reader(request.user)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc


@dataclass
class ReportParams:
    start: dt.date
    end: dt.date
    by: str
    model: str
    team: int | None
    owner: int | None


def report_params(params: Any) -> ReportParams:
    today = timezone.localdate()
    default_start = (today.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    start = date_or_none(params.get("from")) or default_start
    end = date_or_none(params.get("to")) or today
    if end < start:
        start, end = end, start
    by = params.get("by", "source")
    model = params.get("model", "first_touch")
    return ReportParams(
        start=start,
        end=end,
        by=by if by in GROUPINGS else "source",
        model=model if model in MODELS else "first_touch",
        team=parse_id(params.get("team")),
        owner=parse_id(params.get("owner")),
    )


def report_rows(request: Request, p: ReportParams) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The report as display rows (label + numbers) and the selector's extra facts."""
    column, _label = GROUPINGS[p.by]
    report = acquisition_report(
        request.user,
        start=p.start,
        end=p.end,
        by=column,
        model=p.model,
        team_id=p.team,
        owner_id=p.owner,
    )
    table: pl.DataFrame = report["rows"]
    labels = report["labels"]
    rows = []
    for row in table.iter_rows(named=True):
        key = row[column]
        if key is None or key == "":
            label = _("(none)")
        elif p.by == "month":
            label = key.strftime("%Y-%m")
        else:
            label = str(labels.get(key, key))
        rows.append({"label": label, **{name: row.get(name) for name, _t in COLUMNS}})
    return rows, report


def _base_context(request: Request, p: ReportParams) -> dict[str, Any]:
    user: Any = request.user
    owners = get_user_model().objects.filter(visibility.sellers_q())
    teams = Team.objects.all()
    if permissions.reach(user, "analytics", "view") == "team":
        owners = owners.filter(pk__in=user.colleague_ids)
        teams = teams.filter(pk=user.team_id or 0)
    run = AnalyticsRun.objects.filter(kind="acquisition").first()
    return {
        "params": p,
        "groupings": list(GROUPING_OPTIONS.items()),
        "models": list(MODELS.items()),
        "owners": owners.order_by("first_name", "last_name"),
        "teams": teams,
        "run": run,
        "can_refresh": permissions.allows(user, "analytics", "change"),
    }


@login_required
def acquisition_page(request: Request) -> HttpResponse:
    _require_reader(request)
    p = report_params(request.GET)
    rows, report = report_rows(request, p)
    chart = {
        "labels": [r["label"] for r in rows[:20]],
        "series": [
            {"label": str(_("Revenue")), "data": [round(r["revenue"] or 0, 2) for r in rows[:20]]},
            {"label": str(_("Spend")), "data": [round(r["spend"] or 0, 2) for r in rows[:20]]},
        ],
        "counts": [
            {"label": str(_("Leads")), "data": [r["leads"] for r in rows[:20]]},
            {"label": str(_("New customers")), "data": [r["new_customers"] for r in rows[:20]]},
        ],
        "currency": report["currency"],
        # lines join points of a time series; between categories (sources…) they would
        # suggest a trend that does not exist, so those get points
        "time_series": p.by == "month",
    }
    context = _base_context(request, p)
    context.update(
        rows=rows,
        columns=COLUMNS,
        chart=chart,
        currency=report["currency"],
        spend_shown=report["spend_shown"],
        grouping_label=GROUPINGS[p.by][1],
        query=request.GET.urlencode(),
    )
    return render(request, "analytics/acquisition.html", context)


def _csv_cell(value: Any) -> Any:
    # Spreadsheets run cells starting with = + - @ as formulas; labels come from user data.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else value


@login_required
def acquisition_csv(request: Request) -> HttpResponse:
    _require_reader(request)
    p = report_params(request.GET)
    rows, _report = report_rows(request, p)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"acquisition-{p.by}-{p.start:%Y%m%d}-{p.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow([str(GROUPINGS[p.by][1]), *[str(title) for _n, title in COLUMNS]])
    for row in rows:
        writer.writerow([_csv_cell(row["label"]), *[_csv_cell(row[name]) for name, _t in COLUMNS]])
    return response


@login_required
@require_POST
def refresh(request: Request) -> HttpResponse:
    """Queue a recomputation of the stored analytics (customer metrics and acquisition)."""
    if not permissions.allows(request.user, "analytics", "change"):
        raise PermissionDenied
    refresh_analytics_task.enqueue()
    run = AnalyticsRun.objects.filter(kind="acquisition").first()
    if run is not None and run.computed_at >= timezone.now() - dt.timedelta(seconds=60):
        messages.success(request, _("The figures were recomputed."))
    else:
        messages.success(request, _("Recomputing in the background; reload the page in a minute."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/analytics/"
    return redirect(target)


# --- funnel ----------------------------------------------------------------------------------


@login_required
def funnel_page(request: Request) -> HttpResponse:
    _require_reader(request)
    pipelines = Pipeline.objects.all()
    chosen = parse_id(request.GET.get("pipeline"))
    pipeline = (pipelines.filter(pk=chosen).first() if chosen else None) or (
        pipelines.filter(is_default=True).first() or pipelines.first()
    )
    start = date_or_none(request.GET.get("from"))
    end = date_or_none(request.GET.get("to"))
    rows = pipeline_funnel(request.user, pipeline, start=start, end=end).stages if pipeline else []
    kinds = dict(Stage.Kind.choices)
    for row in rows:
        row["kind_label"] = kinds.get(row["kind"], row["kind"])
    chart = {
        "labels": [r["name"] for r in rows],
        "series": [
            {"label": str(_("Deals that reached the stage")), "data": [r["reached"] for r in rows]}
        ],
        "days": [
            round(r["median_days"], 1) if r["median_days"] is not None else None for r in rows
        ],
        "days_label": str(_("Median days in stage")),
    }
    return render(
        request,
        "analytics/funnel.html",
        {
            "pipelines": pipelines,
            "pipeline": pipeline,
            "rows": rows,
            "chart": chart,
            "start": start,
            "end": end,
            "run": AnalyticsRun.objects.filter(kind="acquisition").first(),
        },
    )


@login_required
def contact_journey(request: Request, pk: int) -> HttpResponse:
    """The contact's touchpoints up to the first order; loaded after the page (HTMX)."""
    contact = get_visible_or_404(contact_detail_queryset(request.user), pk)
    context = {"contact": contact, "journey": customer_journey(request.user, contact)}
    return render(request, "contacts/detail.html#journey", context)
