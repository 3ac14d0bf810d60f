from django.apps import AppConfig


class AutomationConfig(AppConfig):
    """Trigger scenarios: events (rows) start per-contact runs of a versioned flow of steps
    (wait, branch, send, task, tag, list, promo code, survey, webhook), executed exactly once
    per run × step by any number of workers."""

    name = "rapport.automation"
    label = "automation"

    def ready(self) -> None:
        from rapport.automation import jobs  # noqa: F401  (registrations)
        from rapport.automation.contact_panel import TEMPLATE, scenarios_panel
        from rapport.automation.selectors import describe_source
        from rapport.campaigns.sources import register_source
        from rapport.contacts.views.contact_detail import register_panel

        register_source("scenario", describe_source)
        register_panel("scenario_runs", scenarios_panel, TEMPLATE)
