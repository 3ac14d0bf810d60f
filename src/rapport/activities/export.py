"""Columns of the activity list when exported to CSV or XLSX (core/export.py).

Rows come from the list's own `listed(request)` (scoped to the viewer, annotated by
`selectors.with_shown_links`), fetched with select_related("contact", "deal", "assignee"):
a customer or deal the viewer may not see is left blank. Times are written in UTC with their offset
like every export; `time zone` says where the activity's wall-clock time is kept.
"""

from typing import Any

from django.utils.translation import gettext as _

from rapport.core.export import Column


def _name(user: Any) -> str:
    return str(user) if user is not None else ""


def activity_columns() -> list[Column]:
    return [
        Column("id", lambda a: a.pk),
        Column(_("type"), lambda a: a.get_kind_display()),
        Column(_("subject"), lambda a: a.subject),
        Column(_("due"), lambda a: a.due_at),
        Column(_("time zone"), lambda a: a.time_zone),
        Column(_("duration, minutes"), lambda a: a.duration_minutes),
        Column(_("status"), lambda a: a.get_status_display()),
        Column(_("overdue"), lambda a: _("yes") if a.is_overdue else ""),
        Column(_("assignee"), lambda a: _name(a.assignee)),
        Column(_("contact id"), lambda a: a.shown_contact_id),
        Column(_("contact"), lambda a: a.contact.full_name if a.shown_contact_id else ""),
        Column(_("deal id"), lambda a: a.shown_deal_id),
        Column(_("deal"), lambda a: a.deal.title if a.shown_deal_id else ""),
        Column(_("complaint id"), lambda a: a.shown_complaint_id),
        Column(_("repeats"), lambda a: a.recurrence),
        Column(_("outcome"), lambda a: a.outcome),
        Column(_("closed"), lambda a: a.completed_at),
        Column(_("notes"), lambda a: a.notes),
    ]
