from django.apps import AppConfig


class SalesConfig(AppConfig):
    """Lead sources and spend, leads, pipelines and deals, and orders."""

    name = "rapport.sales"
    label = "sales"

    def ready(self) -> None:
        from rapport.core.imports import register
        from rapport.sales.imports import LeadImporter, OrderImporter

        register(LeadImporter())
        register(OrderImporter())
