"""`{% load analytics_dashboards %}`: the analytics sub-navigation (`{% dashboards_nav %}`) and
the refresh steps' names (`|refresh_step`)."""

from typing import Any

from django import template

from rapport.analytics import labels
from rapport.analytics.views.dashboard_kit import dashboard_links

register = template.Library()


@register.inclusion_tag("analytics/_dashboards_nav.html", takes_context=True)
def dashboards_nav(context: Any) -> dict[str, Any]:
    return {"links": dashboard_links(context["request"])}


@register.filter
def refresh_step(name: str) -> str:
    """`{{ step.step|refresh_step }}`: a refresh step's name in the reader's language."""
    return labels.refresh_step(name)
