"""`POST deals/{id}/orders` links an order already recorded for the deal's customer to the
deal; `DELETE deals/{id}/orders/{order_id}` detaches it. A deal has at most one order, and
winning a deal records one only when none is linked."""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field
from ninja.responses import Status

from rapport.core.api.schemas import ErrorOut, Id, InputSchema
from rapport.sales import selectors, services
from rapport.sales.api.common import WRITE_ERRORS, user_of
from rapport.sales.api.deals import DealDetailOut, _deal_or_404, _written, deals_router


class DealOrderIn(InputSchema):
    order: Id = Field(..., description="An order of the deal's customer, not linked to a deal.")


@deals_router.post(
    "/{int:deal_id}/orders",
    response={200: DealDetailOut, **WRITE_ERRORS},
    url_name="deal_link_order",
)
def deal_link_order(request: HttpRequest, deal_id: Id, payload: DealOrderIn) -> dict[str, Any]:
    """Link an existing order to the deal (its `order` in the answer). 409 when the order is
    another customer's or another deal's, or the deal already has an order; 422 when the
    order is not one you can see."""
    user = user_of(request)
    deal = _deal_or_404(request, deal_id)
    order = selectors.orders_for(user).filter(pk=payload.order).first()
    if order is None:
        raise ValidationError({"order": [_("No such order.")]})
    services.deal_link_order(actor=user, deal=deal, order=order)
    return _written(deal)


@deals_router.delete(
    "/{int:deal_id}/orders/{int:order_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    url_name="deal_unlink_order",
)
def deal_unlink_order(request: HttpRequest, deal_id: Id, order_id: Id) -> Status[None]:
    """Detach the deal's order from it; the order stays. 404 unless that order is linked to
    this deal."""
    user = user_of(request)
    deal = _deal_or_404(request, deal_id)
    order = get_object_or_404(selectors.orders_for(user).filter(deal=deal), pk=order_id)
    services.deal_unlink_order(actor=user, deal=deal, order=order)
    return Status(204, None)
