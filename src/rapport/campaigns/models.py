"""Campaigns, their per-language templates, the outbox (one row per message, sent once) and
the suppression list."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.contacts.models import ConsentPurpose, Contact
from rapport.core.models import TimeStampedModel


class MessageChannel(models.TextChoices):
    """The channels a campaign can send on (each one a consent channel too)."""

    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    MESSENGER = "messenger", _("Messenger")


class MessagePurpose(models.TextChoices):
    """Marketing messages count against the frequency cap; service messages do not. Both
    need the person's consent for their channel and purpose."""

    MARKETING = ConsentPurpose.MARKETING.value, _("Marketing")
    SERVICE = ConsentPurpose.SERVICE.value, _("Service")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("campaign status", "Draft")
    SCHEDULED = "scheduled", pgettext_lazy("campaign status", "Scheduled")
    SENDING = "sending", pgettext_lazy("campaign status", "Sending")
    PAUSED = "paused", pgettext_lazy("campaign status", "Paused")
    DONE = "done", pgettext_lazy("campaign status", "Done")
    CANCELLED = "cancelled", pgettext_lazy("campaign status", "Cancelled")


class Campaign(TimeStampedModel):
    """A message to many customers on one channel (with an optional fallback) for one goal,
    to the members of a segment as they are at launch (the snapshot is its outbox rows)."""

    name = models.CharField(pgettext_lazy("campaign", "name"), max_length=200)
    goal = models.CharField(_("goal"), max_length=300, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    fallback_channel = models.CharField(
        _("fallback channel"), max_length=10, choices=MessageChannel.choices, blank=True
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=10,
        choices=MessagePurpose.choices,
        default=MessagePurpose.MARKETING,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    # {"from": "21:00", "to": "09:00"} in each recipient's zone, or null for none.
    quiet_hours = models.JSONField(_("quiet hours"), null=True, blank=True)
    holdout_percent = models.PositiveSmallIntegerField(_("holdout, percent"), default=0)
    # Open pixel and click redirects in its e-mail (campaigns/tracking.py), unless the site
    # switches tracking off altogether (RAPPORT_TRACKING).
    track = models.BooleanField(_("track opens and clicks"), default=True)
    # What the campaign cost (design, paid sends), in the reporting currency: the report's
    # ROMI. It may be corrected at any time: invoices arrive after the campaign.
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, null=True, blank=True)
    segment = models.ForeignKey(
        "segments.Segment",
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class CampaignVariant(models.Model):
    """One version of an A/B-tested campaign: its own templates, sent to `share` percent of
    the treated recipients, each drawn by a hash of campaign and contact (campaigns/split.py).
    A campaign has no variants (its templates are its own) or two and more (shares sum
    to 100)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(pgettext_lazy("campaign variant", "name"), max_length=40)
    share = models.PositiveSmallIntegerField(_("share, percent"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("campaign variant")
        verbose_name_plural = _("campaign variants")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name"], name="campaign_variant_name_unique"
            ),
            models.CheckConstraint(
                condition=Q(share__gte=1, share__lte=100), name="campaign_variant_share_percent"
            ),
        ]
        ordering = ["campaign", "position", "id"]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.name}"


class CampaignTemplate(models.Model):
    """A campaign's (or one of its variants') content in one language. A contact whose
    language has none gets the first template (the lowest position)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="templates")
    # None: the campaign's own content (a campaign without variants).
    variant = models.ForeignKey(
        CampaignVariant,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="templates",
    )
    language = models.CharField(_("language"), max_length=8)
    position = models.PositiveSmallIntegerField(default=0)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)

    class Meta:
        verbose_name = _("campaign template")
        verbose_name_plural = _("campaign templates")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language"],
                condition=Q(variant__isnull=True),
                name="campaign_template_language_unique",
            ),
            models.UniqueConstraint(
                fields=["variant", "language"],
                condition=Q(variant__isnull=False),
                name="variant_template_language_unique",
            ),
        ]
        ordering = ["campaign", "position", "id"]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.language}"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("message status", "Queued")
    SENDING = "sending", pgettext_lazy("message status", "Sending")
    SENT = "sent", pgettext_lazy("message status", "Sent")
    DELIVERED = "delivered", pgettext_lazy("message status", "Delivered")
    FAILED = "failed", pgettext_lazy("message status", "Failed")
    SKIPPED = "skipped", pgettext_lazy("message status", "Skipped")
    # A worker died after handing the message to the provider and before recording the
    # answer: it may or may not have gone out, so it is never retried on its own.
    REVIEW = "review", pgettext_lazy("message status", "To review")


class SkipReason(models.TextChoices):
    NO_CONSENT = "no_consent", _("No consent for this channel and purpose")
    CAPPED = "capped", _("Frequency cap reached")
    SUPPRESSED = "suppressed", _("Address suppressed")
    NO_ADDRESS = "no_address", _("No address for this channel")
    CANCELLED = "cancelled", _("Campaign cancelled")
    REJECTED = "rejected", _("Refused by the provider")
    RETRIES_EXHAUSTED = "retries_exhausted", _("Provider kept failing")
    UNKNOWN_OUTCOME = "unknown_outcome", _("Sending was interrupted; may have gone out")
    # Drawn at launch into the campaign's holdout (control) group: never sent, kept as a row
    # so that the contact's one message per campaign × step says so (see targeting.snapshot).
    HOLDOUT = "holdout", _("Held out for comparison")
    # A delivery status notification (RFC 3464) said it failed after the server took it
    # (campaigns/bounces.py); its error says hard (5.x.x) or soft (4.x.x) and why.
    BOUNCED = "bounced", _("Bounced back by the recipient's mail server")


class Message(models.Model):
    """One message in the outbox: one row per (campaign or source) × contact × step, unique,
    so a message exists once whatever workers do. Its content is rendered when it is queued;
    whether it may go out (consent, suppression, address, frequency cap) is decided when it
    is handed to the provider."""

    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    # What queued a message that belongs to no campaign: "scenario:12", "test:3"…
    source = models.CharField(_("source"), max_length=60, blank=True, default="")
    step = models.PositiveSmallIntegerField(_("step"), default=0)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+", db_index=False)
    # The A/B variant whose templates it carries (None: a campaign without variants). RESTRICT:
    # a variant that messages went out with stays, unless its whole campaign is deleted.
    variant = models.ForeignKey(
        CampaignVariant,
        verbose_name=_("variant"),
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=MessagePurpose.choices)
    language = models.CharField(_("language"), max_length=8, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    # The body parameters of a WhatsApp template message (subject "template:NAME"), rendered
    # for the contact in order; null for every other message.
    template_params = models.JSONField(_("template parameters"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    reason = models.CharField(_("reason"), max_length=20, choices=SkipReason.choices, blank=True)
    error = models.TextField(_("error"), blank=True)  # the provider's last answer
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField(_("not before"))  # queued: when it may be claimed
    lease_owner = models.CharField(max_length=80, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # Set, in its own committed transaction, just before the provider is called: a claim that
    # expires without it never reached the provider and is retried; one with it is reviewed.
    handed_at = models.DateTimeField(null=True, blank=True)
    address = models.CharField(_("address"), max_length=254, blank=True)  # as sent to
    provider_id = models.CharField(_("provider id"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)
    # False for a launch's snapshot, queued in one INSERT … SELECT with the campaign's
    # templates still to fill in: the outbox renders them for a whole claimed batch.
    rendered = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "contact", "step"],
                condition=Q(campaign__isnull=False),
                name="message_campaign_contact_step_unique",
            ),
            models.UniqueConstraint(
                fields=["source", "contact", "step"],
                condition=Q(campaign__isnull=True),
                name="message_source_contact_step_unique",
            ),
            models.CheckConstraint(
                condition=Q(campaign__isnull=False) | ~Q(source=""),
                name="message_campaign_or_source",
            ),
        ]
        indexes = [
            # the claim: due queued rows, oldest first; and the leases to recover
            models.Index(
                fields=["available_at", "id"],
                condition=Q(status="queued"),
                name="message_queued_idx",
            ),
            models.Index(
                fields=["lease_until"], condition=Q(status="sending"), name="message_lease_idx"
            ),
            # the frequency cap: a contact's marketing messages handed out lately, and a
            # launch's set of contacts at the cap (the window's marketing hand-offs)
            models.Index(fields=["contact", "handed_at"], name="message_contact_handed_idx"),
            models.Index(
                fields=["handed_at", "contact"],
                condition=Q(purpose="marketing", handed_at__isnull=False),
                name="message_marketing_handed_idx",
            ),
            # delivery receipts name the provider's id
            models.Index(
                fields=["provider_id"], condition=~Q(provider_id=""), name="message_provider_idx"
            ),
            # deleting a draft's variant checks no message carries it (RESTRICT)
            models.Index(
                fields=["variant"], condition=Q(variant__isnull=False), name="message_variant_idx"
            ),
        ]
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.channel} → {self.contact_id}: {self.status}"


class MessageEvent(models.Model):
    """A recipient opening an e-mail (its pixel loaded) or clicking one of its links: one row
    per message × kind × link, the first time, counting the repeats, so "unique opened" and
    "unique clicked" are counts of rows however often a person (or a mail scanner) comes
    back. A click implies an open and writes its row too."""

    class Kind(models.TextChoices):
        OPEN = "open", pgettext_lazy("message event", "Opened")
        CLICK = "click", pgettext_lazy("message event", "Clicked")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The clicked link's position among the message's tracked links (-1 for an open); the
    # target is read back from the message's own HTML, never from the request.
    link = models.SmallIntegerField(_("link"), default=-1)
    url = models.CharField(_("URL"), max_length=2000, blank=True)
    first_at = models.DateTimeField(_("first"))
    last_at = models.DateTimeField(_("last"))
    count = models.PositiveIntegerField(_("times"), default=1)

    class Meta:
        verbose_name = _("message event")
        verbose_name_plural = _("message events")
        constraints = [
            models.UniqueConstraint(fields=["message", "kind", "link"], name="message_event_unique")
        ]
        ordering = ["first_at", "id"]

    def __str__(self) -> str:
        return f"#{self.message_id} {self.kind} {self.link}"


class Suppression(models.Model):
    """An address nothing is sent to on a channel (a hard bounce, a spam complaint, a
    request made outside Rapport), whichever contact has it."""

    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    address = models.CharField(_("address"), max_length=254)
    reason = models.CharField(_("reason"), max_length=100)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "address"], name="suppression_channel_address_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


class MessengerAccount(models.Model):
    """A contact's account on a messenger, where messenger messages go and whose replies are
    theirs: their Telegram chat id, Viber user id, or WhatsApp id (the international number
    in digits, without "+", as WhatsApp names it)."""

    class Provider(models.TextChoices):
        TELEGRAM = "telegram", "Telegram"
        VIBER = "viber", "Viber"
        WHATSAPP = "whatsapp", "WhatsApp"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(_("messenger"), max_length=20, choices=Provider.choices)
    external_id = models.CharField(_("chat id"), max_length=100)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When the person asked this account to stop (a STOP reply, leaving the Viber bot): no
    # message goes here while it is set; their other messengers carry on (hooks.py).
    opted_out_at = models.DateTimeField(_("opted out"), null=True, blank=True)

    class Meta:
        verbose_name = _("messenger account")
        verbose_name_plural = _("messenger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="messenger_account_unique"
            )
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider}:{self.external_id}"


class InboundMessage(models.Model):
    """A reply that arrived through a provider's webhook, once per provider message id
    (providers repeat webhooks they think failed)."""

    provider = models.CharField(_("provider"), max_length=20)
    external_id = models.CharField(_("provider id"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    sender = models.CharField(_("from"), max_length=254)
    text = models.TextField(_("text"), blank=True)
    stop = models.BooleanField(_("asked to stop"), default=False)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="inbound_message_unique"
            )
        ]
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider}:{self.external_id}"


class PromoCode(TimeStampedModel):
    """A discount code: shared (one code, many uses up to a limit) or personal (one contact,
    single use, generated per recipient when a message is sent, never the same for two
    people). Restricted to some products or categories when any are named."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", pgettext_lazy("promo code", "Personal")
        SHARED = "shared", pgettext_lazy("promo code", "Shared")

    class Discount(models.TextChoices):
        PERCENT = "percent", _("Percent")
        AMOUNT = "amount", _("Amount")

    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    discount = models.CharField(_("discount"), max_length=10, choices=Discount.choices)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, blank=True)  # amounts only
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)
    usage_limit = models.PositiveIntegerField(_("usage limit"), null=True, blank=True)
    used = models.PositiveIntegerField(_("times used"), default=0)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="promo_codes"
    )
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    categories = models.ManyToManyField("catalog.Category", blank=True, related_name="+")

    class Meta:
        verbose_name = _("promo code")
        verbose_name_plural = _("promo codes")
        constraints = [
            # one personal code per recipient of a campaign, however many workers send
            models.UniqueConstraint(
                fields=["campaign", "contact"],
                condition=Q(kind="personal", campaign__isnull=False),
                name="promo_personal_per_campaign_unique",
            ),
            models.CheckConstraint(condition=Q(value__gt=0), name="promo_value_positive"),
            models.CheckConstraint(
                condition=~Q(discount="percent") | Q(value__lte=100),
                name="promo_percent_at_most_100",
            ),
            models.CheckConstraint(
                condition=~Q(discount="amount") | ~Q(currency=""),
                name="promo_amount_has_currency",
            ),
            models.CheckConstraint(
                condition=~Q(kind="personal") | Q(contact__isnull=False, usage_limit=1),
                name="promo_personal_single_use",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(used__lte=F("usage_limit")),
                name="promo_used_within_limit",
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.code


class PromoRedemption(models.Model):
    """A promo code used by an order: one per order, released when the order is cancelled
    or refunded (the code's use is given back)."""

    promo = models.ForeignKey(PromoCode, on_delete=models.CASCADE, related_name="redemptions")
    order = models.OneToOneField(
        "sales.Order", on_delete=models.CASCADE, related_name="promo_redemption"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("promo code redemption")
        verbose_name_plural = _("promo code redemptions")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.promo_id} → order {self.order_id}"
