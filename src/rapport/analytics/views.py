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
from rapport.analytics import acquisition
from rapport.analytics.loaders import frame
from rapport.analytics.models import AnalyticsRun
from rapport.analytics.selectors import acquisition_report, customer_journey, require_reader
from rapport.analytics.tasks import refresh_acquisition_task
from rapport.contacts.selectors import contact_detail_queryset
from rapport.core import permissions
from rapport.core.http import Request, date_or_none, get_visible_or_404, int_or_none
from rapport.sales.models import DealStageChange, LeadSource, Pipeline, Stage
from rapport.sales.selectors import deals_for

GROUPINGS = {
    "source": ("source_id", gettext_lazy("Source")),
    "channel": ("source_id", gettext_lazy("Channel")),
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
COUNTS = ["leads", "qualified", "converted", "deals_won", "new_customers", "revenue", "spend"]
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
    ("conversion_rate", gettext_lazy("Lead → customer")),
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
        team=int_or_none(params.get("team")),
        owner=int_or_none(params.get("owner")),
    )


def _ratios(table: pl.DataFrame) -> pl.DataFrame:
    def ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
        return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)

    return table.with_columns(
        ratio(pl.col("spend"), pl.col("leads")).alias("cost_per_lead"),
        ratio(pl.col("spend"), pl.col("new_customers")).alias("cac"),
        (ratio(pl.col("revenue") - pl.col("spend"), pl.col("spend")) * 100).alias("romi_pct"),
        ratio(pl.col("converted"), pl.col("leads")).alias("conversion_rate"),
    )


def by_channel(rows: pl.DataFrame) -> pl.DataFrame:
    """Source rows summed per channel (the source's kind), ratios recomputed."""
    kinds = dict(LeadSource.objects.values_list("pk", "kind"))
    keyed = rows.with_columns(
        pl.col("source_id")
        .map_elements(lambda pk: kinds.get(pk, ""), return_dtype=pl.String)
        .fill_null("")
        .alias("channel")
    )
    summed = keyed.group_by("channel").agg(
        *[pl.col(c).sum() for c in COUNTS if c != "spend"],
        # Spend stays unknown (null) for a channel none of whose sources has any.
        pl.when(pl.col("spend").is_not_null().any()).then(pl.col("spend").sum()).alias("spend"),
    )
    return _ratios(summed).sort("revenue", "leads", descending=True)


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
    if p.by == "channel":
        table = by_channel(table)
        column = "channel"
        labels = dict(LeadSource.Kind.choices)
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
    owners = get_user_model().objects.filter(permissions.sellers_q())
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
    """Queue a recomputation of the stored acquisition cells."""
    if not permissions.allows(request.user, "analytics", "change"):
        raise PermissionDenied
    refresh_acquisition_task.enqueue()
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


def funnel_rows(request: Request, pipeline: Pipeline, start: dt.date | None, end: dt.date | None):
    """stage_funnel over the deals of `pipeline` the viewer may see (created in the period)."""
    deals = deals_for(request.user).filter(pipeline=pipeline)
    if start:
        deals = deals.filter(created_at__date__gte=start)
    if end:
        deals = deals.filter(created_at__date__lte=end)
    changes_qs = DealStageChange.objects.filter(deal__in=deals.values("pk")).values_list(
        "deal_id", "from_stage_id", "to_stage_id", "seconds_in_previous"
    )
    sql, params = changes_qs.query.sql_with_params()
    changes = frame(
        sql,
        list(params),
        {
            "deal_id": pl.Int64,
            "from_stage_id": pl.Int64,
            "to_stage_id": pl.Int64,
            "seconds_in_previous": pl.Int64,
        },
    )
    stages = pl.DataFrame(
        [
            {"stage_id": s.pk, "name": s.label, "position": s.position, "kind": s.kind}
            for s in pipeline.stages.order_by("position", "id")
        ],
        schema={"stage_id": pl.Int64, "name": pl.String, "position": pl.Int64, "kind": pl.String},
    )
    if stages.is_empty():
        return []
    return list(acquisition.stage_funnel(changes, stages).iter_rows(named=True))


@login_required
def funnel_page(request: Request) -> HttpResponse:
    _require_reader(request)
    pipelines = Pipeline.objects.all()
    chosen = int_or_none(request.GET.get("pipeline"))
    pipeline = (pipelines.filter(pk=chosen).first() if chosen else None) or (
        pipelines.filter(is_default=True).first() or pipelines.first()
    )
    start = date_or_none(request.GET.get("from"))
    end = date_or_none(request.GET.get("to"))
    rows = funnel_rows(request, pipeline, start, end) if pipeline else []
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
