"""The scenario's report page: what it achieved, from automation.report (the API's figures)."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rapport.automation import report
from rapport.automation.selectors import scenarios_for
from rapport.campaigns.models import SkipReason
from rapport.core.http import Request, get_visible_or_404
from rapport.service.models import ExitReason


def _labels(counts: dict[str, int], choices: Any) -> list[tuple[str, int]]:
    names = dict(choices)
    return [(str(names.get(key, key)), n) for key, n in counts.items()]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f} %"


@login_required
@require_GET
def scenario_report_page(request: Request, pk: int) -> HttpResponse:
    scenario = get_visible_or_404(scenarios_for(request.user), pk)
    if not report.may_read_report(request.user):
        raise PermissionDenied(_("Your role does not read business-wide figures."))
    figures = report.scenario_report(scenario)
    conversions = figures["conversions"]
    uplift = conversions["uplift"]
    context = {
        "scenario": scenario,
        "figures": figures,
        "skipped": _labels(figures["messages"]["skipped"], SkipReason.choices),
        "exit_reasons": _labels(figures["surveys"]["exit_reasons"], ExitReason.choices),
        "treated_rate": _percent(conversions["treated"]["rate"]),
        "holdout_rate": _percent(conversions["holdout"]["rate"]),
        "uplift_rate": _percent(uplift["rate"]),
        "uplift_low": _percent(uplift["low"]),
        "uplift_high": _percent(uplift["high"]),
    }
    return render(request, "automation/report.html", context)
