"""Words for stored analytics codes, in the reader's language (the database keeps codes)."""

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

RFM_SEGMENTS = {
    "champions": pgettext_lazy("RFM segment", "Champions"),
    "loyal": pgettext_lazy("RFM segment", "Loyal"),
    "potential_loyalist": pgettext_lazy("RFM segment", "Potential loyalist"),
    "new": pgettext_lazy("RFM segment", "New"),
    "promising": pgettext_lazy("RFM segment", "Promising"),
    "need_attention": pgettext_lazy("RFM segment", "Need attention"),
    "about_to_sleep": pgettext_lazy("RFM segment", "About to sleep"),
    "at_risk": pgettext_lazy("RFM segment", "At risk"),
    "cant_lose_them": pgettext_lazy("RFM segment", "Can't lose them"),
    "hibernating": pgettext_lazy("RFM segment", "Hibernating"),
    "lost": pgettext_lazy("RFM segment", "Lost"),
}

MODELS = {"bgnbd": gettext_lazy("Repeat purchases (BG/NBD)"),
          "gamma_gamma": gettext_lazy("Order value (Gamma-Gamma)")}  # fmt: skip

# What each step of the customer refresh (`AnalyticsRun.steps`, stored in English: the command
# prints them as they are) is called on the refresh page. A step without a label here (one of
# an older version) is shown as stored.
REFRESH_STEPS = {
    "read orders, order lines, owners, referrals (arrow, in parallel)": pgettext_lazy(
        "refresh step", "Read orders, order lines, owners and referrals (in parallel)"
    ),
    "read orders, owners, referrals (arrow, beside the order lines)": pgettext_lazy(
        "refresh step", "Read orders, owners and referrals (order lines alongside)"
    ),
    "wait for the order lines (read beside the steps above)": pgettext_lazy(
        "refresh step", "Wait for the order lines (read alongside the steps above)"
    ),
    "join order lines to their orders": pgettext_lazy(
        "refresh step", "Join order lines to their orders"
    ),
    "read orders (copy)": pgettext_lazy("refresh step", "Read orders"),
    "read orders (cursor)": pgettext_lazy("refresh step", "Read orders"),
    "read order lines": pgettext_lazy("refresh step", "Read order lines"),
    "read products, owners, rates": pgettext_lazy(
        "refresh step", "Read products, owners and rates"
    ),
    "convert currencies": pgettext_lazy("refresh step", "Convert currencies"),
    "purchase summary": pgettext_lazy("refresh step", "Purchase summary"),
    "RFM scores": pgettext_lazy("refresh step", "RFM scores"),
    "write segment history": pgettext_lazy("refresh step", "Write segment history"),
    "ABC/XYZ classes": pgettext_lazy("refresh step", "ABC/XYZ classes"),
    "next-best offers (beside the steps below)": pgettext_lazy(
        "refresh step", "Next-best offers (alongside the next steps)"
    ),
    "lifetime value (BG/NBD, Gamma-Gamma)": pgettext_lazy(
        "refresh step", "Lifetime value (BG/NBD, Gamma-Gamma)"
    ),
    "churn risk": pgettext_lazy("refresh step", "Churn risk"),
    "referral value": pgettext_lazy("refresh step", "Referral value"),
    "wait for the next-best offers": pgettext_lazy("refresh step", "Wait for the next-best offers"),
    "wait for the customer rows (writing beside the computation)": pgettext_lazy(
        "refresh step", "Wait for the customer rows (writing alongside the computation)"
    ),
    "stage metrics, products for writing": pgettext_lazy(
        "refresh step", "Prepare customer and product metrics for writing"
    ),
    "forecasts": pgettext_lazy("refresh step", "Forecasts"),
    "reports per team": pgettext_lazy("refresh step", "Reports per team"),
    "cross-sell pairs (beside the steps below)": pgettext_lazy(
        "refresh step", "Cross-sell pairs (alongside the next steps)"
    ),
    "wait for the cross-sell pairs": pgettext_lazy("refresh step", "Wait for the cross-sell pairs"),
    "write customer metrics": pgettext_lazy("refresh step", "Write customer metrics"),
    "write product metrics": pgettext_lazy("refresh step", "Write product metrics"),
    "wait for the reports and pairs (writing beside the computation)": pgettext_lazy(
        "refresh step", "Wait for the reports and pairs (writing alongside the computation)"
    ),
    "stage pairs for writing": pgettext_lazy("refresh step", "Prepare pairs for writing"),
    "write reports and cross-sell pairs": pgettext_lazy(
        "refresh step", "Write reports and cross-sell pairs"
    ),
    "commit": pgettext_lazy("refresh step", "Commit the transaction"),
}


def refresh_step(name: str) -> str:
    """A refresh step's name in the reader's language."""
    return str(REFRESH_STEPS.get(name, name))


def rfm_segment_keys() -> list[str]:
    """The RFM segments customers can be in: those of the configured map, or the default's."""
    from rapport.analytics.config import current
    from rapport.analytics.maths.rfm import DEFAULT_SEGMENT_MAP

    return list(current().rfm_map or DEFAULT_SEGMENT_MAP)


def segment_label(key: str | None) -> str | None:
    """A segment's name; a segment of a custom map (settings) is shown by its key."""
    if not key:
        return None
    return str(RFM_SEGMENTS.get(key, key))


def offer_text(reason: dict[str, Any] | None) -> str | None:
    """The next-best offer's reason in words, e.g. "Bought Hurghada; 38 % of such customers
    also bought Antalya, lift 2.4." (the labels are destinations or product names)."""
    if not reason or reason.get("code") != "also_bought":
        return None
    p = reason.get("params") or {}
    return _(
        "Bought %(because)s; %(share)s %% of such customers also bought %(offer)s, lift %(lift)s."
    ) % {
        "because": p.get("because_of_label") or "?",
        "share": number_format(round(100 * float(p.get("confidence") or 0))),
        "offer": p.get("offer_label") or "?",
        # in the reader's number format: "lift 2.4", "ліфт 2,4"
        "lift": number_format(round(float(p.get("lift") or 0), 1), decimal_pos=1),
    }


def model_reason(fit: dict[str, Any]) -> str | None:
    """Why a model gave no figures, in words (None when it fitted)."""
    if fit.get("ok"):
        return None
    reason = fit.get("reason")
    p = fit.get("reason_params") or {}
    texts = {
        "no_customers": _("There are no customers with purchases to fit."),
        "too_few_repeat_buyers": _(
            "Only %(repeat_buyers)s customers bought more than once; the model needs at least "
            "%(minimum)s."
        ),
        "not_converged": _("The model did not converge (%(detail)s)."),
        "degenerate_parameters": _(
            "The model's parameters run off to 0 or infinity (%(detail)s): the customers are "
            "too alike to estimate how they differ."
        ),
        "spend_mean_undefined": _(
            "The spend model's q is %(q)s; at q ≤ 1 the mean order value is undefined."
        ),
    }
    text = texts.get(str(reason))
    if text is None:
        return str(fit.get("message") or reason)
    try:
        return text % p
    except (KeyError, TypeError, ValueError):
        return str(fit.get("message") or reason)


def churn_text(reason: dict[str, Any] | None) -> str | None:
    """The churn risk's reason in words, e.g. "No purchase for 240 days; usually every 90
    days (2.7×)." (codes of `analytics.maths.churn`)."""
    if not reason:
        return None
    code, p = reason.get("code"), reason.get("params") or {}
    values = {
        "days": p.get("days_since_last"),
        "interval": round(p["usual_interval_days"]) if p.get("usual_interval_days") else "?",
        "ratio": number_format(p["overdue_ratio"]) if p.get("overdue_ratio") is not None else "?",
        "alive": round(100 * p["p_alive"]) if p.get("p_alive") is not None else "?",
    }
    usual = (
        _("usually every %(interval)s days")
        if p.get("interval_source") == "own"
        else _("customers usually come back every %(interval)s days")
    ) % values
    if code == "overdue":
        return _("No purchase for %(days)s days; %(usual)s (%(ratio)s×).") % {
            **values,
            "usual": usual,
        }
    if code == "low_p_alive":
        return (
            _("The repeat-purchase model gives a %(alive)s %% chance that the customer still buys.")
            % values
        )
    if code == "on_track":
        return _("On track: last purchase %(days)s days ago; %(usual)s.") % {
            **values,
            "usual": usual,
        }
    return _("Too little data to judge.")
