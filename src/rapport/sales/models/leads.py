"""Leads: enquiries not yet qualified, with their full attribution, and their status history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.accounts.models import Team
from rapport.contacts.models import Contact
from rapport.core.models import TimeStampedModel
from rapport.sales.models.sources import LeadSource, TrackingNumber


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")


OPEN_LEAD_STATUSES = [LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED]


class Attribution(models.Model):
    """Where a visitor came from: UTM tags, referrer, landing page and ad click ids."""

    utm_source = models.CharField(_("UTM source"), max_length=200, blank=True)
    utm_medium = models.CharField(_("UTM medium"), max_length=200, blank=True)
    utm_campaign = models.CharField(_("UTM campaign"), max_length=200, blank=True)
    utm_term = models.CharField(_("UTM term"), max_length=200, blank=True)
    utm_content = models.CharField(_("UTM content"), max_length=200, blank=True)
    referrer = models.CharField(_("referrer"), max_length=1000, blank=True)
    landing_page = models.CharField(_("landing page"), max_length=1000, blank=True)
    gclid = models.CharField("gclid", max_length=200, blank=True)
    fbclid = models.CharField("fbclid", max_length=200, blank=True)

    class Meta:
        abstract = True


ATTRIBUTION_FIELDS = [
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
    "referrer", "landing_page", "gclid", "fbclid",
]  # fmt: skip


class Lead(TimeStampedModel, Attribution):
    """An enquiry from any channel; converting it links a contact and opens a deal."""

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    company_name = models.CharField(_("company"), max_length=200, blank=True)
    message = models.TextField(_("message"), blank=True)
    source = models.ForeignKey(
        LeadSource,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,  # indexed by lead_source_idx
    )
    tracking_number = models.ForeignKey(
        TrackingNumber,
        verbose_name=_("tracking number"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    form_slug = models.CharField(_("web form"), max_length=60, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW
    )
    disqualify_reason = models.CharField(_("reason"), max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    # A hash of a public form submission, so a double click does not make two leads.
    submission_key = models.CharField(max_length=64, null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.UniqueConstraint(fields=["submission_key"], name="lead_submission_unique"),
            models.CheckConstraint(
                condition=~Q(status="disqualified") | ~Q(disqualify_reason=""),
                name="lead_disqualified_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at", "-id"], name="lead_status_idx"),
            models.Index(fields=["owner", "-created_at", "-id"], name="lead_owner_idx"),
            models.Index(fields=["-created_at", "-id"], name="lead_created_idx"),
            models.Index(fields=["email"], name="lead_email_idx"),
            models.Index(fields=["phone"], name="lead_phone_idx"),
            models.Index(fields=["source", "created_at"], name="lead_source_idx"),
        ]

    def __str__(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.email or self.phone or f"#{self.pk}"


class LeadStatusChange(models.Model):
    """One status change of a lead: history as rows."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=LeadStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=LeadStatus.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class AssignmentRule(models.Model):
    """New leads (of a source, or of any) go round-robin to the active members of a team."""

    source = models.ForeignKey(
        LeadSource,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Leave empty to match leads from any source."),
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.source or '*'} → {self.team}"


class WebForm(models.Model):
    """A public lead form embedded on a website, posting to /forms/<slug>/."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(pgettext_lazy("form", "name"), max_length=100)
    source = models.ForeignKey(
        LeadSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="forms"
    )
    success_message = models.CharField(_("thank-you message"), max_length=300, blank=True)
    redirect_url = models.URLField(_("redirect after submit"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")

    def __str__(self) -> str:
        return self.name
