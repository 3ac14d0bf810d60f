"""Reads of leads, deals and orders, scoped to what the viewer may see."""

from typing import Any

from django.db.models import QuerySet

from rapport.core import visibility
from rapport.sales.models import Deal, Lead, Order


def leads_for(user: Any, action: visibility.Action = "view") -> QuerySet[Lead]:
    """Leads by owner like contacts; unassigned leads are every sales manager's to pick up
    (the rule's "team_or_unowned" reach)."""
    return visibility.scope(Lead.objects.all(), user, action)


def deals_for(user: Any, action: visibility.Action = "view") -> QuerySet[Deal]:
    return visibility.scope(Deal.objects.all(), user, action)


def orders_for(user: Any, action: visibility.Action = "view") -> QuerySet[Order]:
    """Orders follow their customer's visibility."""
    return visibility.scope(Order.objects.all(), user, action, owner_field="contact__owner")
