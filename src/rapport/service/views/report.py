"""The root-cause report page: top causes month by month (bars), by category and by
product, with each cause's trend and satisfaction, a table of the same figures and its CSV."""

import csv
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from rapport.core import permissions
from rapport.core.http import Request, date_or_none
from rapport.service import report

TOP_IN_CHART = 6  # causes drawn month by month; the others are summed as "Other causes"


def _require_reader(request: Request) -> None:
    if not permissions.allows(request.user, "complaints", "view"):
        raise PermissionDenied


def _period(request: Request) -> tuple[report.Period, str]:
    """The period asked for, or the default one with the reason a bad one was ignored."""
    start = date_or_none(request.GET.get("from"))
    end = date_or_none(request.GET.get("to"))
    try:
        return report.period(start, end), ""
    except ValidationError as exc:
        return report.period(), " ".join(exc.messages)


def _list_link(within: report.Period, **filters: Any) -> str:
    query = {
        "created_after": within.start.isoformat(),
        "created_before": within.end.isoformat(),
        **{k: ("none" if v is None else v) for k, v in filters.items()},
    }
    return reverse("service:complaint_list") + "?" + urlencode(query)


def rows(result: report.RootCauseReport) -> list[dict[str, Any]]:
    """One row per cause, the way the table and the CSV show it."""
    within = result.period
    return [
        {
            "id": row["root_cause"],
            "label": result.cause_name(row["root_cause"]) or _("(no root cause yet)"),
            "count": row["count"],
            "share": row["count"] / result.figures["complaints"]
            if result.figures["complaints"]
            else 0,
            "csat_average": row["csat_average"],
            "csat_answers": row["csat_answers"],
            "trend": row["trend_per_month"],
            "url": _list_link(within, root_cause=row["root_cause"]),
        }
        for row in result.figures["causes"]
    ]


def _named(
    result: report.RootCauseReport, table: str, key: str, names: dict[int, str]
) -> list[dict[str, Any]]:
    none = _("(no category)") if key == "category" else _("(no product)")
    return [
        {
            "label": names.get(row[key], "") if row[key] is not None else none,
            "count": row["count"],
            "csat_average": row["csat_average"],
            "url": _list_link(result.period, **{key: row[key]}),
        }
        for row in result.figures[table]
    ]


def _chart(result: report.RootCauseReport) -> dict[str, Any]:
    """Monthly bars, stacked by cause: the top causes of the period and the rest together."""
    top = [row["root_cause"] for row in result.figures["causes"] if row["root_cause"] is not None][
        :TOP_IN_CHART
    ]
    series: dict[Any, list[int]] = {cause: [0] * len(result.months) for cause in top}
    other = [0] * len(result.months)
    index = {month: i for i, month in enumerate(result.months)}
    for row in result.figures["months"]:
        i = index.get(row["month"])
        if i is None:
            continue
        if row["root_cause"] in series:
            series[row["root_cause"]][i] += row["count"]
        else:
            other[i] += row["count"]
    datasets = [{"label": result.cause_name(cause), "data": data} for cause, data in series.items()]
    if any(other):
        datasets.append({"label": str(_("Other causes or none yet")), "data": other})
    return {"labels": [m.strftime("%Y-%m") for m in result.months], "series": datasets}


@login_required
def root_cause_page(request: Request) -> HttpResponse:
    _require_reader(request)
    within, problem = _period(request)
    result = report.root_cause_report(request.user, within)
    context = {
        "period": within,
        "problem": problem,
        "figures": result.figures,
        "rows": rows(result),
        "categories": _named(result, "categories", "category", result.categories),
        "products": _named(result, "products", "product", result.products),
        "chart": _chart(result),
        "query": urlencode({"from": within.start.isoformat(), "to": within.end.isoformat()}),
    }
    return render(request, "service/report.html", context)


def _cell(value: Any) -> Any:
    # Spreadsheets run cells starting with = + - @ as formulas; cause names are typed by people.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else value


@login_required
def root_cause_csv(request: Request) -> HttpResponse:
    _require_reader(request)
    within, _problem = _period(request)
    result = report.root_cause_report(request.user, within)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"root-causes-{within.start:%Y%m%d}-{within.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(
        ["id", _("Root cause"), _("Complaints"), _("Satisfaction, average"),
         _("Satisfaction answers"), _("Trend, complaints per month")]
    )  # fmt: skip
    for row in rows(result):
        writer.writerow(
            [_cell(v) for v in (row["id"], row["label"], row["count"], row["csat_average"],
                                row["csat_answers"], row["trend"])]
        )  # fmt: skip
    return response
