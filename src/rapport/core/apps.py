from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared building blocks: mixins, money, visibility, audit, errors, pagination."""

    name = "rapport.core"
    label = "core"

    def ready(self) -> None:
        from rapport.core import sqlite
        from rapport.core.jobs import purge_expired  # noqa: F401  (declares core's jobs)

        sqlite.install()
