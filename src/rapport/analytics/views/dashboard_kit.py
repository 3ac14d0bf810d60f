"""What every analytics dashboard page shares, so that each page stays a thin view over its
selector: the sub-navigation between dashboards (`register_dashboard`), the team and period
filter (`dashboard_filters` and `analytics/_dashboard_filters.html`), the state of the last
refresh (`analytics/_dashboard_status.html`: "no refresh has run yet" instead of an empty
page) and the CSV download of a page's table (`csv_download`)."""

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.accounts.models import Team
from rapport.analytics.selectors import require_reader
from rapport.core import permissions
from rapport.core.http import Request, date_or_none
from rapport.core.params import parse_id

Label = str | Promise


@dataclass(frozen=True)
class Dashboard:
    url_name: str  # namespaced: "analytics:rfm"
    label: Label
    order: int  # position in the sub-navigation, lowest first


DASHBOARDS: list[Dashboard] = [
    Dashboard("analytics:acquisition", gettext_lazy("Acquisition"), 10),
    Dashboard("analytics:funnel", gettext_lazy("Pipeline funnel"), 20),
]


def register_dashboard(url_name: str, label: Label, *, order: int) -> None:
    """Add a page to the dashboards' sub-navigation (from the module that serves it; the
    app's urls.py imports every such module, so all are known before a page is drawn)."""
    if any(d.url_name == url_name for d in DASHBOARDS):
        return
    DASHBOARDS.append(Dashboard(url_name, label, order))
    DASHBOARDS.sort(key=lambda d: (d.order, d.url_name))


def dashboard_links(request: Request) -> list[dict[str, Any]]:
    """The sub-navigation's links: url, label, and whether it is the page shown."""
    match = getattr(request, "resolver_match", None)
    current = f"{match.namespace}:{match.url_name}" if match else ""
    links = []
    for dashboard in DASHBOARDS:
        try:
            url = reverse(dashboard.url_name)
        except NoReverseMatch:  # a page whose module is not installed
            continue
        links.append(
            {"url": url, "label": dashboard.label, "current": dashboard.url_name == current}
        )
    return links


def require_reader_or_403(request: Request) -> None:
    """A 403 page for a role the rule gives no figures (service agents)."""
    try:
        require_reader(request.user)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc


@dataclass
class DashboardFilters:
    """The team and (on pages where a period means something) the period a dashboard is
    asked for, with the choices the viewer may make and what was wrong with the request."""

    team: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    period: bool = False  # the page takes a period
    teams: list[Team] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # other parameters the page's links and form must keep (entity=products …)
    keep: dict[str, str] = field(default_factory=dict)

    def query(self, **extra: Any) -> dict[str, str]:
        """The filters as query parameters, for links and downloads."""
        params: dict[str, str] = dict(self.keep)
        if self.team:
            params["team"] = str(self.team)
        if self.period and self.start:
            params["from"] = self.start.isoformat()
        if self.period and self.end:
            params["to"] = self.end.isoformat()
        params.update({k: str(v) for k, v in extra.items() if v is not None})
        return params


def team_choices(user: Any) -> list[Team]:
    """The teams a viewer who reads the whole business may narrow a dashboard to; none for a
    sales manager, whose dashboards always cover their own team's customers."""
    if permissions.reach(user, "analytics", "view") != "all":
        return []
    return list(Team.objects.order_by("name", "pk"))


def dashboard_filters(
    request: Request,
    *,
    period: bool = False,
    default_start: dt.date | None = None,
    default_end: dt.date | None = None,
    keep: Sequence[str] = (),
) -> DashboardFilters:
    """Read ?team= (and ?from= / ?to= when `period`) for the viewer; a value they may not
    use is dropped with a message saying why, never a 500."""
    params = request.GET
    teams = team_choices(request.user)
    own_team = getattr(request.user, "team_id", None)
    filters = DashboardFilters(
        period=period, teams=teams, keep={k: params[k] for k in keep if params.get(k)}
    )
    raw_team = params.get("team", "")
    if raw_team:
        team = parse_id(raw_team)
        if team is not None and any(t.pk == team for t in teams):
            filters.team = team
        elif team is None or team != own_team:  # their own team is what they see anyway
            filters.errors.append(
                _("You cannot choose that team; showing the figures you may see.")
            )
    if period:
        filters.start = date_or_none(params.get("from")) or default_start
        filters.end = date_or_none(params.get("to")) or default_end
        for name in ("from", "to"):
            if params.get(name) and date_or_none(params.get(name)) is None:
                filters.errors.append(
                    _("“%(value)s” is not a date like 2026-05-01; the default is used.")
                    % {"value": params[name][:30]}
                )
        if filters.start and filters.end and filters.end < filters.start:
            filters.start, filters.end = filters.end, filters.start
    return filters


def dashboard_context(request: Request, **extra: Any) -> dict[str, Any]:
    """What the shared partials need: whether the viewer may recompute the figures."""
    return {"can_refresh": permissions.allows(request.user, "analytics", "change"), **extra}


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: floats with two decimals, None empty, and text that a
    spreadsheet would run as a formula (= + - @ …) quoted, since labels come from user data."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, float):
        return f"{value:.2f}"
    return "" if value is None else value


def csv_download(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """A page's table as a UTF-8 CSV file (with a BOM, so spreadsheet programs read it)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([str(title) for title in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return response
