"""Reads of leads, deals and orders, scoped to what the viewer may see."""

from typing import Any

from django.db.models import Case, F, Q, QuerySet, Value, When

from rapport.contacts.search import search
from rapport.contacts.selectors import contacts_for
from rapport.core import visibility
from rapport.sales.models import Deal, Lead, Order
from rapport.sales.search import search_leads


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


# Search: one function per kind, each scoping before it searches (a global search box calls
# `find_*` with the viewer, what was typed and how many it shows).


def deals_matching(deals: QuerySet[Deal], user: Any, q: str) -> QuerySet[Deal]:
    """`deals` whose title holds `q` or whose customer (one `user` may see) matches it."""
    customers = search(contacts_for(user), q).values("pk")
    return deals.filter(Q(title__icontains=q) | Q(contact__in=customers))


def orders_matching(orders: QuerySet[Order], user: Any, q: str) -> QuerySet[Order]:
    """`orders` numbered `q` ("#620" or "620") or whose customer (one `user` may see)
    matches it."""
    digits = q.lstrip("#")
    # An order number fits a 64-bit id; longer digit strings are searched as phone numbers.
    number = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 19 else None
    if q.startswith("#") and number is not None:
        return orders.filter(pk=number)
    match = Q(contact__in=search(contacts_for(user), q).values("pk"))
    if number is not None:
        match |= Q(pk=number)
    return orders.filter(match)


def find_leads(user: Any, q: str, limit: int) -> list[Lead]:
    """The newest `limit` leads `user` may see that match `q`."""
    return list(search_leads(leads_for(user), q).order_by("-created_at", "-id")[:limit])


def find_deals(user: Any, q: str, limit: int) -> list[Deal]:
    """The newest `limit` deals `user` may see that match `q` (title or customer)."""
    found = deals_matching(deals_for(user), user, q) if q.strip() else Deal.objects.none()
    return list(found.select_related("contact").order_by("-created_at", "-id")[:limit])


def find_orders(user: Any, q: str, limit: int) -> list[Order]:
    """The latest `limit` orders `user` may see that match `q` (number or customer)."""
    found = orders_matching(orders_for(user), user, q) if q.strip() else Order.objects.none()
    return list(found.select_related("contact").order_by("-order_date", "-id")[:limit])
