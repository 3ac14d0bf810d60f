from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    """Planned work with customers: calls, meetings, tasks and e-mails, one-off or recurring,
    with reminders; completing one records its outcome on the timeline."""

    name = "rapport.activities"
    label = "activities"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from rapport.activities import (  # noqa: F401  (register kinds, declare jobs)
            jobs,
            notification_kinds,
            timeline_kinds,
        )
        from rapport.activities.filters import NO_NEXT_STEP
        from rapport.activities.selectors import put_next_steps
        from rapport.activities.views.contact_panel import (
            COMPLAINT_TEMPLATE,
            TEMPLATE,
            activities_panel,
            complaint_follow_ups,
        )
        from rapport.contacts.filters import CONTACT_FILTERS
        from rapport.contacts.views.contact_detail import register_panel
        from rapport.contacts.views.contacts import ListColumn, register_list_column
        from rapport.service.views.complaints import register_section

        register_panel("activities", activities_panel, TEMPLATE)
        register_section("follow_ups", complaint_follow_ups, COMPLAINT_TEMPLATE)
        CONTACT_FILTERS.add(NO_NEXT_STEP)
        register_list_column(
            ListColumn(
                key="next_step",
                label=_("Next step"),
                template="activities/contact_next_step.html",
                fill=put_next_steps,
            )
        )
