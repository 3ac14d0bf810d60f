"""Recording orders: lines priced and totalled in Decimal, the customer's timeline updated."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.catalog.models import Product
from rapport.contacts.models import Contact, LifecycleStage
from rapport.contacts.services.lifecycle import contacts_set_lifecycle
from rapport.core import visibility
from rapport.core.errors import Conflict
from rapport.core.money import Money
from rapport.core.text import clean_text
from rapport.sales import timeline_kinds as kinds
from rapport.sales.models import Deal, Order, OrderChannel, OrderLine, OrderStatus
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction


def _clean_lines(raw_lines: Any, currency: str) -> tuple[list[OrderLine], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    lines: list[OrderLine] = []
    if not isinstance(raw_lines, list):
        return [], {"lines": [_("Give the order lines as a list.")]}
    products = {
        p.pk: p
        for p in Product.objects.filter(
            pk__in=[r.get("product") for r in raw_lines if isinstance(r, dict) and r.get("product")]
        )
    }
    for i, raw in enumerate(raw_lines):
        prefix = f"lines[{i}]"
        if not isinstance(raw, dict):
            errors[prefix] = [_("Each line needs a product or a description and a price.")]
            continue
        product = None
        if raw.get("product") not in (None, ""):
            try:
                product = products.get(int(raw["product"]))
            except (TypeError, ValueError):
                product = None
            if product is None:
                errors[f"{prefix}.product"] = [_("No such product.")]
                continue
            if product.currency != currency:
                errors[f"{prefix}.product"] = [
                    _("%(product)s is priced in %(cur)s, the order in %(order)s.")
                    % {"product": product.name, "cur": product.currency, "order": currency}
                ]
                continue
        try:
            description = clean_text(raw.get("description", ""), max_length=200)
        except ValidationError as exc:
            errors[f"{prefix}.description"] = list(exc.messages)
            continue
        if product is None and not description:
            errors[prefix] = [_("Each line needs a product or a description.")]
            continue
        try:
            quantity = int(raw.get("quantity", 1))
            if not 1 <= quantity <= 10000:
                raise ValueError
        except (TypeError, ValueError):
            errors[f"{prefix}.quantity"] = [_("Give a whole quantity from 1 to 10000.")]
            continue
        try:
            unit = raw.get("unit_price")
            unit_price = (
                Money.parse(unit, currency).amount
                if unit not in (None, "")
                else (product.price if product else None)
            )
            if unit_price is None:
                raise ValidationError(_("Give the unit price."))
            discount = Money.parse(raw.get("discount") or 0, currency).amount
        except ValidationError as exc:
            errors[f"{prefix}.unit_price"] = list(exc.messages)
            continue
        gross = unit_price * quantity
        if unit_price < 0 or discount < 0 or discount > gross:
            errors[f"{prefix}.discount"] = [
                _("Prices cannot be negative and the discount cannot exceed the line's price.")
            ]
            continue
        lines.append(
            OrderLine(
                product=product,
                description=description or (product.name if product else ""),
                quantity=quantity,
                unit_price=unit_price,
                discount=discount,
                line_total=gross - discount,
            )
        )
    return lines, errors


# What apps above sales do when an order is placed or changes status (campaigns redeems its
# promo code), called inside the order's transaction: raising a ValidationError keyed by a
# field refuses the order with that message. Registered from the app's ready().
OrderHook = Callable[[Order, list[OrderLine]], None]
StatusHook = Callable[[Order, str], None]
_placed_hooks: list[OrderHook] = []
_status_hooks: list[StatusHook] = []


def register_order_hooks(
    *, placed: OrderHook | None = None, status_changed: StatusHook | None = None
) -> None:
    """Let an app above sales act on orders (see OrderHook); registering twice is a no-op."""
    if placed is not None and placed not in _placed_hooks:
        _placed_hooks.append(placed)
    if status_changed is not None and status_changed not in _status_hooks:
        _status_hooks.append(status_changed)


@transaction.atomic
def order_create(
    *,
    actor: Any,
    contact: Contact,
    currency: str,
    lines: list[dict[str, Any]] | None = None,
    total: Any = None,
    order_date: dt.datetime | None = None,
    channel: str = OrderChannel.OFFICE,
    status: str = OrderStatus.BOOKED,
    promo_code: str = "",
    external_id: str | None = None,
    deal: Deal | None = None,
) -> Order:
    """Record an order; with lines the total is their sum, without lines `total` is required."""
    if actor is not None and not visibility.can(actor, "change", contact):
        raise PermissionError(_("You cannot record orders for this customer."))
    errors: dict[str, list[str]] = {}
    currency = (currency or "").strip().upper()
    try:
        Money.parse(0, currency)
    except ValidationError as exc:
        raise ValidationError({"currency": exc.messages}) from exc
    order_lines, line_errors = _clean_lines(lines or [], currency)
    errors.update(line_errors)
    amount = Decimal(0)
    if order_lines:
        amount = sum((line.line_total for line in order_lines), Decimal(0))
        if total not in (None, ""):
            try:
                given = Money.parse(total, currency).amount
                if given != amount:
                    errors["total"] = [
                        _("The total %(given)s differs from the sum of the lines %(sum)s.")
                        % {"given": given, "sum": amount}
                    ]
            except ValidationError as exc:
                errors["total"] = list(exc.messages)
    elif line_errors:
        pass  # the lines' own errors say what to fix
    elif total in (None, ""):
        errors["total"] = [_("Give the order's lines or its total.")]
    else:
        try:
            amount = Money.parse(total, currency).amount
            if amount < 0:
                errors["total"] = [_("A total cannot be negative.")]
        except ValidationError as exc:
            errors["total"] = list(exc.messages)
    if channel not in OrderChannel.values:
        errors["channel"] = [_("Choose from: %(c)s.") % {"c": ", ".join(OrderChannel.values)}]
    if status not in OrderStatus.values:
        errors["status"] = [_("Choose from: %(c)s.") % {"c": ", ".join(OrderStatus.values)}]
    if order_date is None:
        order_date = timezone.now()
    elif timezone.is_naive(order_date):
        errors["order_date"] = [_("Give the time with its UTC offset.")]
    try:
        promo_code = clean_text(promo_code, max_length=50)
        external_id = clean_text(external_id or "", max_length=100) or None
    except ValidationError as exc:
        errors["promo_code"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    order = Order(
        contact=contact,
        deal=deal,
        order_date=order_date,
        channel=channel,
        status=status,
        total=amount,
        currency=currency,
        promo_code=promo_code,
        external_id=external_id,
    )
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError as exc:
        raise Conflict(
            _("An order with this external id exists already."), field="external_id"
        ) from exc
    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    for hook in _placed_hooks:
        hook(order, order_lines)
    timeline.record(
        contact=contact,
        channel=Channel.ORDER,
        direction=Direction.INBOUND,
        occurred_at=order_date,
        actor=actor,
        kind=kinds.ORDER_PLACED,
        params=kinds.order_placed_params(order),
        body="\n".join(f"{line.quantity} × {line.description}" for line in order_lines),
        source=order,
    )
    if status != OrderStatus.CANCELLED:
        contacts_set_lifecycle(actor=actor, contact_ids=[contact.pk], stage=LifecycleStage.CUSTOMER)
    return order


@transaction.atomic
def order_set_status(*, actor: Any, order: Order, status: str) -> Order:
    if not visibility.can(actor, "change", order.contact):
        raise PermissionError(_("You cannot change this order."))
    if status not in OrderStatus.values:
        raise ValidationError(
            {"status": [_("Choose from: %(c)s.") % {"c": ", ".join(OrderStatus.values)}]}
        )
    if order.status == status:
        return order
    previous = order.status
    order.status = status
    order.save(update_fields=["status", "updated_at"])
    for hook in _status_hooks:
        hook(order, previous)
    timeline.record(
        contact=order.contact,
        channel=Channel.ORDER,
        direction=Direction.INTERNAL,
        actor=actor,
        kind=kinds.ORDER_STATUS_CHANGED,
        params={"order": order.pk, "old": previous, "new": status},
        source=order,
    )
    return order


@transaction.atomic
def order_delete(*, actor: Any, order: Order) -> None:
    """Delete an order entered by mistake, with its lines. Its entries on the customer's
    timeline stay: the timeline is history."""
    locked = Order.objects.select_for_update().filter(pk=order.pk).first()
    if locked is None or not visibility.can(actor, "delete", locked.contact):
        raise PermissionError(_("You cannot delete this order."))
    locked.delete()
