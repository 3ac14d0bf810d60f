from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "rapport.timeline"
    label = "timeline"

    def ready(self) -> None:
        from rapport.contacts.views.contact_detail import register_panel
        from rapport.timeline.views import timeline_panel

        register_panel("timeline", timeline_panel)
