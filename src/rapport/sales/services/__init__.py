"""Every write use case for sales: leads, deals, orders."""

from rapport.sales.services.calls import CallResult, call_record
from rapport.sales.services.deal_orders import deal_link_order, deal_unlink_order
from rapport.sales.services.leads import (
    Conversion,
    LeadCapture,
    assign_owner,
    lead_capture,
    lead_convert,
    lead_delete,
    lead_set_status,
    lead_update,
)
from rapport.sales.services.orders import order_create, order_delete, order_set_status
from rapport.sales.services.pipeline import (
    deal_create,
    deal_delete,
    deal_move_stage,
    deal_update,
    default_pipeline,
)

__all__ = [
    "CallResult",
    "Conversion",
    "LeadCapture",
    "assign_owner",
    "call_record",
    "deal_create",
    "deal_delete",
    "deal_link_order",
    "deal_move_stage",
    "deal_unlink_order",
    "deal_update",
    "default_pipeline",
    "lead_capture",
    "lead_convert",
    "lead_delete",
    "lead_set_status",
    "lead_update",
    "order_create",
    "order_delete",
    "order_set_status",
]
