"""`{% load segments %}`: the static segments a user may add contacts to (the contact list's
"Save as segment" menu)."""

from typing import Any

from django import template
from django.db.models import QuerySet

from rapport.segments import selectors
from rapport.segments.models import Segment, SegmentKind

register = template.Library()


@register.simple_tag
def static_segments_for(user: Any) -> QuerySet[Segment]:
    return (
        selectors.segments_for(user, "change")
        .filter(kind=SegmentKind.STATIC)
        .order_by("name", "id")[:100]
    )
