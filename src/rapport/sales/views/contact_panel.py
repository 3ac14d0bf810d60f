"""The sales section of the 360° contact page: the contact's orders and deals."""

from typing import Any

from rapport.contacts.models import Contact
from rapport.core import visibility
from rapport.core.http import Request
from rapport.sales.selectors import deals_for, orders_for

ORDERS_SHOWN = 20
DEALS_SHOWN = 20


def sales_context(user: Any, contact: Contact) -> dict[str, Any]:
    """The contact's orders (with their lines), deals and journey up to the first order."""
    from django.db.models import Prefetch

    from rapport.sales.models import OrderLine

    orders = list(
        orders_for(user)
        .filter(contact=contact)
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
        .order_by("-order_date", "-id")[:ORDERS_SHOWN]
    )
    deals = list(
        deals_for(user)
        .filter(contact=contact)
        .select_related("stage")
        .order_by("-created_at", "-id")[:DEALS_SHOWN]
    )
    return {
        "orders": orders,
        "deals": deals,
        "can_sell": (
            visibility.can_create(user, "deals") and visibility.can(user, "change", contact)
        ),
    }


def sales_panel(request: Request, contact: Contact) -> dict[str, Any]:
    return sales_context(request.user, contact)
