"""Shared set-up for the sales pages' tests: a source, a pipeline, a lost reason, a lead,
a deal and a product, all made through the services."""

import pytest

from rapport.catalog import services as catalog
from rapport.sales import services
from rapport.sales.models import LeadSource, LostReason, Stage
from tests.factories import make_pipeline


@pytest.fixture
def source(db):
    return LeadSource.objects.create(name="Website", kind=LeadSource.Kind.WEBSITE)


@pytest.fixture
def pipeline(db):
    return make_pipeline()


@pytest.fixture
def stages(pipeline):
    return {s.name: s for s in Stage.objects.filter(pipeline=pipeline)}


@pytest.fixture
def lost_reason(db):
    return LostReason.objects.create(name="Too expensive")


@pytest.fixture
def lead(users, source):
    """An unassigned web lead (every sales manager may pick it up)."""
    return services.lead_capture(
        data={
            "first_name": "Taras",
            "last_name": "Shevchuk",
            "email": "taras@example.com",
            "phone": "+380671112233",
            "message": "Two weeks in Crete",
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": "summer-crete",
            "referrer": "https://www.google.com/",
            "landing_page": "https://agency.example/crete?utm_campaign=summer-crete",
            "gclid": "abc123",
        },
        source=source,
        form_slug="contact-us",
    ).lead


@pytest.fixture
def owned_lead(users, source):
    """A lead owned by `manager` (team North)."""
    return services.lead_capture(
        actor=users["manager"],
        data={"first_name": "Iryna", "email": "iryna@example.com"},
        source=source,
    ).lead


@pytest.fixture
def deal(users, olena, pipeline):
    """An open deal of `manager` for Olena, worth 1500 EUR."""
    return services.deal_create(
        actor=users["manager"],
        data={"title": "Crete for two", "contact": olena.pk, "amount": "1500", "currency": "EUR"},
    )


@pytest.fixture
def product(users):
    return catalog.product_create(
        actor=users["admin"],
        data={
            "kind": "tour",
            "name": "Crete, 7 nights",
            "destination": "Crete",
            "departure_date": "2026-07-01",
            "return_date": "2026-07-08",
            "hotel_category": 4,
            "price": "700",
            "currency": "EUR",
        },
    )
