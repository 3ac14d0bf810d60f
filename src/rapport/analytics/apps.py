from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Pure maths over bulk-read data, and the stored results that pages and segments read."""

    name = "rapport.analytics"
    label = "analytics"

    def ready(self) -> None:
        from rapport.analytics import jobs  # noqa: F401 (declares the nightly refresh)
        from rapport.analytics.cohort_filters import BOUGHT, BOUGHT_IN, COHORT
        from rapport.analytics.contact_panel import TEMPLATE, customer_panel
        from rapport.analytics.filters import add_to_lists
        from rapport.analytics.views.trend_screens import PRODUCT_PANEL_TEMPLATE, also_bought_panel
        from rapport.catalog.views import register_product_panel
        from rapport.contacts.filters import CONTACT_FILTERS
        from rapport.contacts.views.contact_detail import register_panel

        add_to_lists()
        # the customers behind a cohort heatmap's cell and a cross-sell pair
        for added in (COHORT, BOUGHT_IN, BOUGHT):
            CONTACT_FILTERS.add(added)
        register_product_panel("also_bought", also_bought_panel, PRODUCT_PANEL_TEMPLATE)
        register_panel("customer_analytics", customer_panel, TEMPLATE)
