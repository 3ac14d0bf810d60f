"""The timeline events the sales app writes, and how each is worded when shown.

Params hold ids, codes and amounts (as strings, with their currency); names that people
chose (a deal's title, a stage's or lost reason's name) are kept as they were at the time, so
the timeline tells what happened even after a stage is renamed or a deal deleted.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rapport.contacts.normalize import format_phone
from rapport.sales.models import Deal, Order, OrderStatus
from rapport.timeline.models import Direction
from rapport.timeline.rendering import Rendered, choice_label, money, register

ORDER_PLACED = "order.placed"
ORDER_STATUS_CHANGED = "order.status_changed"
LEAD_ENQUIRY = "lead.enquiry"
LEAD_CONVERTED = "lead.converted"
CALL_LOGGED = "call.logged"
DEAL_CREATED = "deal.created"
DEAL_STAGE_CHANGED = "deal.stage_changed"
DEAL_WON = "deal.won"
DEAL_LOST = "deal.lost"
DEAL_ORDER_LINKED = "deal.order_linked"
DEAL_ORDER_UNLINKED = "deal.order_unlinked"


def deal_params(deal: Deal) -> dict[str, Any]:
    return {"deal": deal.pk, "title": deal.title}


def order_placed_params(order: Order) -> dict[str, Any]:
    return {"order": order.pk, "total": str(order.total), "currency": order.currency}


@register(ORDER_PLACED)
def _order_placed(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Order #%(id)s: %(total)s") % {
        "id": params["order"],
        "total": money(params),
    }


@register(ORDER_STATUS_CHANGED)
def _order_status_changed(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Order #%(id)s: %(old)s → %(new)s") % {
        "id": params["order"],
        "old": choice_label(OrderStatus, params["old"]),
        "new": choice_label(OrderStatus, params["new"]),
    }


@register(LEAD_ENQUIRY)
def _lead_enquiry(params: Mapping[str, Any], item: Rendered) -> str:
    # The message is the customer's own words: shown as written.
    return pgettext("timeline", "Enquiry: %(text)s") % {
        "text": params.get("message") or params.get("form") or _("no message")
    }


@register(LEAD_CONVERTED)
def _lead_converted(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Lead converted; deal “%(title)s” opened") % {
        "title": params["title"]
    }


@register(CALL_LOGGED)
def _call_logged(params: Mapping[str, Any], item: Rendered) -> str:
    minutes, seconds = divmod(int(item.duration_seconds or 0), 60)
    values = {"number": format_phone(params["number"]), "m": minutes, "s": seconds}
    if item.direction == Direction.INBOUND:
        return pgettext("timeline", "Inbound call from %(number)s (%(m)d:%(s)02d)") % values
    return pgettext("timeline", "Outbound call to %(number)s (%(m)d:%(s)02d)") % values


@register(DEAL_CREATED)
def _deal_created(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Deal “%(title)s” opened in %(stage)s, %(amount)s") % {
        "title": params["title"],
        "stage": params["stage_name"],
        "amount": money(params, "amount"),
    }


@register(DEAL_STAGE_CHANGED)
def _deal_stage_changed(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Deal “%(title)s”: %(old)s → %(new)s") % {
        "title": params["title"],
        "old": params["from_stage_name"],
        "new": params["to_stage_name"],
    }


@register(DEAL_WON)
def _deal_won(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Deal “%(title)s” won, %(amount)s") % {
        "title": params["title"],
        "amount": money(params, "amount"),
    }


@register(DEAL_LOST)
def _deal_lost(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Deal “%(title)s” lost: %(reason)s") % {
        "title": params["title"],
        "reason": params["reason_name"],
    }


@register(DEAL_ORDER_LINKED)
def _deal_order_linked(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Order #%(order)s linked to deal “%(title)s”") % {
        "order": params["order"],
        "title": params["title"],
    }


@register(DEAL_ORDER_UNLINKED)
def _deal_order_unlinked(params: Mapping[str, Any], item: Rendered) -> str:
    return pgettext("timeline", "Order #%(order)s detached from deal “%(title)s”") % {
        "order": params["order"],
        "title": params["title"],
    }
