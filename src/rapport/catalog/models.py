"""What the business sells: tours (destination, dates, hotel) and add-ons, in categories."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from rapport.core.models import TimeStampedModel
from rapport.core.money import AmountField, CurrencyField


class Category(models.Model):
    """A group of products ("Beach holidays", "Ski", "Insurance")."""

    name = models.CharField(pgettext_lazy("category", "name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_parent_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    """A tour or an add-on (insurance, transfer, excursion, child seat…) with its price."""

    class Kind(models.TextChoices):
        TOUR = "tour", _("Tour")
        ADDON = "addon", _("Add-on")
        SERVICE = "service", pgettext_lazy("product kind", "Service")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TOUR)
    name = models.CharField(pgettext_lazy("product", "name"), max_length=200)
    sku = models.CharField(_("code"), max_length=64, null=True, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
    )
    destination = models.CharField(_("destination"), max_length=200, blank=True)
    departure_date = models.DateField(_("departure"), null=True, blank=True)
    return_date = models.DateField(_("return"), null=True, blank=True)
    hotel_category = models.PositiveSmallIntegerField(
        _("hotel stars"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    price = AmountField(_("price"))
    currency = CurrencyField(_("currency"))
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sku"], name="product_sku_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(return_date__isnull=True)
                | Q(departure_date__isnull=True)
                | Q(return_date__gte=F("departure_date")),
                name="product_return_after_departure",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "is_active"], name="product_kind_idx"),
            models.Index(fields=["destination"], name="product_destination_idx"),
            models.Index(fields=["created_at", "id"], name="product_created_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration_nights(self) -> int | None:
        if self.departure_date and self.return_date:
            return (self.return_date - self.departure_date).days
        return None
