"""Exporting contacts to CSV, XLSX and vCard 3.0.

Callers pass a queryset already scoped to the viewer (selectors.contacts_for) and the list's
filters; this module never widens what it is given.
"""

from collections.abc import Iterator
from typing import Any

import vobject
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from rapport.contacts.models import Contact, CustomField
from rapport.contacts.selectors import ContactFilters, filter_contacts
from rapport.core.export import Column, iter_csv, write_csv, write_xlsx

BATCH = 2000


def contact_columns() -> list[Column]:
    return [*_standard_columns(), *_custom_columns()]


def _custom_columns() -> list[Column]:
    """One column per custom attribute an admin defined (header: its key, as imports expect)."""

    def value(key: str) -> Any:
        def get(contact: Contact) -> Any:
            raw = contact.custom.get(key)
            return ", ".join(map(str, raw)) if isinstance(raw, list) else raw

        return get

    return [
        Column(f"custom.{field.key}", value(field.key))
        for field in CustomField.objects.filter(entity=CustomField.Entity.CONTACT)
    ]


def _standard_columns() -> list[Column]:
    return [
        Column("id", lambda c: c.pk),
        Column("external_id", lambda c: c.external_id or ""),
        Column(_("first name"), lambda c: c.first_name),
        Column(_("last name"), lambda c: c.last_name),
        Column(_("middle name"), lambda c: c.middle_name),
        Column(_("email"), lambda c: c.email),
        Column(_("phone"), lambda c: c.phone),
        Column(_("birth date"), lambda c: c.birth_date),
        Column(_("gender"), lambda c: c.get_gender_display()),
        Column(_("language"), lambda c: c.language),
        Column(_("city"), lambda c: c.city),
        Column(_("country"), lambda c: c.country),
        Column(_("lifecycle stage"), lambda c: c.get_lifecycle_stage_display()),
        Column(_("tags"), lambda c: sorted(t.name for t in c.tags.all())),
        Column(_("owner"), lambda c: str(c.owner)),
        Column(_("created"), lambda c: c.created_at),
    ]


def company_columns() -> list[Column]:
    """Columns for companies fetched with their owner (select_related("owner"))."""
    return [
        Column("id", lambda c: c.pk),
        Column("external_id", lambda c: c.external_id or ""),
        Column(pgettext("company", "name"), lambda c: c.name),
        Column(_("website"), lambda c: c.website),
        Column(_("email"), lambda c: c.email),
        Column(_("phone"), lambda c: c.phone),
        Column(_("industry"), lambda c: c.industry),
        Column(_("city"), lambda c: c.city),
        Column(_("country"), lambda c: c.country),
        Column(_("address"), lambda c: c.address),
        Column(_("owner"), lambda c: str(c.owner)),
        Column(_("created"), lambda c: c.created_at),
    ]


def export_rows(
    contacts: QuerySet[Contact], filters: ContactFilters | None = None
) -> Iterator[Contact]:
    """The filtered contacts in id order, fetched in batches with their owner and tags."""
    queryset = filter_contacts(contacts, filters or ContactFilters())
    queryset = queryset.select_related("owner").prefetch_related("tags").order_by("pk")
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        yield from batch
        last = batch[-1].pk


def contacts_csv(contacts: QuerySet[Contact], filters: ContactFilters | None = None) -> bytes:
    return write_csv(export_rows(contacts, filters), contact_columns())


def contacts_csv_stream(
    contacts: QuerySet[Contact], filters: ContactFilters | None = None
) -> Iterator[bytes]:
    return iter_csv(export_rows(contacts, filters), contact_columns())


def contacts_xlsx(contacts: QuerySet[Contact], filters: ContactFilters | None = None) -> bytes:
    return write_xlsx(export_rows(contacts, filters), contact_columns(), sheet_title=_("Contacts"))


def vcard(contact: Contact, emails: list[str], phones: list[str]) -> str:
    """One contact as a vCard 3.0 card."""
    card = vobject.vCard()
    card.add("n").value = vobject.vcard.Name(
        family=contact.last_name, given=contact.first_name, additional=contact.middle_name
    )
    card.add("fn").value = contact.full_name or contact.email or contact.phone
    for email in emails:
        entry = card.add("email")
        entry.value = email
        entry.type_param = "INTERNET"
    for phone in phones:
        entry = card.add("tel")
        entry.value = phone
        entry.type_param = "CELL"
    if contact.birth_date:
        card.add("bday").value = contact.birth_date.isoformat()
    if contact.city or contact.country:
        card.add("adr").value = vobject.vcard.Address(city=contact.city, country=contact.country)
    card.add("uid").value = f"rapport-contact-{contact.pk}"
    return card.serialize()


def iter_vcards(
    contacts: QuerySet[Contact], filters: ContactFilters | None = None
) -> Iterator[bytes]:
    """The filtered contacts as one .vcf stream, card after card."""
    queryset = filter_contacts(contacts, filters or ContactFilters()).prefetch_related(
        "emails", "phones"
    )
    last = 0
    while True:
        batch = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not batch:
            return
        for contact in batch:
            emails = [e.email for e in contact.emails.all()]
            phones = [p.number for p in contact.phones.all()]
            yield vcard(contact, emails, phones).encode("utf-8")
        last = batch[-1].pk


def contacts_vcf(contacts: QuerySet[Contact], filters: ContactFilters | None = None) -> bytes:
    return b"".join(iter_vcards(contacts, filters))
