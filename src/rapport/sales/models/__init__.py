"""Sales models, split by sub-domain; import them from here."""

from rapport.sales.models.leads import (
    ATTRIBUTION_FIELDS,
    OPEN_LEAD_STATUSES,
    AssignmentRule,
    Lead,
    LeadStatus,
    LeadStatusChange,
    WebForm,
)
from rapport.sales.models.orders import Order, OrderChannel, OrderLine, OrderStatus
from rapport.sales.models.pipeline import (
    BuiltinStage,
    Deal,
    DealProduct,
    DealStageChange,
    LostReason,
    Pipeline,
    Stage,
)
from rapport.sales.models.sources import LeadSource, SourceSpend, TrackingNumber

__all__ = [
    "ATTRIBUTION_FIELDS",
    "OPEN_LEAD_STATUSES",
    "AssignmentRule",
    "BuiltinStage",
    "Deal",
    "DealProduct",
    "DealStageChange",
    "Lead",
    "LeadSource",
    "LeadStatus",
    "LeadStatusChange",
    "LostReason",
    "Order",
    "OrderChannel",
    "OrderLine",
    "OrderStatus",
    "Pipeline",
    "SourceSpend",
    "Stage",
    "TrackingNumber",
    "WebForm",
]
