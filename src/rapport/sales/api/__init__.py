"""The sales REST API, one module per sub-domain; rapport.api.main mounts these routers."""

from rapport.sales.api import deal_orders  # noqa: F401  (adds deals/{id}/orders routes)
from rapport.sales.api.deals import deals_router, lost_reasons_router, pipelines_router
from rapport.sales.api.leads import router as leads_router
from rapport.sales.api.orders import router as orders_router
from rapport.sales.api.sources import calls_router
from rapport.sales.api.sources import router as sources_router

__all__ = [
    "calls_router",
    "deals_router",
    "leads_router",
    "lost_reasons_router",
    "orders_router",
    "pipelines_router",
    "sources_router",
]
