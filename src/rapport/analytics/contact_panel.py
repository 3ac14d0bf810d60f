"""The customer-analytics section of the 360° contact page: the stored metrics as of the last
refresh (RFM, ABC/XYZ, lifetime value, churn risk with its reason), the RFM segment history,
the next-best offer with its reason, and what the customer's referrals brought.

`contacts` sits below `analytics`, so the page takes this section through `register_panel`
(from `AnalyticsConfig.ready()`). It renders what the refresh stored; it computes nothing.
Only viewers whom the role rule lets read the figures get it (the page itself already
refuses a contact the viewer may not see)."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.analytics import labels, selectors
from rapport.analytics.models import AnalyticsRun, CustomerMetrics
from rapport.contacts.models import Contact
from rapport.core import permissions
from rapport.core.http import Request
from rapport.core.money import format_money

TEMPLATE = "analytics/contact_panel.html"


@dataclass(frozen=True)
class Figure:
    """One line of the section: its label, the value as the reader's locale writes it (None:
    not known) and, when unknown or worth explaining, why in words."""

    label: str
    value: str | None
    note: str | None = None


@dataclass(frozen=True)
class Stay:
    segment: str
    entered_on: dt.date
    left_on: dt.date | None


@dataclass(frozen=True)
class Offer:
    product_id: int
    name: str
    reason: str | None


@dataclass
class CustomerPanel:
    """What the section draws. `state`: "no_refresh" (no refresh has finished yet),
    "no_purchase" (none counted up to as_of) or "metrics"."""

    state: str
    as_of: dt.date | None = None
    segment: str | None = None
    figures: list[Figure] = field(default_factory=list)
    history: list[Stay] = field(default_factory=list)
    offer: Offer | None = None
    referrals: str | None = None


def percent(value: float | None) -> str | None:
    """A share in [0, 1] as a whole percentage in the reader's format: "38 %"."""
    if value is None:
        return None
    return _("%(value)s %%") % {"value": number_format(round(100 * value))}


def decimal(value: float | None, places: int = 1) -> str | None:
    if value is None:
        return None
    return number_format(round(value, places), decimal_pos=places)


def money(value: Decimal | None, currency: str) -> str | None:
    return None if value is None else format_money(value, currency)


def _model_note(run: AnalyticsRun | None, *models: str) -> str | None:
    """Why a model's figure is missing, from the run's fit record."""
    fits = run.fits if run else {}
    for model in models:
        reason = labels.model_reason(fits.get(model) or {"ok": False, "reason": "no_customers"})
        if reason:
            return reason
    return None


def referral_text(count: int, revenue: Decimal | None, currency: str) -> str | None:
    """ "Referred 3 customers, 4,200.00 EUR" (None: nobody they referred has bought yet)."""
    if not count:
        return None
    return ngettext(
        "Referred %(count)s customer, %(revenue)s",
        "Referred %(count)s customers, %(revenue)s",
        count,
    ) % {
        "count": number_format(count),
        "revenue": format_money(revenue or Decimal(0), currency),
    }


def _figures(row: CustomerMetrics, run: AnalyticsRun | None) -> list[Figure]:
    cur = row.currency
    lifetime_note = _model_note(run, "bgnbd")
    spend_note = _model_note(run, "bgnbd", "gamma_gamma")
    scores = (
        _("R %(r)s · F %(f)s · M %(m)s") % {"r": row.r_score, "f": row.f_score, "m": row.m_score}
        if row.r_score is not None
        else None
    )
    classes = f"{row.abc_class}{row.xyz_class}" if row.abc_class and row.xyz_class else None
    purchases = None
    if row.expected_purchases_90d is not None and row.expected_purchases_365d is not None:
        purchases = _("%(days90)s in 90 days, %(days365)s in 365 days") % {
            "days90": decimal(row.expected_purchases_90d, 2),
            "days365": decimal(row.expected_purchases_365d, 2),
        }
    return [
        Figure(_("RFM scores"), scores),
        Figure(
            _("ABC/XYZ class"),
            classes,
            None if classes else _("Outside the ABC/XYZ window's customers."),
        ),
        Figure(_("Orders"), number_format(row.orders)),
        Figure(_("Total revenue"), money(row.total_revenue, cur)),
        Figure(
            _("Last purchase"),
            _("%(days)s days ago") % {"days": number_format(row.recency_days)},
        ),
        Figure(
            _("Lifetime value, 12 months"),
            money(row.clv_365d, cur),
            None if row.clv_365d is not None else spend_note,
        ),
        Figure(
            _("Expected order value"),
            money(row.expected_order_value, cur),
            None if row.expected_order_value is not None else spend_note,
        ),
        Figure(
            _("Chance the customer still buys"),
            percent(row.p_alive),
            None if row.p_alive is not None else lifetime_note,
        ),
        Figure(
            _("Expected purchases"),
            purchases,
            None if purchases is not None else lifetime_note,
        ),
        Figure(_("Churn risk"), percent(row.churn_risk), labels.churn_text(row.churn_reason)),
    ]


def customer_panel_for(user: Any, contact: Contact) -> CustomerPanel | None:
    """The section for `user` (None: their role reads no figures)."""
    if not permissions.allows(user, "analytics", "view"):
        return None
    row, run = selectors.customer_metrics(contact)
    history = [
        Stay(labels.segment_label(s.rfm_segment) or "", s.entered_on, s.left_on)
        for s in reversed(selectors.segment_history(contact))
    ]
    if row is None:
        state = "no_refresh" if run is None else "no_purchase"
        return CustomerPanel(state=state, as_of=run.as_of if run else None, history=history)
    offer = None
    if row.next_best_offer is not None:
        offer = Offer(
            row.next_best_offer.pk,
            row.next_best_offer.name,
            labels.offer_text(row.next_best_offer_reason),
        )
    return CustomerPanel(
        state="metrics",
        as_of=row.as_of,
        segment=labels.segment_label(row.rfm_segment),
        figures=_figures(row, run),
        history=history,
        offer=offer,
        referrals=referral_text(row.referred_customers, row.referred_revenue, row.currency),
    )


def customer_panel(request: Request, contact: Contact) -> dict[str, Any]:
    return {"customer_analytics": customer_panel_for(request.user, contact)}
