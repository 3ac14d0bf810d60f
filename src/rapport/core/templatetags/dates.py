"""The `date` filter, following the reader's date style (see rapport.core.dates).

Registered as a template builtin (settings.TEMPLATES), so it replaces Django's `date` in
every template without a `{% load %}`; it hands Django's filter the format to use.
"""

from datetime import date as Date
from typing import Any

from django import template
from django.template import defaultfilters

from rapport.core.dates import format_for

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Date | Any, arg: str | None = None) -> str:
    return defaultfilters.date(value, format_for(arg))
