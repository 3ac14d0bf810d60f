"""Reads of the timeline, scoped through the contact's visibility."""

from typing import Any

from django.db.models import QuerySet

from rapport.core import visibility
from rapport.timeline.models import Interaction


def interactions_for(user: Any, action: visibility.Action = "view") -> QuerySet[Interaction]:
    return visibility.scope(
        Interaction.objects.all(), user, action, owner_field="contact__owner"
    ).select_related("actor")
