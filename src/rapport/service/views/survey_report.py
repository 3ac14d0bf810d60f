"""The "Why customers left" page: the exit survey's reasons with their shares, "would you
come back?", the customers' comments, the Net Promoter Score and the trips' average score,
over a period; and the reasons as CSV."""

import csv
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from rapport.core import permissions
from rapport.core.http import Request
from rapport.service import survey_report
from rapport.service.views.report import _cell, _period


def _require_reader(request: Request) -> None:
    # surveys follow their customers: whoever reads customers reads what they answered
    if not permissions.allows(request.user, "contacts", "view"):
        raise PermissionDenied


@login_required
def exit_reason_page(request: Request) -> HttpResponse:
    _require_reader(request)
    within, problem = _period(request)
    result = survey_report.survey_report(request.user, within)
    context = {
        "period": within,
        "problem": problem,
        "report": result,
        "query": urlencode({"from": within.start.isoformat(), "to": within.end.isoformat()}),
    }
    return render(request, "service/exit_report.html", context)


@login_required
def exit_reason_csv(request: Request) -> HttpResponse:
    _require_reader(request)
    within, _problem = _period(request)
    result = survey_report.survey_report(request.user, within)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"exit-reasons-{within.start:%Y%m%d}-{within.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(["reason", _("Why the customer left"), _("Answers"), _("Share")])
    for row in result.reasons:
        writer.writerow([_cell(v) for v in (row.reason, row.label, row.count, row.share)])
    return response


@login_required
def exit_comment_csv(request: Request) -> HttpResponse:
    """The customers' own words of the period (the latest ones the page lists)."""
    _require_reader(request)
    within, _problem = _period(request)
    result = survey_report.survey_report(request.user, within)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"exit-comments-{within.start:%Y%m%d}-{within.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [_("answered"), _("customer id"), _("customer"), "reason", _("Why the customer left"),
         _("Would come back, 1–5"), _("comment")]
    )  # fmt: skip
    for survey in result.comments:
        writer.writerow(
            [_cell(v) for v in (survey.answered_at.isoformat() if survey.answered_at else "",
                                survey.contact_id, survey.contact.full_name, survey.reason,
                                survey.get_reason_display(), survey.score, survey.comment)]
        )  # fmt: skip
    return response
