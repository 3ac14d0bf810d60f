"""Who referred whom: the checks every way of setting `Contact.referred_by` goes through (the
contact form and API through `clean_contact_data`, the import, merging).

A referral never points at the contact itself and never closes a circle (A referred B
referred A): the chain of referrers above any contact ends. `cycle_members` checks a whole
set of links at once (the import); `closes_circle` one link against the database."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from rapport.contacts.models import Contact
from rapport.core import visibility

# A chain of referrers longer than this is taken as broken data rather than walked on.
MAX_CHAIN = 10_000


def closes_circle(contact_id: int, referrer_id: int) -> bool:
    """Whether making `referrer_id` the referrer of `contact_id` closes a circle: the
    referrer is the contact, or the contact is among the referrer's own referrers. Walks up
    the chain one row at a time (chains are a handful long)."""
    seen: set[int] = set()
    current: int | None = referrer_id
    while current is not None and current not in seen and len(seen) < MAX_CHAIN:
        if current == contact_id:
            return True
        seen.add(current)
        current = Contact.objects.filter(pk=current).values_list("referred_by_id", flat=True)[0]
    return False


def cycle_members(links: Mapping[int, int | None]) -> set[int]:
    """The contacts on a circle of `links` (contact id → referrer id, None or absent: none).
    Each contact has at most one referrer, so following the links from any contact either
    ends or enters exactly one circle; every node is visited once (O(n))."""
    state: dict[int, int] = {}  # 1: on the path being followed, 2: done
    on_cycle: set[int] = set()
    for start in links:
        path: list[int] = []
        node: int | None = start
        while node is not None and node not in state:
            state[node] = 1
            path.append(node)
            node = links.get(node)
        if node is not None and state.get(node) == 1:  # came back to this very path
            on_cycle.update(path[path.index(node) :])
        for visited in path:
            state[visited] = 2
    return on_cycle


def clean_referrer(value: Any, *, actor: Any, current: Contact | None) -> Contact | None:
    """The referrer an input names (an id): a contact the actor may see, not the contact
    itself, not one of its own referrals down the chain. None clears it."""
    if value in (None, ""):
        return None
    try:
        referrer_id = int(value)
    except (TypeError, ValueError):
        referrer_id = 0
    referrer = (
        visibility.scope(Contact.objects.all(), actor).filter(pk=referrer_id).first()
        if referrer_id > 0
        else None
    )
    if referrer is None:
        raise ValidationError(_("Choose the person who referred them from your contacts."))
    if current is not None and referrer.pk == current.pk:
        raise ValidationError(_("A contact cannot refer themselves."))
    if current is not None and closes_circle(current.pk, referrer.pk):
        raise ValidationError(
            _(
                "%(name)s was referred, directly or through others, by this contact: a "
                "referral cannot go round in a circle."
            )
            % {"name": referrer.full_name}
        )
    return referrer
