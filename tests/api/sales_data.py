"""Sales records for API tests, made through the services (history rows, timeline, audit)."""

from decimal import Decimal
from typing import Any

from rapport.accounts.models import User
from rapport.catalog.models import Category, Product
from rapport.contacts.models import Contact
from rapport.sales import services
from rapport.sales.models import Deal, Lead, LeadSource, LostReason, Order, Pipeline
from tests.factories import make_pipeline

__all__ = [
    "make_deal",
    "make_lead",
    "make_order",
    "make_pipeline",
    "make_product",
    "make_source",
]


def make_source(name: str = "Website", kind: str = "website") -> LeadSource:
    return LeadSource.objects.create(name=name, kind=kind)


def make_product(name: str = "Crete, 7 nights", **fields: Any) -> Product:
    fields.setdefault("price", Decimal("899.00"))
    fields.setdefault("currency", "EUR")
    fields.setdefault("kind", "tour")
    if "category" in fields and isinstance(fields["category"], str):
        fields["category"], _created = Category.objects.get_or_create(name=fields["category"])
    return Product.objects.create(name=name, **fields)


def make_lead(owner: User | None, *, source: LeadSource | None = None, **data: Any) -> Lead:
    """A new lead captured from the web, then handed to `owner` (None: unassigned)."""
    data.setdefault("email", "ieva@example.lt")
    lead = services.lead_capture(data=data, source=source).lead
    Lead.objects.filter(pk=lead.pk).update(owner=owner)
    lead.refresh_from_db()
    return lead


def make_deal(owner: User, contact: Contact, *, pipeline: Pipeline | None = None, **data: Any):
    data.setdefault("title", "Crete in May")
    data["contact"] = contact.pk
    if pipeline is not None:
        data["pipeline"] = pipeline.pk
    return services.deal_create(actor=owner, data=data)


def make_order(actor: User, contact: Contact, total: str = "1200.00", **kwargs: Any) -> Order:
    return services.order_create(
        actor=actor, contact=contact, currency="EUR", total=total, **kwargs
    )


def make_lost_reason(name: str = "Too expensive") -> LostReason:
    return LostReason.objects.create(name=name)


def deal_in_stage(deal: Deal, stage_name: str) -> None:
    stage = deal.pipeline.stages.get(name=stage_name)
    Deal.objects.filter(pk=deal.pk).update(stage=stage)
