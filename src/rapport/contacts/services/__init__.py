"""Every write use case for contacts and companies. See each module for details."""

from rapport.contacts.services.companies import company_create, company_delete, company_update
from rapport.contacts.services.consents import consent_record
from rapport.contacts.services.contacts import contact_create, contact_delete, contact_update
from rapport.contacts.services.lifecycle import contacts_set_lifecycle
from rapport.contacts.services.merge import (
    contact_merge,
    duplicate_groups,
    find_duplicates,
    merge_check,
    mergeable,
)
from rapport.contacts.services.relations import (
    life_event_add,
    life_event_delete,
    relation_add,
    relation_remove,
)

__all__ = [
    "company_create",
    "company_delete",
    "company_update",
    "consent_record",
    "contact_create",
    "contact_delete",
    "contact_merge",
    "contact_update",
    "contacts_set_lifecycle",
    "duplicate_groups",
    "find_duplicates",
    "life_event_add",
    "life_event_delete",
    "merge_check",
    "mergeable",
    "relation_add",
    "relation_remove",
]
