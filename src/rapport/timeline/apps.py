from django.apps import AppConfig


class TimelineConfig(AppConfig):
    """Every touchpoint with a customer, on any channel, worded in the reader's language."""

    name = "rapport.timeline"
    label = "timeline"

    def ready(self) -> None:
        from rapport.contacts.services.lifecycle import on_lifecycle_change
        from rapport.contacts.views.contact_detail import register_panel
        from rapport.timeline import rendering  # noqa: F401  (registers its own kinds)
        from rapport.timeline.services import record_lifecycle_changes
        from rapport.timeline.views import timeline_panel

        register_panel("timeline", timeline_panel)
        on_lifecycle_change(record_lifecycle_changes)
