"""The two routers analytics mounts: /analytics/… and /customers/{id}/…"""

from ninja import Router

router = Router(tags=["analytics"])
customers_router = Router(tags=["customers"])
