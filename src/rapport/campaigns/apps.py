from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Messages to customers on e-mail, SMS and messengers: campaigns, the exactly-once
    outbox, consent and frequency-cap checks at send time, unsubscribing."""

    name = "rapport.campaigns"
    label = "campaigns"

    def ready(self) -> None:
        from rapport.campaigns import config, jobs, redemption, timeline_kinds  # noqa: F401
        from rapport.campaigns.views.messengers import TEMPLATE, messengers_panel
        from rapport.contacts.views.contact_detail import register_panel
        from rapport.sales.services.orders import register_order_hooks

        # a mistyped provider URL stops the start, naming what is wrong, not the first send
        config.viber()
        config.whatsapp()

        register_panel("messengers", messengers_panel, TEMPLATE)
        register_order_hooks(
            placed=redemption.order_placed, status_changed=redemption.order_status_changed
        )
