"""`GET analytics/referrers`: the top referrers as the last refresh stored them for the
caller's audience (a sales manager: their team's), in the style of the other reports. Not in
INTERFACES.md yet; an addition."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query

from rapport.analytics import selectors
from rapport.analytics.api.acquisition import _money, _user
from rapport.analytics.api.customers import TeamParams
from rapport.analytics.api.routers import router
from rapport.core.api.schemas import ErrorOut, Money, OutSchema


class ReferrerOut(OutSchema):
    rank: int = Field(description="1 = the most revenue from referred customers.")
    contact: int
    name: str
    referred_customers: int = Field(
        description="Contacts they referred directly who have a counted purchase."
    )
    referred_revenue: Money = Field(description="Those customers' total revenue.")


class ReferrersOut(OutSchema):
    as_of: dt.date | None = Field(description="Null: no refresh has counted referrals yet.")
    currency: str
    referrers: int = Field(description="Contacts in your audience who referred a customer.")
    referred_customers: int
    referred_revenue: Money
    top: list[ReferrerOut] = Field(description="At most 100, best first.")


@router.get(
    "/referrers",
    response={200: ReferrersOut, 403: ErrorOut, 422: ErrorOut},
    url_name="analytics_referrers",
)
def referrers_report(request: HttpRequest, params: Query[TeamParams]) -> dict[str, Any]:
    """Contacts ranked by the revenue of the customers they referred (Contact.referred_by),
    with how many they referred; totals of the audience."""
    found = selectors.top_referrers(_user(request), team_id=params.team)
    currency = found.stored.currency
    totals = found.totals or {}
    return {
        "as_of": found.stored.run.as_of if found.totals is not None and found.stored.run else None,
        "currency": currency,
        "referrers": totals.get("referrers", 0),
        "referred_customers": totals.get("referred_customers", 0),
        "referred_revenue": _money(totals.get("referred_revenue", 0.0), currency),
        "top": [
            {
                "rank": row["rank"],
                "contact": row["contact_id"],
                "name": row["contact"].full_name,
                "referred_customers": row["referred_customers"],
                "referred_revenue": _money(row["referred_revenue"], currency),
            }
            for row in found.rows
        ],
    }
