from django.apps import AppConfig


class ServiceConfig(AppConfig):
    """Complaints under an SLA, their root causes, and satisfaction surveys."""

    name = "rapport.service"
    label = "service"

    def ready(self) -> None:
        from rapport.contacts.views.contact_detail import register_panel
        from rapport.service import jobs, notices, timeline_kinds  # noqa: F401  (registrations)
        from rapport.service.views.contact_panel import complaints_panel, interaction_links
        from rapport.timeline.views import register_item_links

        register_panel("complaints", complaints_panel, template="service/contact_panel.html")
        register_item_links(interaction_links)
