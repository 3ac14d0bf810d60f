from django.apps import AppConfig


class ServiceConfig(AppConfig):
    """Complaints under an SLA, their root causes, and satisfaction surveys."""

    name = "rapport.service"
    label = "service"

    def ready(self) -> None:
        from rapport.service import notices, timeline_kinds  # noqa: F401  (register their kinds)
