from django.apps import AppConfig


class SalesConfig(AppConfig):
    """Lead sources and spend, leads, pipelines and deals, and orders."""

    name = "rapport.sales"
    label = "sales"

    def ready(self) -> None:
        from rapport.contacts.views.contact_detail import register_panel
        from rapport.core.imports import register
        from rapport.sales import timeline_kinds  # noqa: F401  (registers its timeline events)
        from rapport.sales.imports import LeadImporter, OrderImporter
        from rapport.sales.views.contact_panel import sales_panel

        register(LeadImporter())
        register(OrderImporter())
        register_panel("sales", sales_panel)
