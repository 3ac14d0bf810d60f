from django.contrib import admin

from rapport.campaigns.models import (
    Campaign,
    CampaignTemplate,
    InboundMessage,
    Message,
    MessengerAccount,
    PromoCode,
    Suppression,
)


class TemplateInline(admin.StackedInline):
    model = CampaignTemplate
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "channel", "purpose", "status", "scheduled_at", "created_at"]
    list_filter = ["status", "channel", "purpose"]
    search_fields = ["name"]
    raw_id_fields = ["created_by"]
    inlines = [TemplateInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The outbox, read-only: messages `to review` are found here by their status."""

    list_display = ["id", "campaign", "source", "contact", "channel", "status", "reason", "sent_at"]
    list_filter = ["status", "reason", "channel", "purpose"]
    raw_id_fields = ["campaign", "contact"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["channel", "address", "reason", "created_at"]
    list_filter = ["channel"]
    search_fields = ["address"]


@admin.register(MessengerAccount)
class MessengerAccountAdmin(admin.ModelAdmin):
    list_display = ["provider", "external_id", "contact", "created_at"]
    raw_id_fields = ["contact"]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["provider", "sender", "text", "stop", "received_at"]
    list_filter = ["provider", "stop"]


@admin.register(PromoCode)
class PromoCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "discount", "value", "currency", "used", "usage_limit"]
    list_filter = ["kind", "discount"]
    search_fields = ["code"]
    raw_id_fields = ["contact", "campaign", "products", "categories"]
