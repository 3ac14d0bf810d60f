"""Linking a deal to the order that records its sale, when the order was entered on its own
(a phone booking before the deal was won): winning the deal then records no second order.
Both changes are on the customer's timeline."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from rapport.core import visibility
from rapport.core.errors import Conflict
from rapport.sales import timeline_kinds as kinds
from rapport.sales.models import Deal, Order
from rapport.timeline import services as timeline
from rapport.timeline.models import Channel, Direction


def _locked(actor: Any, deal: Deal, order: Order) -> tuple[Deal, Order]:
    locked_deal = Deal.objects.select_for_update().get(pk=deal.pk)
    locked_order = Order.objects.select_for_update().select_related("contact").get(pk=order.pk)
    if not visibility.can(actor, "change", locked_deal) or not visibility.can(
        actor, "change", locked_order.contact
    ):
        raise PermissionError(_("You cannot change this deal's orders."))
    return locked_deal, locked_order


def _record(actor: Any, deal: Deal, order: Order, kind: str) -> None:
    timeline.record(
        contact=order.contact_id,
        channel=Channel.NOTE,
        direction=Direction.INTERNAL,
        actor=actor,
        kind=kind,
        params={**kinds.deal_params(deal), "order": order.pk},
        source=deal,
    )


@transaction.atomic
def deal_link_order(*, actor: Any, deal: Deal, order: Order) -> Order:
    """Make `order` the deal's order. Refused (Conflict) when the order is another
    customer's, already another deal's, or the deal already has an order."""
    deal, order = _locked(actor, deal, order)
    if order.deal_id == deal.pk:
        return order
    if order.contact_id != deal.contact_id:
        raise Conflict(_("This order belongs to another customer."), field="order")
    if order.deal_id is not None:
        raise Conflict(
            _("This order is already linked to deal #%(deal)s.") % {"deal": order.deal_id},
            field="order",
        )
    current = Order.objects.filter(deal=deal).values_list("pk", flat=True).first()
    if current is not None:
        raise Conflict(
            _("This deal already has order #%(order)s; detach it first.") % {"order": current},
            field="order",
        )
    order.deal = deal
    order.save(update_fields=["deal", "updated_at"])
    _record(actor, deal, order, kinds.DEAL_ORDER_LINKED)
    return order


@transaction.atomic
def deal_unlink_order(*, actor: Any, deal: Deal, order: Order) -> Order:
    """Detach the deal's order from it (the order itself stays)."""
    deal, order = _locked(actor, deal, order)
    if order.deal_id != deal.pk:
        raise ValidationError({"order": [_("This order is not linked to this deal.")]})
    order.deal = None
    order.save(update_fields=["deal", "updated_at"])
    _record(actor, deal, order, kinds.DEAL_ORDER_UNLINKED)
    return order
