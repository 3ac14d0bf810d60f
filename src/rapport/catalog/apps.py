from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """Products and services: tours with destination and dates, and add-ons."""

    name = "rapport.catalog"
    label = "catalog"
