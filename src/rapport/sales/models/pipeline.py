"""Pipelines of ordered stages, deals moving through them, and the history of each move."""

import functools

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.catalog.models import Product
from rapport.contacts.models import Company, Contact
from rapport.core.models import OwnedModel, TimeStampedModel
from rapport.core.money import AmountField, CurrencyField
from rapport.sales.models.leads import Lead


class Pipeline(models.Model):
    """A sales process, such as "Leisure tours" or "Corporate travel"."""

    name = models.CharField(pgettext_lazy("pipeline", "name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            )
        ]

    def __str__(self) -> str:
        return self.name


class BuiltinStage(models.TextChoices):
    """The stages of Rapport's ready-made pipelines, named in the reader's language.

    A stage's name is data, typed once in one language; a team working in Ukrainian,
    Russian and Lithuanian would each read it in that one. A stage made from one of these
    keeps its key and shows the translated name for as long as its stored name is still
    the built-in English one; once an administrator renames it, their name is shown.
    """

    ENQUIRY = "enquiry", pgettext_lazy("pipeline stage", "Enquiry")
    OFFER_SENT = "offer_sent", pgettext_lazy("pipeline stage", "Offer sent")
    BOOKING = "booking", pgettext_lazy("pipeline stage", "Booking")
    REQUEST = "request", pgettext_lazy("pipeline stage", "Request")
    PROPOSAL = "proposal", pgettext_lazy("pipeline stage", "Proposal")
    NEGOTIATION = "negotiation", pgettext_lazy("pipeline stage", "Negotiation")
    CONTRACT_SIGNED = "contract_signed", pgettext_lazy("pipeline stage", "Contract signed")
    WON = "won", pgettext_lazy("pipeline stage", "Won")
    LOST = "lost", pgettext_lazy("pipeline stage", "Lost")

    @classmethod
    def english(cls, key: str) -> str:
        """The name stored for a new stage made from `key`."""
        return _english_stage_names()[key]


@functools.cache
def _english_stage_names() -> dict[str, str]:
    with translation.override(None):
        return {key: str(label) for key, label in BuiltinStage.choices}


class Stage(models.Model):
    """A step of a pipeline, with the chance that a deal in it is won."""

    class Kind(models.TextChoices):
        OPEN = "open", pgettext_lazy("deal", "Open")
        WON = "won", pgettext_lazy("deal", "Won")
        LOST = "lost", pgettext_lazy("deal", "Lost")

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(pgettext_lazy("pipeline stage", "name"), max_length=100)
    key = models.CharField(
        _("built-in stage"), max_length=20, choices=BuiltinStage.choices, blank=True, default=""
    )
    position = models.PositiveSmallIntegerField(_("position"))
    probability = models.PositiveSmallIntegerField(
        _("probability, %"), validators=[MaxValueValidator(100)]
    )
    kind = models.CharField(_("type"), max_length=4, choices=Kind.choices, default=Kind.OPEN)

    class Meta:
        verbose_name = pgettext_lazy("pipeline", "stage")
        verbose_name_plural = pgettext_lazy("pipeline", "stages")
        ordering = ["pipeline", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_pipeline_name_unique"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability_pct"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name to show: a built-in stage's in the reader's language, else the stored one."""
        if self.key in BuiltinStage.values and self.name == BuiltinStage.english(self.key):
            return str(BuiltinStage(self.key).label)
        return self.name


class LostReason(models.Model):
    """Why deals are lost ("Too expensive", "Chose a competitor"); admin-editable."""

    name = models.CharField(pgettext_lazy("lost reason", "name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Deal(TimeStampedModel, OwnedModel):
    """A sale in progress for a contact (and maybe their company)."""

    title = models.CharField(_("title"), max_length=200)
    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.PROTECT, related_name="deals"
    )
    stage = models.ForeignKey(  # indexed by deal_stage_idx
        Stage,
        verbose_name=pgettext_lazy("pipeline", "stage"),
        on_delete=models.PROTECT,
        related_name="deals",
        db_index=False,
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="deals"
    )
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    amount = AmountField(_("amount"), default=0)
    currency = CurrencyField(_("currency"))
    expected_close_date = models.DateField(_("expected close"), null=True, blank=True)
    lost_reason = models.ForeignKey(
        LostReason,
        verbose_name=_("lost reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lost_note = models.CharField(_("lost note"), max_length=300, blank=True)
    stage_entered_at = models.DateTimeField(_("in stage since"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [
            models.Index(fields=["stage", "-created_at", "-id"], name="deal_stage_idx"),
            models.Index(fields=["owner", "-created_at", "-id"], name="deal_owner_idx"),
            models.Index(fields=["-created_at", "-id"], name="deal_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative")
        ]

    def __str__(self) -> str:
        return self.title


class DealProduct(models.Model):
    """A product in a deal, with its quantity and agreed price."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="products")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = AmountField(_("unit price"))

    class Meta:
        verbose_name = _("deal product")
        verbose_name_plural = _("deal products")

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class DealStageChange(models.Model):
    """A deal entering a stage; the time in each stage is the gap to the next row."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_stage = models.ForeignKey(  # indexed by stagechange_stage_idx
        Stage, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seconds_in_previous = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["to_stage", "at"], name="stagechange_stage_idx")]

    def __str__(self) -> str:
        return f"{self.from_stage_id} → {self.to_stage_id}"
