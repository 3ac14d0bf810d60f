import pytest

from rapport.contacts import services


@pytest.fixture
def olena(users):
    """A contact owned by `manager` (team North), with e-mail and a messy phone."""
    return services.contact_create(
        actor=users["manager"],
        data={
            "first_name": "Олена",
            "last_name": "Коваленко",
            "email": "olena@example.com",
            "phone": "(067) 123-45-67",
            "city": "Київ",
        },
    )


HTMX = {"HTTP_HX_REQUEST": "true"}


# The sales pages' fixtures (source, pipeline, stages, lost_reason, lead, owned_lead, deal,
# product) live in their own module; importing them here offers them to every test. `sold`
# (six customers of two teams, their orders and a refresh as of 2025-06-30) gives the
# analytics pages the figures the customer-analytics API tests check.
from tests.api.test_customer_analytics import sold  # noqa: E402, F401
from tests.web.sales_setup import (  # noqa: E402, F401
    deal,
    lead,
    lost_reason,
    owned_lead,
    pipeline,
    product,
    source,
    stages,
)
