"""What a refresh run warns about: the stored form (`warning`) and its words in the reader's
language (`describe_warning`).
"""

from typing import Any

from django.utils.translation import gettext as _

from rapport.analytics import labels


def warning(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": params}


def describe_warning(item: dict[str, Any]) -> str:
    """A run's warning in the reader's language."""
    code, p = item.get("code"), item.get("params", {})
    if code == "no_rate":
        first = p.get("first_rate_from")
        if first:
            return _(
                "%(orders)s orders in %(currency)s before its first exchange rate "
                "(valid from %(first)s) were left out."
            ) % {"orders": p["orders"], "currency": p["currency"], "first": first}
        return _("%(orders)s orders in %(currency)s were left out: it has no exchange rate.") % {
            "orders": p["orders"],
            "currency": p["currency"],
        }
    if code == "no_orders":
        return _("There are no booked or paid orders up to %(as_of)s: nothing to compute.") % p
    if code == "model":
        fit = {"ok": False, **p}
        return _("%(model)s: %(message)s") % {
            "model": labels.MODELS.get(p.get("model"), p.get("model")),
            "message": labels.model_reason(fit),
        }
    if code == "history_backdated":
        return (
            _(
                "The RFM segment history already has changes after %(as_of)s; a refresh as of an "
                "earlier day leaves it as it is."
            )
            % p
        )
    return str(code)
