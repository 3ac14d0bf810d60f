"""{% load complaints %}: how long a complaint has left before its next deadline."""

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _

from rapport.core.templatetags.rapport import duration_text

register = template.Library()


@register.filter
def time_left(due: dt.datetime | None, now: dt.datetime) -> str:
    """ "3 h 10 min left", "overdue by 2 d 4 h", or "" without a deadline."""
    if due is None:
        return ""
    seconds = int((due - now).total_seconds())
    if seconds >= 0:
        return _("%(time)s left") % {"time": duration_text(seconds)}
    return _("overdue by %(time)s") % {"time": duration_text(-seconds)}


@register.filter
def stars(score: Any) -> str:
    """A satisfaction score as "4/5" (— without an answer)."""
    return "—" if score in (None, "") else f"{score}/5"


@register.filter
def breached_at(complaint: Any, now: dt.datetime) -> bool:
    """Whether the complaint's SLA is breached at `now` (marked, or open past a deadline)."""
    return bool(complaint.is_breached(now))
