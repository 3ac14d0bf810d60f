from django.apps import AppConfig


class SalesConfig(AppConfig):
    """Lead sources and spend, leads, pipelines and deals, and orders."""

    name = "rapport.sales"
    label = "sales"
