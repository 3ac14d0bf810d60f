"""Reads of contacts and companies, always scoped to what the viewer may see."""

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from rapport.contacts import search
from rapport.contacts.models import (
    Company,
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentStatus,
    Contact,
    ContactRelation,
    CustomField,
    MonthDay,
)
from rapport.contacts.yearly import month_day_ranges
from rapport.core import visibility
from rapport.core.visibility import Action

# Sort orders a list may use; each ends with a unique column so keyset pagination is exact.
CONTACT_ORDERINGS: dict[str, list[str]] = {
    "-created": ["-created_at", "-id"],
    "created": ["created_at", "id"],
    "name": ["last_name", "first_name", "id"],
    "-name": ["-last_name", "-first_name", "-id"],
}
DEFAULT_CONTACT_ORDERING = "-created"
# Orders an app above contacts adds (`register_ordering`): their labels for the page, and how
# each annotates the queryset with the non-null value it sorts on.
CONTACT_ORDERING_LABELS: dict[str, Any] = {}
CONTACT_ORDERING_ANNOTATIONS: dict[str, Callable[[QuerySet[Contact]], QuerySet[Contact]]] = {}


def register_ordering(
    key: str,
    ordering: list[str],
    *,
    label: Any,
    annotate: Callable[[QuerySet[Contact]], QuerySet[Contact]] | None = None,
) -> None:
    """Let the contact list, its API list and its export sort by a value an app above
    contacts keeps (analytics: lifetime value, churn risk), from that app's ready(), before
    the API's schema is built. `ordering` may start with a related field a contact may lack
    ("metrics__clv_365d": those contacts come last) and ends with the id like every other;
    `annotate` adds a column the ordering names, when it needs one."""
    CONTACT_ORDERINGS[key] = ordering
    CONTACT_ORDERING_LABELS[key] = label
    if annotate is not None:
        CONTACT_ORDERING_ANNOTATIONS[key] = annotate


def ordered(contacts: QuerySet[Contact], sort: str) -> tuple[QuerySet[Contact], list[str]]:
    """`contacts` ready to be sorted by `sort` (a key of CONTACT_ORDERINGS), and the order."""
    annotate = CONTACT_ORDERING_ANNOTATIONS.get(sort)
    return (annotate(contacts) if annotate else contacts), CONTACT_ORDERINGS[sort]


def contacts_for(user: Any, action: Action = "view") -> QuerySet[Contact]:
    return visibility.scope(Contact.objects.all(), user, action)


def companies_for(user: Any, action: Action = "view") -> QuerySet[Company]:
    return visibility.scope(Company.objects.all(), user, action)


def find_contacts(user: Any, q: str, limit: int) -> list[Contact]:
    """The newest `limit` contacts `user` may see that match `q` (names, e-mails, phones)."""
    if not q.strip():
        return []
    found = search.search(contacts_for(user), q)
    return list(found.order_by(*CONTACT_ORDERINGS[DEFAULT_CONTACT_ORDERING])[:limit])


def find_companies(user: Any, q: str, limit: int) -> list[Company]:
    """The first `limit` companies by name that `user` may see whose name starts with `q`."""
    q = q.replace("\x00", "").strip()[:200]
    if not q:
        return []
    return list(companies_for(user).filter(name__istartswith=q).order_by("name", "id")[:limit])


def birthdays_between(start: dt.date, days: int, column: str = "birth_date") -> Q:
    """The contacts whose birthday comes round on `start` or in the `days` days after it,
    across the new year; a 29 February birthday is kept on 28 February in a year without
    one (`contacts.yearly`). One or two ranges on the month-day key, so that on
    `birth_date` the query is a range scan of `contact_birthday_idx`; `column` names the
    date through a relation (`"contact__birth_date"`) or another yearly date."""
    key, born = MonthDay(column), Q(**{f"{column}__isnull": False})
    # The partial index's condition in each range: SQLite uses a partial index only for a
    # term that names it, and searches the index once per range of an OR only so.
    return reduce(
        operator.or_,
        (
            born & Q(GreaterThanOrEqual(key, low)) & Q(LessThanOrEqual(key, high))
            for low, high in month_day_ranges(start, days)
        ),
    )


def latest_consent_status(channel: str, purpose: str) -> Subquery:
    """The current consent status of OuterRef('pk') for a channel and purpose (or None)."""
    return Subquery(
        ConsentEvent.objects.filter(contact_id=OuterRef("pk"), channel=channel, purpose=purpose)
        # newest first; at the same instant 'withdrawn' sorts before 'granted' (withdrawal wins)
        .order_by("-at", "-status", "-id")
        .values("status")[:1]
    )


@dataclass
class ContactFilters:
    q: str = ""
    owner: int | None = None
    tag: str = ""
    lifecycle_stage: str = ""
    city: str = ""
    country: str = ""
    external_id: str = ""
    consent: str = ""  # "<channel>:<purpose>:granted|withdrawn|none"
    company: int | None = None
    custom: dict[str, str] = field(default_factory=dict)  # custom attribute key -> value

    def __post_init__(self) -> None:
        # Filters come straight from URLs; a NUL byte is never meaningful and PostgreSQL
        # refuses it in a query parameter, so it is dropped here for every caller.
        for name in ("q", "tag", "lifecycle_stage", "city", "country", "external_id", "consent"):
            setattr(self, name, str(getattr(self, name) or "").replace("\x00", "")[:200])
        self.custom = {
            k.replace("\x00", ""): str(v).replace("\x00", "")[:200] for k, v in self.custom.items()
        }


CUSTOM_PREFIX = "custom."


def custom_filters(params: Any) -> dict[str, str]:
    """`custom.<key>=value` query parameters (from the web list, the API or an export link)."""
    return {
        key[len(CUSTOM_PREFIX) :]: str(value)
        for key, value in params.items()
        if key.startswith(CUSTOM_PREFIX) and value not in (None, "")
    }


def filter_contacts(contacts: QuerySet[Contact], filters: ContactFilters) -> QuerySet[Contact]:
    if filters.q:
        contacts = search.search(contacts, filters.q)
    if filters.owner:
        contacts = contacts.filter(owner_id=filters.owner)
    if filters.tag:
        contacts = contacts.filter(tags__name=filters.tag)
    if filters.lifecycle_stage:
        contacts = contacts.filter(lifecycle_stage=filters.lifecycle_stage)
    if filters.city:
        contacts = contacts.filter(city=filters.city)
    if filters.country:
        contacts = contacts.filter(country=filters.country.upper())
    if filters.external_id:
        contacts = contacts.filter(external_id=filters.external_id)
    if filters.company:
        contacts = contacts.filter(company_id=filters.company)
    for key, value in filters.custom.items():
        definition = CustomField.objects.filter(entity=CustomField.Entity.CONTACT, key=key).first()
        if definition is None:
            return contacts.none()
        if definition.field_type == CustomField.FieldType.MULTI_CHOICE:
            # JSON containment is PostgreSQL-only; the array's JSON text holds '"value"' on both.
            contacts = contacts.filter(**{f"custom__{key}__icontains": f'"{value}"'})
        elif definition.field_type == CustomField.FieldType.BOOLEAN:
            contacts = contacts.filter(**{f"custom__{key}": value.lower() in {"1", "true", "yes"}})
        else:
            contacts = contacts.filter(**{f"custom__{key}": value})
    if filters.consent:
        channel, _, rest = filters.consent.partition(":")
        purpose, _, state = rest.partition(":")
        if channel in ConsentChannel.values and purpose in ConsentPurpose.values:
            status = latest_consent_status(channel, purpose)
            if state == "none":
                contacts = contacts.filter(
                    ~Exists(
                        ConsentEvent.objects.filter(
                            contact_id=OuterRef("pk"), channel=channel, purpose=purpose
                        )
                    )
                )
            elif state in ConsentStatus.values:
                contacts = contacts.alias(_consent=status).filter(_consent=state)
    return contacts


def consent_state(contact: Contact) -> dict[tuple[str, str], ConsentEvent | None]:
    """The current event for every channel × purpose (None where nothing was ever recorded)."""
    state: dict[tuple[str, str], ConsentEvent | None] = {
        (c, p): None for c in ConsentChannel.values for p in ConsentPurpose.values
    }
    # Newest first, withdrawal first at a tie: the first event seen per pair is the state.
    for event in contact.consent_events.order_by("-at", "-status", "-id"):
        key = (event.channel, event.purpose)
        if state.get(key) is None:
            state[key] = event
    return state


def has_consent(contact: Contact, channel: str, purpose: str) -> bool:
    event = consent_state(contact).get((channel, purpose))
    return event is not None and event.status == ConsentStatus.GRANTED


def contact_detail_queryset(user: Any) -> QuerySet[Contact]:
    return (
        contacts_for(user)
        .select_related("owner", "company")
        .prefetch_related(
            "emails",
            "phones",
            "tags",
            "life_events",
            Prefetch(
                "relations",
                queryset=ContactRelation.objects.select_related("related").order_by("kind", "id"),
            ),
        )
    )
