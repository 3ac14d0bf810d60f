"""Words for the forecast's stored codes (method, notes) in the reader's language; the maths
keep codes and English only for logs (`maths.forecast.NOTES`)."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

METHODS = {
    "ets_AAdA": gettext_lazy(
        "Exponential smoothing with a damped trend and a yearly season (additive)"
    ),
    "ets_MAdM": gettext_lazy(
        "Exponential smoothing with a damped trend and a yearly season (multiplicative)"
    ),
    "seasonal_naive": gettext_lazy("Seasonal naive: each month as the same month a year before"),
    "naive": gettext_lazy("Naive: every month as the last complete month"),
    "zero": gettext_lazy("Zero: there were no sales to extrapolate"),
}


def method_label(method: str | None) -> str:
    if not method:
        return "—"
    return str(METHODS.get(method, method))


def forecast_note(note: dict[str, Any]) -> str:
    """A forecast note or failure reason ({"code", "params", "message"}) in words."""
    code, p = note.get("code"), dict(note.get("params") or {})
    if code == "short_history":
        if p.get("method") == "year":
            text = _(
                "%(months)s months of history: fewer than the %(needed)s a seasonal model "
                "needs, so the forecast repeats last year's months."
            )
        else:
            text = _(
                "%(months)s months of history: fewer than the %(needed)s a seasonal model "
                "needs, so the forecast repeats the last month."
            )
    else:
        text = {
            "no_history": _("There is no complete month of history to forecast from."),
            "no_intervals": _("One month of history gives no spread, so no prediction interval."),
            "all_zero": _("Every month so far is zero, so the forecast is zero."),
            "negative_values": _(
                "%(count)s months are negative; multiplicative models were not tried."
            ),
            "filled_months": _("%(count)s months without any sale were counted as 0."),
            "ets_failed": _(
                "No exponential smoothing model converged; the seasonal naive is used."
            ),
            "clipped_at_zero": _("The series never went below 0, so neither do the forecasts."),
            "too_short_for_backtest": _(
                "A backtest needs at least %(needed)s months of history; there are %(months)s."
            ),
            "mape_undefined": _("MAPE is undefined: %(count)s of the months backtested had 0."),
            "mase_undefined": _(
                "MASE is undefined: the seasonal naive made no error before an origin."
            ),
        }.get(str(code), "")
    if not text:
        return str(note.get("message") or code)
    try:
        return text % p
    except (KeyError, TypeError, ValueError):
        return str(note.get("message") or code)
