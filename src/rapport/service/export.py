"""Columns of the complaint list when exported to CSV or XLSX (core/export.py), for rows
already scoped to the viewer (service.selectors) and fetched with
select_related("contact", "assignee", "category", "root_cause__parent")."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rapport.core.export import Column


def _name(user: Any) -> str:
    return str(user) if user is not None else ""


def complaint_columns() -> list[Column]:
    return [
        Column("id", lambda c: c.pk),
        Column(_("registered"), lambda c: c.created_at),
        Column(_("customer id"), lambda c: c.contact_id),
        Column(_("customer"), lambda c: c.contact.full_name),
        Column(_("channel"), lambda c: c.get_channel_display()),
        Column(pgettext("complaint", "category"), lambda c: c.category.name if c.category else ""),
        Column(_("severity"), lambda c: c.get_severity_display()),
        Column(_("status"), lambda c: c.get_status_display()),
        Column(_("assignee"), lambda c: _name(c.assignee)),
        Column(_("order id"), lambda c: c.order_id),
        Column(_("product id"), lambda c: c.product_id),
        Column(_("description"), lambda c: c.description),
        Column(_("first response due"), lambda c: c.first_response_due),
        Column(_("first response"), lambda c: c.first_responded_at),
        Column(_("resolution due"), lambda c: c.resolution_due),
        Column(_("resolved"), lambda c: c.resolved_at),
        Column(_("closed"), lambda c: c.closed_at),
        Column(_("SLA breached"), lambda c: c.is_breached()),
        Column(_("root cause"), lambda c: c.root_cause.label if c.root_cause else ""),
        Column(_("resolution"), lambda c: c.resolution),
        Column(_("satisfaction"), lambda c: c.satisfaction),
    ]
