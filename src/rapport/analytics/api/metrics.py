"""REST endpoint of a customer's analytics (INTERFACES.md, "Customer analytics"): their RFM
scores and segment, ABC/XYZ classes, lifetime value, churn risk, next-best offer and referrals
as of the last `rapport analytics refresh`, with their segment history."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Schema

from rapport.analytics import labels, selectors
from rapport.analytics.api.acquisition import _user
from rapport.analytics.api.routers import customers_router
from rapport.contacts.selectors import contacts_for
from rapport.core import permissions
from rapport.core.api.schemas import ErrorOut, Id, Money


def _amount(value: Decimal | None, currency: str) -> dict[str, str] | None:
    if value is None:
        return None
    return {"amount": str(value.quantize(Decimal("0.01"))), "currency": currency}


class SegmentStayOut(Schema):
    rfm_segment: str
    label: str
    from_: dt.date = Field(alias="from")
    to: dt.date | None = Field(description="Null: still in the segment.")


class ReasonOut(Schema):
    code: str
    params: dict[str, Any]
    text: str | None = Field(description="The reason in words, in your language.")


class OfferOut(Schema):
    product: int
    name: str
    reason: ReasonOut


class MetricsOut(Schema):
    contact: int
    as_of: dt.date | None = Field(description="Null: no refresh has run yet.")
    computed_at: dt.datetime | None
    currency: str
    orders: int
    recency_days: int | None = Field(description="Days from the last purchase to as_of.")
    frequency: int | None = Field(description="Repeat purchase days.")
    monetary: Money | None = Field(description="Mean value of the repeat purchases.")
    T_days: int | None = Field(description="Days from the first purchase to as_of.")
    total_revenue: Money
    first_purchase: dt.date | None
    last_purchase: dt.date | None
    r_score: int | None
    f_score: int | None
    m_score: int | None
    rfm_segment: str | None
    rfm_segment_label: str | None
    abc_class: str | None
    xyz_class: str | None
    p_alive: float | None
    expected_purchases_90d: float | None
    expected_purchases_365d: float | None
    expected_order_value: Money | None
    clv_365d: Money | None = Field(description="Over the configured horizon (12 months).")
    churn_risk: float | None
    churn_reason: ReasonOut | None
    next_best_offer: OfferOut | None
    referred_customers: int = Field(
        description="Contacts they referred (directly) who have a counted purchase."
    )
    referred_revenue: Money = Field(description="What those referred customers bought.")
    segment_history: list[SegmentStayOut]


@customers_router.get(
    "/{int:contact_id}/metrics",
    response={200: MetricsOut, 404: ErrorOut},
    url_name="customer_metrics",
    by_alias=True,
    # the operation id it had in `customers`, so that clients generated from the schema keep it
    operation_id="rapport_analytics_api_customers_customer_metrics",
)
def customer_metrics(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    """A customer's RFM scores and segment, ABC/XYZ classes, lifetime value and churn risk as
    of the last refresh, with their segment history. A contact without a counted purchase has
    zero orders and nulls; nulls also where a model could not say (the CLV report says why)."""
    user = _user(request)
    contact = get_object_or_404(contacts_for(user), pk=contact_id)
    if not permissions.allows(user, "analytics", "view"):
        raise Http404  # figures the role may not read: as for any record one may not see
    row, run = selectors.customer_metrics(contact)
    currency = (row.currency if row else None) or (run.currency if run else "") or "EUR"
    history = [
        {
            "rfm_segment": stay.rfm_segment,
            "label": labels.segment_label(stay.rfm_segment),
            "from": stay.entered_on,
            "to": stay.left_on,
        }
        for stay in selectors.segment_history(contact)
    ]
    out: dict[str, Any] = {
        "contact": contact.pk,
        "as_of": row.as_of if row else (run.as_of if run else None),
        "computed_at": row.computed_at if row else (run.computed_at if run else None),
        "currency": currency,
        "orders": 0,
        "total_revenue": {"amount": "0.00", "currency": currency},
        "segment_history": history,
        "churn_reason": None,
        "next_best_offer": None,
        "referred_customers": row.referred_customers if row else 0,
        "referred_revenue": _amount(row.referred_revenue if row else Decimal(0), currency),
    }
    if row is None:
        for name in MetricsOut.model_fields:
            out.setdefault(name, None)
        return out
    out.update(
        orders=row.orders,
        recency_days=row.recency_days,
        frequency=row.frequency,
        monetary=_amount(row.monetary, currency),
        T_days=row.T_days,
        total_revenue=_amount(row.total_revenue, currency),
        first_purchase=row.first_purchase,
        last_purchase=row.last_purchase,
        r_score=row.r_score,
        f_score=row.f_score,
        m_score=row.m_score,
        rfm_segment=row.rfm_segment or None,
        rfm_segment_label=labels.segment_label(row.rfm_segment),
        abc_class=row.abc_class or None,
        xyz_class=row.xyz_class or None,
        p_alive=row.p_alive,
        expected_purchases_90d=row.expected_purchases_90d,
        expected_purchases_365d=row.expected_purchases_365d,
        expected_order_value=_amount(row.expected_order_value, currency),
        clv_365d=_amount(row.clv_365d, currency),
        churn_risk=row.churn_risk,
    )
    if row.churn_reason:
        out["churn_reason"] = {**row.churn_reason, "text": labels.churn_text(row.churn_reason)}
    if row.next_best_offer is not None and row.next_best_offer_reason:
        reason = row.next_best_offer_reason
        out["next_best_offer"] = {
            "product": row.next_best_offer.pk,
            "name": row.next_best_offer.name,
            "reason": {**reason, "text": labels.offer_text(reason)},
        }
    return out
