"""`{% bell %}`: the notification bell of the page header (the unread count as text)."""

from typing import Any

from django import template

from rapport.core import notifications

register = template.Library()


@register.inclusion_tag("accounts/notifications/bell.html", takes_context=True)
def bell(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    count, state = notifications.bell_state(user)
    return {"count": count, "state": state}
