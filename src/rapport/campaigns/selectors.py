"""Reads for the campaign pages: campaigns and their outbox rows as the viewer may see them,
and what the outbox holds per campaign counted in one grouped query."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet

from rapport.campaigns.models import Campaign, Message, MessageStatus
from rapport.contacts.selectors import contacts_for
from rapport.core import visibility

# the statuses that mean a message went out (as the report counts them)
WENT_OUT = (MessageStatus.SENT, MessageStatus.DELIVERED)


def campaigns_for(user: Any, action: visibility.Action = "view") -> QuerySet[Campaign]:
    """The campaigns `user` may act on (the role rule's "campaigns" kind)."""
    return visibility.scope(Campaign.objects.all(), user, action)


def outbox_counts(campaign_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{campaign id: {status: messages}} for these campaigns, in one grouped query, with
    `went_out` (sent or delivered) summed for the list."""
    rows = (
        Message.objects.filter(campaign_id__in=list(campaign_ids))
        .order_by()
        .values_list("campaign_id", "status")
        .annotate(n=Count("pk"))
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for campaign_id, status, n in rows:
        counts[campaign_id][status] += n
        if status in WENT_OUT:
            counts[campaign_id]["went_out"] += n
    return {key: dict(value) for key, value in counts.items()}


def messages_of(user: Any, campaign: Campaign, status: str = "") -> QuerySet[Message]:
    """The campaign's outbox rows `user` may see, each with `contact_visible`: whether the
    viewer may open the contact (a campaign's rows name people outside their own reach)."""
    messages = visibility.scope(Message.objects.filter(campaign=campaign), user)
    if status:
        messages = messages.filter(status=status)
    visible = contacts_for(user).filter(pk=OuterRef("contact_id"))
    return messages.select_related("contact").annotate(contact_visible=Exists(visible))
