"""`{% load analytics_dashboards %}{% dashboards_nav %}`: the analytics sub-navigation."""

from typing import Any

from django import template

from rapport.analytics.views.dashboard_kit import dashboard_links

register = template.Library()


@register.inclusion_tag("analytics/_dashboards_nav.html", takes_context=True)
def dashboards_nav(context: Any) -> dict[str, Any]:
    return {"links": dashboard_links(context["request"])}
