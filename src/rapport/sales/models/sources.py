"""Where customers come from, what each source costs, and the phone numbers that track it."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.money import AmountField, CurrencyField


class LeadSource(models.Model):
    """A channel customers arrive through: a website, an ad network, a phone line, walk-ins…"""

    class Kind(models.TextChoices):
        WEBSITE = "website", _("Website")
        INSTAGRAM = "instagram", _("Instagram")
        FACEBOOK = "facebook", _("Facebook")
        GOOGLE_ADS = "google_ads", _("Google Ads")
        PHONE = "phone", _("Phone call")
        WALK_IN = "walk_in", _("Walk-in")
        REFERRAL = "referral", _("Referral")
        PARTNER = "partner", _("Partner")
        EXHIBITION = "exhibition", _("Exhibition")
        EMAIL = "email", _("E-mail")
        MESSENGER = "messenger", _("Messenger")
        OTHER = "other", _("Other")

    name = models.CharField(pgettext_lazy("source", "name"), max_length=100, unique=True)
    kind = models.CharField(_("channel"), max_length=12, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SourceSpend(models.Model):
    """Marketing spend on a source over a period (both dates included)."""

    source = models.ForeignKey(
        LeadSource, verbose_name=_("source"), on_delete=models.CASCADE, related_name="spend"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    amount = AmountField(_("amount"))
    currency = CurrencyField(_("currency"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("marketing spend")
        verbose_name_plural = _("marketing spend")
        ordering = ["-period_start", "source"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "period_start", "period_end", "currency"],
                name="spend_source_period_unique",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="spend_period_ordered"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="spend_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.amount} {self.currency}"


class TrackingNumber(models.Model):
    """A phone number published in one channel only, so calls to it reveal the source."""

    number = models.CharField(_("phone number"), max_length=20, unique=True)
    source = models.ForeignKey(
        LeadSource, verbose_name=_("source"), on_delete=models.PROTECT, related_name="numbers"
    )
    description = models.CharField(_("where it is published"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tracking number")
        verbose_name_plural = _("tracking numbers")

    def __str__(self) -> str:
        return self.number
