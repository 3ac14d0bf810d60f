"""REST endpoints of analytics: the acquisition report, the funnel and a customer's journey
(`acquisition`), the customer-analytics reports (`customers`), a customer's metrics
(`metrics`) and the referrers (`referrals`)."""

from rapport.analytics.api import acquisition, customers, metrics, referrals
from rapport.analytics.api.routers import customers_router, router

__all__ = ["acquisition", "customers", "customers_router", "metrics", "referrals", "router"]
