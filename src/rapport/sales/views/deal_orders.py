"""A deal's page links an order already recorded for its customer to the deal, or detaches
it, so that winning the deal does not record the sale twice."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.core.http import Request, get_visible_or_404, int_or_none
from rapport.sales import services
from rapport.sales.models import Deal, Order
from rapport.sales.selectors import deals_for, orders_for

LINKABLE_SHOWN = 50


def linkable_orders(user: object, deal: Deal) -> QuerySet[Order]:
    """The deal's customer's orders the user may see that no deal claims yet, newest first."""
    return (
        orders_for(user)
        .filter(contact_id=deal.contact_id, deal__isnull=True)
        .order_by("-order_date", "-id")[:LINKABLE_SHOWN]
    )


@login_required
@require_POST
def deal_link_order(request: Request, pk: int) -> HttpResponse:
    deal = get_visible_or_404(deals_for(request.user), pk)
    order = orders_for(request.user).filter(pk=int_or_none(request.POST.get("order")) or 0).first()
    if order is None:
        messages.error(request, _("Choose one of the customer's orders."))
        return redirect("sales:deal_detail", pk=deal.pk)
    try:
        services.deal_link_order(actor=request.user, deal=deal, order=order)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Order #%(order)s linked to this deal.") % {"order": order.pk})
    return redirect("sales:deal_detail", pk=deal.pk)


@login_required
@require_POST
def deal_unlink_order(request: Request, pk: int, order_pk: int) -> HttpResponse:
    deal = get_visible_or_404(deals_for(request.user), pk)
    order = get_visible_or_404(orders_for(request.user).filter(deal=deal), order_pk)
    try:
        services.deal_unlink_order(actor=request.user, deal=deal, order=order)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, _("Order #%(order)s detached from this deal.") % {"order": order.pk})
    return redirect("sales:deal_detail", pk=deal.pk)
