"""The top-referrers dashboard: the contacts whose referred customers bought the most, as the
last customer-metrics refresh stored them for the viewer's audience, with a CSV of the same
rows (the dashboard kit's head, team filter and refresh status)."""

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from rapport.analytics import selectors
from rapport.analytics.views.dashboard_kit import (
    csv_download,
    dashboard_context,
    dashboard_filters,
    register_dashboard,
    require_reader_or_403,
)
from rapport.core.http import Request

register_dashboard("analytics:referrers", gettext_lazy("Top referrers"), order=90)


@login_required
def referrers_page(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    filters = dashboard_filters(request)
    found = selectors.top_referrers(request.user, team_id=filters.team)
    totals = found.totals
    context: dict[str, Any] = dashboard_context(
        request,
        filters=filters,
        run=found.stored.run,
        has_figures=totals is not None,
        csv_url=f"{reverse('analytics:referrers_csv')}?{urlencode(filters.query())}",
        rows=[
            {**row, "referred_revenue": Decimal(str(row["referred_revenue"]))} for row in found.rows
        ],
        totals=totals,
        total_revenue=Decimal(str(totals["referred_revenue"])) if totals else None,
        currency=found.stored.currency,
    )
    return render(request, "analytics/referrers.html", context)


@login_required
def referrers_csv(request: Request) -> HttpResponse:
    require_reader_or_403(request)
    filters = dashboard_filters(request)
    found = selectors.top_referrers(request.user, team_id=filters.team)
    currency = found.stored.currency
    return csv_download(
        "referrers.csv",
        [_("Rank"), _("Contact id"), pgettext("the customer who recommended others", "Referrer"),
         _("Referred customers"), _("Their revenue"), _("Currency")],
        (
            [row["rank"], row["contact_id"], row["contact"].full_name,
             row["referred_customers"], float(row["referred_revenue"]), currency]
            for row in found.rows
        ),
    )  # fmt: skip
