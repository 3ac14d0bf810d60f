"""The timeline events the activities app writes, and how each is worded when shown.

Params hold the activity's id, type and subject as they were when it was done; the outcome is
the person's own words and goes in the entry's details (shown as written).
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import pgettext

from rapport.activities.models import ActivityKind
from rapport.timeline.rendering import Rendered, register

ACTIVITY_COMPLETED = "activity.completed"


@register(ACTIVITY_COMPLETED)
def _activity_completed(params: Mapping[str, Any], item: Rendered) -> str:
    subject = params["subject"]
    kind = params.get("kind")
    if kind == ActivityKind.CALL:
        return pgettext("timeline", "Call done: %(subject)s") % {"subject": subject}
    if kind == ActivityKind.MEETING:
        return pgettext("timeline", "Meeting held: %(subject)s") % {"subject": subject}
    if kind == ActivityKind.EMAIL:
        return pgettext("timeline", "E-mail sent: %(subject)s") % {"subject": subject}
    return pgettext("timeline", "Task done: %(subject)s") % {"subject": subject}
