"""REST endpoints of analytics: the acquisition report, the funnel and a customer's journey
(`acquisition`), and the customer-analytics reports and metrics (`customers`)."""

from rapport.analytics.api import acquisition, customers, referrals
from rapport.analytics.api.routers import customers_router, router

__all__ = ["acquisition", "customers", "customers_router", "referrals", "router"]
