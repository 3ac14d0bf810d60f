"""REST endpoints for orders (bookings, purchases): list, record, read, change status.

An order is seen by whoever may see its customer, and recorded or changed by whoever may
change that customer.
"""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from rapport.contacts.selectors import contacts_for
from rapport.core.api.lists import page_of
from rapport.core.api.schemas import ErrorOut, Id, InputSchema, ListParams, Money, Page, Timestamp
from rapport.core.money import Money as MoneyValue
from rapport.sales import selectors, services
from rapport.sales.api.common import WRITE_ERRORS, money_in, money_json, user_of
from rapport.sales.filters import ORDER_FILTERS
from rapport.sales.models import Order

router = Router(tags=["orders"])

OrderStatusValue = Literal["booked", "paid", "cancelled", "refunded"]
OrderChannelValue = Literal["office", "phone", "website", "messenger", "email", "partner"]
ORDER_ORDERINGS: dict[str, list[str]] = {
    "-date": ["-order_date", "-id"],
    "date": ["order_date", "id"],
}
OrderSort = Literal["-date", "date"]


class OrderLineOut(Schema):
    id: int
    product: int | None
    description: str
    quantity: int
    unit_price: Money
    discount: Money
    line_total: Money


class OrderOut(Schema):
    id: int
    contact: int
    deal: int | None
    order_date: dt.datetime
    channel: str
    status: str
    total: Money
    promo_code: str
    external_id: str | None
    lines: list[OrderLineOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class OrderPage(Page):
    items: list[OrderOut]


class OrderLineIn(InputSchema):
    product: Id | None = Field(None, description="A catalog product (or give a description).")
    description: str | None = None
    quantity: int = Field(1, ge=1, le=10000)
    unit_price: Money | None = Field(None, description="Default: the product's price.")
    discount: Money | None = Field(None, description="Off the line, not per unit.")


class OrderIn(InputSchema):
    """An order with lines (the total is their sum) or with a total only."""

    contact: Id
    currency: str = Field(..., pattern=r"^[A-Z]{3}$", examples=["EUR"])
    lines: list[OrderLineIn] = Field([], max_length=500)
    total: Money | None = Field(None, description="Required without lines; checked with them.")
    order_date: Timestamp | None = Field(None, description="Default: now.")
    channel: OrderChannelValue = "office"
    status: OrderStatusValue = "booked"
    promo_code: str = ""
    external_id: str | None = Field(None, description="The order's id in another system.")


class OrderStatusIn(InputSchema):
    status: OrderStatusValue


# The list's filters are the web list's and the export's (sales/filters.py).
@ORDER_FILTERS.query_params
class OrderListParams(ListParams):
    sort: OrderSort = "-date"


def orders_queryset(queryset: QuerySet[Order] | None = None) -> QuerySet[Order]:
    base = queryset if queryset is not None else Order.objects.all()
    return base.prefetch_related("lines")


def order_json(order: Order) -> dict[str, Any]:
    currency = order.currency
    return {
        "id": order.pk,
        "contact": order.contact_id,
        "deal": order.deal_id,
        "order_date": order.order_date,
        "channel": order.channel,
        "status": order.status,
        "total": money_json(order.total, currency),
        "promo_code": order.promo_code,
        "external_id": order.external_id,
        "lines": [
            {
                "id": line.pk,
                "product": line.product_id,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": money_json(line.unit_price, currency),
                "discount": money_json(line.discount, currency),
                "line_total": money_json(line.line_total, currency),
            }
            for line in sorted(order.lines.all(), key=lambda line: line.pk)
        ],
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


def _order_or_404(request: HttpRequest, order_id: int) -> Order:
    return get_object_or_404(orders_queryset(selectors.orders_for(user_of(request))), pk=order_id)


def _in_currency(value: Money | None, currency: str, field: str) -> str | None:
    if value is None:
        return None
    money = money_in(value, field)
    if money.currency != currency:
        raise ValidationError({f"{field}.currency": [_("Use the order's currency.")]})
    return str(money.amount)


@router.get("", response=OrderPage, exclude_unset=True, url_name="order_list")
def order_list(request: HttpRequest, filters: Query[OrderListParams]) -> dict[str, Any]:
    """Orders of customers the caller may see, newest first, with their lines."""
    user = user_of(request)
    orders = ORDER_FILTERS.filter(
        selectors.orders_for(user), ORDER_FILTERS.strict(request.GET), user
    )
    return page_of(
        orders_queryset(orders),
        ordering=ORDER_ORDERINGS[filters.sort],
        params=filters,
        serialize=order_json,
    )


@router.post("", response={201: OrderOut, **WRITE_ERRORS}, url_name="order_create")
def order_create(request: HttpRequest, payload: OrderIn) -> Status[dict[str, Any]]:
    """Record an order for a customer you can see; it goes on their timeline."""
    user = user_of(request)
    contact = contacts_for(user).filter(pk=payload.contact).first()
    if contact is None:
        raise ValidationError({"contact": [_("No such contact.")]})
    currency = payload.currency
    try:
        MoneyValue.parse(0, currency)
    except ValidationError as exc:
        raise ValidationError({"currency": exc.messages}) from exc
    lines = [
        {
            "product": line.product,
            "description": line.description or "",
            "quantity": line.quantity,
            "unit_price": _in_currency(line.unit_price, currency, f"lines[{i}].unit_price"),
            "discount": _in_currency(line.discount, currency, f"lines[{i}].discount"),
        }
        for i, line in enumerate(payload.lines)
    ]
    order = services.order_create(
        actor=user,
        contact=contact,
        currency=currency,
        lines=lines or None,
        total=_in_currency(payload.total, currency, "total"),
        order_date=payload.order_date,
        channel=payload.channel,
        status=payload.status,
        promo_code=payload.promo_code,
        external_id=payload.external_id,
    )
    return Status(201, order_json(orders_queryset().get(pk=order.pk)))


@router.get("/{int:order_id}", response={200: OrderOut, 404: ErrorOut}, url_name="order_detail")
def order_detail(request: HttpRequest, order_id: Id) -> dict[str, Any]:
    return order_json(_order_or_404(request, order_id))


@router.delete(
    "/{int:order_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    url_name="order_delete",
)
def order_delete(request: HttpRequest, order_id: Id) -> Status[None]:
    """Delete an order entered by mistake, with its lines; its timeline entries stay."""
    services.order_delete(actor=user_of(request), order=_order_or_404(request, order_id))
    return Status(204, None)


@router.post(
    "/{int:order_id}/status", response={200: OrderOut, **WRITE_ERRORS}, url_name="order_set_status"
)
def order_set_status(request: HttpRequest, order_id: Id, payload: OrderStatusIn) -> dict[str, Any]:
    """Mark an order paid, cancelled or refunded (or booked again)."""
    order = _order_or_404(request, order_id)
    services.order_set_status(actor=user_of(request), order=order, status=payload.status)
    return order_json(orders_queryset().get(pk=order.pk))
