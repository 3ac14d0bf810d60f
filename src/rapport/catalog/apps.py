from django.apps import AppConfig


class CatalogConfig(AppConfig):
    """Products and services: tours with destination and dates, and add-ons."""

    name = "rapport.catalog"
    label = "catalog"

    def ready(self) -> None:
        from rapport.catalog.imports import ProductImporter
        from rapport.core.imports import register

        register(ProductImporter())
