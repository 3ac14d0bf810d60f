"""Template helpers for every app's pages (`{% load rapport %}`): capped counts, audit values,
consents."""

from typing import Any

from django import template
from django.utils.translation import gettext as _

from rapport.core import permissions

register = template.Library()


@register.filter
def may(user: Any, right: str) -> bool:
    """`user|may:"catalog.change"`: whether the role rule allows the action on the kind."""
    kind, _dot, action = right.partition(".")
    return permissions.allows(user, kind, action)


@register.simple_tag
def capped(count: int, exact: bool) -> str:
    """A count that is exact below the cap and "1000+" above it."""
    from django.utils.formats import number_format

    text = number_format(count, force_grouping=True)
    return text if exact else f"{text}+"


@register.filter
def language_name(code: str) -> str:
    """A language code as its name in the reader's language: "lt" → "Lithuanian"/"литовська".

    Django knows about a hundred languages; a code it does not know is shown as typed.
    """
    from django.utils.translation import get_language_info

    if not code:
        return ""
    try:
        return str(get_language_info(code.lower())["name_translated"])
    except KeyError:
        return code


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, IndexError, TypeError):
        return None


@register.filter
def audit_value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@register.filter
def duration_text(seconds: Any) -> str:
    """A stay in a stage: "3 d 4 h", "5 h 10 min" or "12 min"."""
    from django.utils.translation import gettext as _

    try:
        total = int(seconds)
    except (TypeError, ValueError):
        return "—"
    days, rest = divmod(max(total, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


@register.filter
def can_import(user: Any, kind: str) -> bool:
    """Whether the user's role may import this kind of record (the importer's own rule)."""
    from rapport.core.imports import importer_for

    try:
        importer_for(kind).check_actor(user)
    except (PermissionError, ValueError):
        return False
    return True
