"""Promo codes redeemed through orders: the sales app calls these hooks inside an order's
transaction (sales.services.orders.register_order_hooks), so a code is used exactly when an
order that names it is placed, and given back when that order is cancelled or refunded.

A code Rapport does not know (one from a partner's system) is kept on the order as text and
redeems nothing; a code Rapport knows but that may not be used (expired, used up, another
customer's, not for these products) refuses the order with the reason."""

from django.core.exceptions import ValidationError
from django.db.models import F

from rapport.campaigns.models import PromoCode, PromoRedemption
from rapport.campaigns.promo import normalize, promo_code_redeem
from rapport.catalog.models import Product
from rapport.sales.models import Order, OrderLine, OrderStatus

COUNTED = (OrderStatus.BOOKED, OrderStatus.PAID)


def _redeem(order: Order, product_ids: list[int]) -> None:
    code = normalize(order.promo_code)
    if not code or not PromoCode.objects.filter(code=code).exists():
        return
    categories = list(
        Product.objects.filter(pk__in=product_ids, category__isnull=False).values_list(
            "category_id", flat=True
        )
    )
    try:
        promo = promo_code_redeem(
            code=code,
            contact_id=order.contact_id,
            at=order.order_date,
            product_ids=product_ids,
            category_ids=categories,
        )
    except ValidationError as exc:
        raise ValidationError(
            {"promo_code": exc.message_dict.get("promo_code", exc.messages)}
        ) from None
    PromoRedemption.objects.create(
        promo=promo, order=order, contact_id=order.contact_id, at=order.order_date
    )


def order_placed(order: Order, lines: list[OrderLine]) -> None:
    if order.status in COUNTED:
        _redeem(order, [line.product_id for line in lines if line.product_id])


def order_status_changed(order: Order, previous: str) -> None:
    """Give the use back when a counted order stops counting; take it again when it counts
    again (which the code may refuse by now: then so is the change)."""
    if previous in COUNTED and order.status not in COUNTED:
        redemption = PromoRedemption.objects.filter(order=order).first()
        if redemption is not None:
            PromoCode.objects.filter(pk=redemption.promo_id, used__gt=0).update(used=F("used") - 1)
            redemption.delete()
    elif previous not in COUNTED and order.status in COUNTED:
        products = list(
            OrderLine.objects.filter(order=order, product__isnull=False).values_list(
                "product_id", flat=True
            )
        )
        _redeem(order, products)
