"""Reads of leads, deals and orders, scoped to what the viewer may see."""

from typing import Any

from django.db.models import Case, F, QuerySet, Value, When

from rapport.core import visibility
from rapport.sales.models import Deal, Lead, Order


def leads_for(user: Any, action: visibility.Action = "view") -> QuerySet[Lead]:
    """Leads by owner like contacts; unassigned leads are every sales manager's to pick up
    (the rule's "team_or_unowned" reach)."""
    return visibility.scope(Lead.objects.all(), user, action)


def with_shown_contact(leads: QuerySet[Lead], user: Any) -> QuerySet[Lead]:
    """Annotate `shown_contact_id`: the lead's customer when `user` may see them, else None
    (a lead may be matched to another team's customer; its export must not name them)."""
    visible = visibility.condition(user, "contacts", owner_field="contact__owner")
    if visible is None:
        return leads.annotate(shown_contact_id=F("contact_id"))
    return leads.annotate(
        shown_contact_id=Case(When(visible, then=F("contact_id")), default=Value(None))
    )


def deals_for(user: Any, action: visibility.Action = "view") -> QuerySet[Deal]:
    return visibility.scope(Deal.objects.all(), user, action)


def orders_for(user: Any, action: visibility.Action = "view") -> QuerySet[Order]:
    """Orders follow their customer's visibility."""
    return visibility.scope(Order.objects.all(), user, action, owner_field="contact__owner")
