"""How the activities app's notifications read: worded when shown, in the reader's language,
with times in the reader's zone (the middleware activates it for the bell; the e-mail copy
activates the recipient's)."""

import datetime as dt
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from rapport.activities.models import ActivityKind
from rapport.core import notifications

REMINDER = "activities.reminder"


def _when(moment: dt.datetime, reference: dt.datetime) -> str:
    """The time ("14:30"), with its date ("03.12.2026 14:30") when not on the day of
    `reference` (the reminder's time) in the reader's zone."""
    local = timezone.localtime(moment)
    clock = f"{local:%H:%M}"
    if local.date() == timezone.localtime(reference).date():
        return clock
    return f"{formats.date_format(local, 'SHORT_DATE_FORMAT')} {clock}"


def reminder_text(params: dict[str, Any]) -> str:
    """ "Call Olena Koval at 14:30 (in 15 minutes)"; a late one adds when it was due."""
    due = dt.datetime.fromisoformat(params["due_at"])
    minutes = int(params.get("minutes_before", 0))
    remind_at = due - dt.timedelta(minutes=minutes)
    who = params.get("contact") or params["subject"]
    values = {"who": who, "subject": params["subject"], "time": _when(due, remind_at)}
    kind = params.get("kind")
    if kind == ActivityKind.CALL:
        what = pgettext("reminder", "Call %(who)s at %(time)s") % values
    elif kind == ActivityKind.MEETING:
        what = pgettext("reminder", "Meeting with %(who)s at %(time)s") % values
    elif kind == ActivityKind.EMAIL:
        what = pgettext("reminder", "E-mail %(who)s at %(time)s") % values
    else:
        what = pgettext("reminder", "%(subject)s at %(time)s") % values
    if "late_due" in params:
        note = _("was due at %(time)s") % {"time": _when(remind_at, remind_at)}
    elif minutes == 0:
        note = _("now")
    else:
        note = ngettext("in %(n)d minute", "in %(n)d minutes", minutes) % {"n": minutes}
    return f"{what} ({note})"


notifications.register(REMINDER, reminder_text)
