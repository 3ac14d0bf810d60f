"""A contact's journey: their touchpoints up to and including their first order, only those
the viewer may see."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass
class JourneyStep:
    at: dt.datetime
    kind: str  # "lead", "interaction" or "order"
    label: str
    channel: str = ""
    source: str = ""
    campaign: str = ""
    # the first order's, for pages to show the amount in the reader's number format (the
    # label, which the API gives, writes it the machine way: "#12: 1420.00 EUR")
    order: int | None = None
    amount: Decimal | None = None
    currency: str = ""


def customer_journey(user: Any, contact: Any, *, limit: int = 200) -> list[JourneyStep]:
    """A contact's touchpoints in time order, up to and including their first order — only
    those `user` may see (a lead of the contact may belong to another team)."""
    from rapport.sales.selectors import leads_for, orders_for
    from rapport.timeline.selectors import interactions_for

    first_order = (
        orders_for(user)
        .filter(contact=contact, status__in=["booked", "paid"])
        .order_by("order_date")
        .first()
    )
    until = first_order.order_date if first_order else None
    steps: list[JourneyStep] = []
    leads = leads_for(user).filter(contact=contact).select_related("source").order_by("created_at")
    # Touchpoints only: the deal's own bookkeeping and lifecycle changes are not steps the
    # customer took.
    interactions = (
        interactions_for(user)
        .filter(contact=contact)
        .exclude(channel="order")
        .exclude(kind__startswith="deal.")
        .exclude(kind="contact.lifecycle_changed")
    )
    if until is not None:
        leads = leads.filter(created_at__lte=until)
        interactions = interactions.filter(occurred_at__lte=until)
    for lead in leads[:limit]:
        steps.append(
            JourneyStep(
                at=lead.created_at,
                kind="lead",
                label=lead.message[:120] or lead.form_slug,
                channel=lead.source.get_kind_display() if lead.source else "",
                source=lead.source.name if lead.source else "",
                campaign=lead.utm_campaign,
            )
        )
    for item in interactions.order_by("occurred_at")[:limit]:
        steps.append(
            JourneyStep(
                at=item.occurred_at,
                kind="interaction",
                label=item.text,
                channel=item.get_channel_display(),
            )
        )
    if first_order is not None:
        steps.append(
            JourneyStep(
                at=first_order.order_date,
                kind="order",
                label=f"#{first_order.pk}: {first_order.total} {first_order.currency}",
                order=first_order.pk,
                amount=first_order.total,
                currency=first_order.currency,
            )
        )
    return sorted(steps, key=lambda s: (s.at, ["lead", "interaction", "order"].index(s.kind)))
