"""The timeline: one row per touchpoint with a customer, on any channel."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Value
from django.utils.translation import gettext_lazy as _

from rapport.contacts.models import Contact


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    MESSENGER = "messenger", _("Messenger")
    MEETING = "meeting", _("Meeting")
    VISIT = "visit", _("Office visit")
    WEB = "web", _("Website")
    CHATBOT = "chatbot", _("Chat-bot")
    SOCIAL = "social", _("Social network")
    NOTE = "note", _("Note")
    ORDER = "order", _("Order")
    COMPLAINT = "complaint", _("Complaint")
    CAMPAIGN = "campaign", _("Campaign message")


# Channels a person can log by hand; the rest are recorded by the apps that own them.
MANUAL_CHANNELS = [
    Channel.PHONE,
    Channel.EMAIL,
    Channel.SMS,
    Channel.MESSENGER,
    Channel.MEETING,
    Channel.VISIT,
    Channel.SOCIAL,
    Channel.NOTE,
]


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")
    INTERNAL = "internal", _("Internal")


class Interaction(models.Model):
    """Something that happened between the business and a customer."""

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="interactions",
        db_index=False,  # indexed by interaction_contact_idx
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND
    )
    occurred_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What happened, as data: `kind` names a renderer (rapport.timeline.rendering) that turns
    # `params` into a sentence in the reader's language when shown. Hand-written entries have
    # no kind; their `summary` is the author's own words. Structured rows keep `summary` empty.
    kind = models.CharField(_("kind"), max_length=40, blank=True, default="", db_default="")
    # The database default (an empty JSON object, as text) lets SQLite add the column in place.
    params = models.JSONField(_("parameters"), blank=True, default=dict, db_default=Value("{}"))
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("details"), blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration, seconds"), null=True, blank=True)
    source_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # indexed by interaction_source_idx
    )
    source_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-occurred_at", "-id"], name="interaction_contact_idx"),
            models.Index(fields=["-occurred_at", "-id"], name="interaction_time_idx"),
            models.Index(fields=["source_type", "source_id"], name="interaction_source_idx"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """The one-line summary in the active language."""
        from rapport.timeline.rendering import render_summary

        return render_summary(self)
