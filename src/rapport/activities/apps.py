from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    """Planned work with customers: calls, meetings, tasks and e-mails, one-off or recurring,
    with reminders; completing one records its outcome on the timeline."""

    name = "rapport.activities"
    label = "activities"

    def ready(self) -> None:
        from rapport.activities import (  # noqa: F401  (register kinds, declare jobs)
            jobs,
            notification_kinds,
            timeline_kinds,
        )
        from rapport.activities.filters import NO_NEXT_STEP
        from rapport.activities.views.contact_panel import TEMPLATE, activities_panel
        from rapport.contacts.filters import CONTACT_FILTERS
        from rapport.contacts.views.contact_detail import register_panel

        register_panel("activities", activities_panel, TEMPLATE)
        CONTACT_FILTERS.add(NO_NEXT_STEP)
