"""The activities app's writes; import them from here."""

from rapport.activities.services.activities import (
    Completion,
    activity_cancel,
    activity_complete,
    activity_create,
    activity_delete,
    activity_reschedule,
    activity_update,
)
from rapport.activities.services.fields import user_zone_name

__all__ = [
    "Completion",
    "activity_cancel",
    "activity_complete",
    "activity_create",
    "activity_delete",
    "activity_reschedule",
    "activity_update",
    "user_zone_name",
]
