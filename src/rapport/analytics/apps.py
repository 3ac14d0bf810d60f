from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Pure maths over bulk-read data, and the stored results that pages and segments read."""

    name = "rapport.analytics"
    label = "analytics"

    def ready(self) -> None:
        from rapport.analytics import jobs  # noqa: F401 (declares the nightly refresh)
        from rapport.analytics.contact_panel import TEMPLATE, customer_panel
        from rapport.analytics.filters import add_to_lists
        from rapport.contacts.views.contact_detail import register_panel

        add_to_lists()
        register_panel("customer_analytics", customer_panel, TEMPLATE)
