"""Orders (bookings, purchases): the transactions customer analytics reads in bulk."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.catalog.models import Product
from rapport.contacts.models import Contact
from rapport.core.models import TimeStampedModel
from rapport.core.money import AmountField, CurrencyField
from rapport.sales.models.pipeline import Deal


class OrderStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")


class OrderChannel(models.TextChoices):
    OFFICE = "office", _("Office")
    PHONE = "phone", _("Phone")
    WEBSITE = "website", _("Website")
    MESSENGER = "messenger", _("Messenger")
    EMAIL = "email", _("E-mail")
    PARTNER = "partner", _("Partner")


class Order(TimeStampedModel):
    """A booking or purchase by a contact. `total` is the sum of its lines after discounts."""

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="orders",
        db_index=False,  # indexed by order_contact_status_idx
    )
    deal = models.OneToOneField(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="order"
    )
    order_date = models.DateTimeField(_("order date"))
    channel = models.CharField(
        _("channel"), max_length=10, choices=OrderChannel.choices, default=OrderChannel.OFFICE
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.BOOKED
    )
    total = AmountField(_("total"))
    currency = CurrencyField(_("currency"))
    promo_code = models.CharField(_("promo code"), max_length=50, blank=True)
    external_id = models.CharField(_("external id"), max_length=100, null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="order_external_id_unique"),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]
        indexes = [
            # Analytics reads all orders by date; the 360° page reads one customer's. With
            # the status in it, a segment's "orders in a window" (EXISTS, a count, the first
            # or last date: counted statuses only) is answered from the index alone, without
            # reading each order: 816 → 219 ms for the 34k customers of the medium set.
            models.Index(
                fields=["contact", "-order_date", "status"], name="order_contact_status_idx"
            ),
            models.Index(fields=["order_date", "contact"], name="order_date_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.total} {self.currency}"


class OrderLine(models.Model):
    """One product in an order: quantity × unit price − discount."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(  # indexed by orderline_product_idx
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = AmountField(_("unit price"))
    discount = AmountField(_("discount"), default=0)
    line_total = AmountField(_("line total"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        indexes = [models.Index(fields=["product", "order"], name="orderline_product_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="orderline_quantity_positive"
            ),
            models.CheckConstraint(condition=Q(discount__gte=0), name="orderline_discount_ok"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.description or self.product_id}"
