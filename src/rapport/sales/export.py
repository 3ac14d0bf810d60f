"""Columns of the lead, deal and order lists when exported to CSV or XLSX (core/export.py).

Callers pass rows already scoped to the viewer (sales.selectors) and pre-joined as each
function's docstring says, so an export costs a few queries per thousand rows.
"""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rapport.core.export import Column


def _name(user: Any) -> str:
    """The owner as people know them (full name, else login); imports accept either."""
    return str(user) if user is not None else ""


def lead_columns() -> list[Column]:
    """Columns for leads fetched with select_related("source", "owner") and annotated by
    `sales.selectors.with_shown_contact`."""
    return [
        Column("id", lambda lead: lead.pk),
        Column(_("first name"), lambda lead: lead.first_name),
        Column(_("last name"), lambda lead: lead.last_name),
        Column(_("email"), lambda lead: lead.email),
        Column(_("phone"), lambda lead: lead.phone),
        Column(_("company"), lambda lead: lead.company_name),
        Column(_("status"), lambda lead: lead.get_status_display()),
        Column(_("reason"), lambda lead: lead.disqualify_reason),
        Column(_("source"), lambda lead: lead.source.name if lead.source else ""),
        Column(_("web form"), lambda lead: lead.form_slug),
        Column("utm_source", lambda lead: lead.utm_source),
        Column("utm_medium", lambda lead: lead.utm_medium),
        Column("utm_campaign", lambda lead: lead.utm_campaign),
        Column("utm_term", lambda lead: lead.utm_term),
        Column("utm_content", lambda lead: lead.utm_content),
        Column(_("referrer"), lambda lead: lead.referrer),
        Column(_("landing page"), lambda lead: lead.landing_page),
        Column(_("owner"), lambda lead: _name(lead.owner)),
        Column(_("contact id"), lambda lead: lead.shown_contact_id),
        Column(_("message"), lambda lead: lead.message),
        Column(_("received"), lambda lead: lead.created_at),
        Column(_("converted"), lambda lead: lead.converted_at),
    ]


def deal_columns() -> list[Column]:
    """Columns for deals fetched with select_related("contact", "pipeline", "stage",
    "owner", "lost_reason")."""
    return [
        Column("id", lambda d: d.pk),
        Column(_("title"), lambda d: d.title),
        Column(_("pipeline"), lambda d: d.pipeline.name),
        Column(pgettext("pipeline", "stage"), lambda d: d.stage.label),
        Column(_("state"), lambda d: d.stage.get_kind_display()),
        Column(_("amount"), lambda d: d.amount),
        Column(_("currency"), lambda d: d.currency),
        Column(_("expected close"), lambda d: d.expected_close_date),
        Column(_("contact id"), lambda d: d.contact_id),
        Column(_("contact"), lambda d: d.contact.full_name if d.contact else ""),
        Column(_("owner"), lambda d: _name(d.owner)),
        Column(_("lost reason"), lambda d: d.lost_reason.name if d.lost_reason else ""),
        Column(_("lost note"), lambda d: d.lost_note),
        Column(_("created"), lambda d: d.created_at),
        Column(_("closed"), lambda d: d.closed_at),
    ]


def order_columns() -> list[Column]:
    """Columns for orders fetched with select_related("contact")."""
    return [
        Column("id", lambda o: o.pk),
        Column(_("order external id"), lambda o: o.external_id or ""),
        Column(_("order date"), lambda o: o.order_date),
        Column(_("customer id"), lambda o: o.contact_id),
        Column(_("customer"), lambda o: o.contact.full_name),
        Column(_("email"), lambda o: o.contact.email),
        Column(_("channel"), lambda o: o.get_channel_display()),
        Column(_("status"), lambda o: o.get_status_display()),
        Column(_("total"), lambda o: o.total),
        Column(_("currency"), lambda o: o.currency),
        Column(_("promo code"), lambda o: o.promo_code),
    ]
