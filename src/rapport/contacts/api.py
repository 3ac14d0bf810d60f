"""REST endpoints for contacts, their consents, and companies (mounted by rapport.api.main).

Each endpoint reads through the selectors (scoped by rapport.core.visibility) and writes
through the services; a record the caller may not see is a 404, a change their role or
ownership forbids is a 403 (the service's PermissionError).
"""

import datetime as dt
from collections import defaultdict
from typing import Any, Literal

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from rapport.contacts import search, selectors, services
from rapport.contacts.filters import COMPANY_FILTERS, CONTACT_FILTERS
from rapport.contacts.models import (
    Company,
    ConsentChannel,
    ConsentEvent,
    ConsentPurpose,
    ConsentStatus,
    Contact,
    ContactEmail,
    ContactPhone,
    Tag,
)
from rapport.core import visibility
from rapport.core.api.lists import page_of
from rapport.core.api.rendering import rendered
from rapport.core.api.schemas import (
    ConflictOut,
    ErrorOut,
    Id,
    InputSchema,
    ListParams,
    OutSchema,
    Page,
    Timestamp,
)
from rapport.core.bulk import id_array

router = Router(tags=["contacts"])
companies_router = Router(tags=["companies"])

GenderValue = Literal["female", "male", "other", ""]
StageValue = Literal["prospect", "lead", "customer", "lost"]
EmailKind = Literal["personal", "work", "other"]
PhoneKind = Literal["mobile", "home", "work", "other"]
ChannelValue = Literal["email", "sms", "phone", "messenger", "post"]
PurposeValue = Literal["marketing", "service", "profiling"]
StatusValue = Literal["granted", "withdrawn"]
# Every sort key, those apps above contacts add (selectors.register_ordering) included: this
# module loads with the API's URLs, after every app's ready().
ContactSort: Any = Literal[tuple(selectors.CONTACT_ORDERINGS)]
CONSENT_FILTER = (
    f"^({'|'.join(ConsentChannel.values)}):({'|'.join(ConsentPurpose.values)})"
    f":({'|'.join([*ConsentStatus.values, 'none'])})$"
)
WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ConflictOut, 422: ErrorOut}


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# --- contacts ---------------------------------------------------------------------------------


class EmailOut(OutSchema):
    email: str
    kind: str
    is_primary: bool


class PhoneOut(OutSchema):
    number: str
    kind: str
    is_primary: bool


class ContactOut(OutSchema):
    id: int
    first_name: str
    last_name: str
    middle_name: str
    email: str = Field(description="The primary e-mail, lower-cased ('' when none).")
    phone: str = Field(description="The primary phone in E.164 ('' when none).")
    emails: list[EmailOut]
    phones: list[PhoneOut]
    birth_date: dt.date | None
    gender: str
    language: str
    city: str
    country: str
    address: str
    tags: list[str]
    owner: int
    company: int | None
    referred_by: int | None = Field(description="The contact who referred them (id).")
    lifecycle_stage: str
    source: str
    external_id: str | None
    custom: dict[str, Any]
    notes: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ContactPage(Page):
    items: list[ContactOut]


class EmailIn(InputSchema):
    email: str
    kind: EmailKind = "personal"
    is_primary: bool = False


class PhoneIn(InputSchema):
    number: str
    kind: PhoneKind = "mobile"
    is_primary: bool = False


class ContactIn(InputSchema):
    """A new contact: a first or a last name is required; everything else is optional."""

    first_name: str | None = None
    last_name: str | None = None
    middle_name: str | None = None
    email: str | None = Field(None, description="Becomes the primary e-mail.")
    phone: str | None = Field(None, description="Becomes the primary phone; any common format.")
    emails: list[EmailIn] | None = Field(None, max_length=20)
    phones: list[PhoneIn] | None = Field(None, max_length=20)
    birth_date: dt.date | None = None
    gender: GenderValue | None = None
    language: str | None = None
    city: str | None = None
    country: str | None = Field(None, description="ISO 3166 two-letter code.")
    address: str | None = None
    tags: list[str] | None = Field(None, max_length=100)
    owner: Id | None = None
    company: Id | None = None
    referred_by: Id | None = Field(
        None,
        description="The contact (id) who referred them; null clears it. Never the contact "
        "itself, nor one they referred (directly or through others).",
    )
    lifecycle_stage: StageValue | None = None
    source: str | None = None
    external_id: str | None = None
    custom: dict[str, Any] | None = None
    notes: str | None = None


class ContactPatch(ContactIn):
    """Only the fields sent change. `version` (from a read) refuses a stale edit with 409."""

    version: int | None = Field(None, ge=1, le=2**31 - 1)


# The list's filters are the web list's and the export's (contacts/filters.py).
@CONTACT_FILTERS.query_params
class ContactListParams(ListParams):
    sort: ContactSort = "-created"


# The page's e-mails, phones and tags in one fixed statement. Building each through the ORM
# cost ≈ 0.6 ms of query compilation per statement, ≈ 20 % of a 50-row list request's CPU
# (cProfile over 200 API pages, 50k contacts); one statement instead of three is two round
# trips fewer, which on PostgreSQL under load were each a wait for the server's process.
# Each row: (0 e-mail / 1 phone / 2 tag, contact, value, kind, is_primary, id), e-mails and
# phones primary first, then in the order they were added.
_CHILDREN_SQL = (
    "SELECT 0, contact_id, email, kind, is_primary, id "  # noqa: S608
    f"FROM {ContactEmail._meta.db_table} WHERE contact_id IN ({{marks}}) "
    "UNION ALL SELECT 1, contact_id, number, kind, is_primary, id "
    f"FROM {ContactPhone._meta.db_table} WHERE contact_id IN ({{marks}}) "
    "UNION ALL SELECT 2, link.contact_id, tag.name, '', FALSE, 0 "
    f"FROM {Contact.tags.through._meta.db_table} link "
    f"JOIN {Tag._meta.db_table} tag ON tag.id = link.tag_id WHERE link.contact_id IN ({{marks}}) "
    "ORDER BY 1, 5 DESC, 6"
)


_CHILDREN_SQL_ARRAYS = _CHILDREN_SQL.replace("IN ({marks})", "= ANY(%s::bigint[])")


def _child_rows(ids: list[int]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter per list: psycopg parses a statement's placeholders in
            # Python and caches that only up to 50 parameters; the 150 of a full page were
            # parsed again on every request, ≈ 0.85 of ≈ 5.7 ms CPU per 50-row list request
            # (cProfile, 1M contacts, 2026-12-02); the array in its text form (`id_array`).
            cursor.execute(_CHILDREN_SQL_ARRAYS, [id_array(ids)] * 3)
        else:
            cursor.execute(_CHILDREN_SQL.format(marks=", ".join(["%s"] * len(ids))), ids * 3)
        return cursor.fetchall()


def contacts_json(contacts: list[Contact]) -> list[dict[str, Any]]:
    """Contacts as the API shows them, with their e-mails, phones and tags.

    Those three come as plain tuples, one query for the whole page: prefetching them as
    model instances was ≈ 12 of ≈ 29 ms of a 50-row search request (cProfile, 1M contacts).
    """
    ids = [c.pk for c in contacts]
    emails: dict[int, list[dict[str, Any]]] = defaultdict(list)
    phones: dict[int, list[dict[str, Any]]] = defaultdict(list)
    tags: dict[int, list[str]] = defaultdict(list)
    for which, cid, value, kind, primary, _id in _child_rows(ids) if ids else []:
        if which == 0:
            emails[cid].append({"email": value, "kind": kind, "is_primary": bool(primary)})
        elif which == 1:
            phones[cid].append({"number": value, "kind": kind, "is_primary": bool(primary)})
        else:
            tags[cid].append(value)
    return [
        {
            "id": contact.pk,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "middle_name": contact.middle_name,
            "email": contact.email,
            "phone": contact.phone,
            "emails": emails[contact.pk],
            "phones": phones[contact.pk],
            "birth_date": contact.birth_date,
            "gender": contact.gender,
            "language": contact.language,
            "city": contact.city,
            "country": contact.country,
            "address": contact.address,
            "tags": sorted(tags[contact.pk]),
            "owner": contact.owner_id,
            "company": contact.company_id,
            "referred_by": contact.referred_by_id,
            "lifecycle_stage": contact.lifecycle_stage,
            "source": contact.source,
            "external_id": contact.external_id,
            "custom": contact.custom,
            "notes": contact.notes,
            "version": contact.version,
            "created_at": contact.created_at,
            "updated_at": contact.updated_at,
        }
        for contact in contacts
    ]


def contact_json(contact: Contact) -> dict[str, Any]:
    """One contact as the API shows it (see contacts_json)."""
    return contacts_json([contact])[0]


def _contacts(request: HttpRequest) -> Any:
    return selectors.contacts_for(_user(request))


def _contact_or_404(request: HttpRequest, contact_id: int) -> Contact:
    return get_object_or_404(_contacts(request), pk=contact_id)


def _written(contact: Contact) -> dict[str, Any]:
    """The contact just written, as stored. Read unscoped on purpose: handing it to someone
    else's team is allowed, and the caller still gets the answer to what they sent."""
    return contact_json(Contact.objects.get(pk=contact.pk))


def _contact_input(payload: InputSchema) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True)
    data.pop("version", None)
    for many in ("emails", "phones", "tags"):
        if many in data and data[many] is None:
            data[many] = []
    return data


@router.get("", response=ContactPage, exclude_unset=True, url_name="contact_list")
def contact_list(request: HttpRequest, filters: Query[ContactListParams]) -> HttpResponse:
    """Contacts the caller may see, newest first unless `sort` says otherwise."""
    parsed = CONTACT_FILTERS.strict(request.GET)
    contacts, ordering = selectors.ordered(
        CONTACT_FILTERS.filter(_contacts(request), parsed), filters.sort
    )
    # Rendered here: ninja's validation of the page into ContactPage and dump back was
    # ≈ 0.5 ms of ≈ 6 ms CPU per 50-row page, for dicts contacts_json built to that shape
    # (tests/api/test_rendered.py checks the bytes are the same).
    return rendered(
        page_of(
            contacts,
            ordering=ordering,
            params=filters,
            serialize_page=contacts_json,
            keys_first=search.page_by_keys(parsed["q"] or "")
            and filters.sort not in selectors.CONTACT_ORDERING_ANNOTATIONS,
        )
    )


@router.post("", response={201: ContactOut, **WRITE_ERRORS}, url_name="contact_create")
def contact_create(
    request: HttpRequest, payload: ContactIn, allow_duplicates: bool = False
) -> Status[dict[str, Any]]:
    """Create a contact. A known e-mail or phone is a 409 naming the existing contact;
    `allow_duplicates=true` lets a shared phone through (never a shared primary e-mail)."""
    contact = services.contact_create(
        actor=_user(request), data=_contact_input(payload), allow_duplicates=allow_duplicates
    )
    return Status(201, _written(contact))


@router.get(
    "/{int:contact_id}", response={200: ContactOut, 404: ErrorOut}, url_name="contact_detail"
)
def contact_detail(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    return contact_json(_contact_or_404(request, contact_id))


@router.patch(
    "/{int:contact_id}", response={200: ContactOut, **WRITE_ERRORS}, url_name="contact_update"
)
def contact_update(
    request: HttpRequest, contact_id: Id, payload: ContactPatch, allow_duplicates: bool = False
) -> dict[str, Any]:
    """Change the fields sent. Send `version` to refuse the change if someone saved meanwhile."""
    contact = _contact_or_404(request, contact_id)
    contact = services.contact_update(
        actor=_user(request),
        contact=contact,
        data=_contact_input(payload),
        expected_version=payload.version,
        allow_duplicates=allow_duplicates,
    )
    return _written(contact)


@router.delete(
    "/{int:contact_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    url_name="contact_delete",
)
def contact_delete(request: HttpRequest, contact_id: Id) -> Status[None]:
    services.contact_delete(actor=_user(request), contact=_contact_or_404(request, contact_id))
    return Status(204, None)


# --- consents ---------------------------------------------------------------------------------


class ConsentEventOut(Schema):
    id: int
    channel: str
    purpose: str
    status: str
    source: str
    evidence: str
    at: dt.datetime
    recorded_by: int | None


class ConsentStateOut(Schema):
    channel: str
    purpose: str
    status: str | None = Field(description="granted, withdrawn, or null when never recorded.")
    at: dt.datetime | None
    source: str | None


class ConsentsOut(Schema):
    contact: int
    state: list[ConsentStateOut]
    events: list[ConsentEventOut] = Field(description="Every event, newest first.")


class ConsentIn(InputSchema):
    channel: ChannelValue
    purpose: PurposeValue
    status: StatusValue
    source: str = Field(..., description="Where it came from: web form, call, paper…")
    evidence: str = ""
    at: Timestamp | None = Field(None, description="When the person said so (default: now).")


def consent_event_json(event: ConsentEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "channel": event.channel,
        "purpose": event.purpose,
        "status": event.status,
        "source": event.source,
        "evidence": event.evidence,
        "at": event.at,
        "recorded_by": event.recorded_by_id,
    }


@router.get(
    "/{int:contact_id}/consents",
    response={200: ConsentsOut, 404: ErrorOut},
    url_name="contact_consents",
)
def consent_list(request: HttpRequest, contact_id: Id) -> dict[str, Any]:
    """The current state for every channel × purpose, and the whole history."""
    contact = get_object_or_404(selectors.contacts_for(_user(request)), pk=contact_id)
    state = [
        {
            "channel": channel,
            "purpose": purpose,
            "status": event.status if event else None,
            "at": event.at if event else None,
            "source": event.source if event else None,
        }
        for (channel, purpose), event in selectors.consent_state(contact).items()
    ]
    events = contact.consent_events.order_by("-at", "-id")
    return {
        "contact": contact.pk,
        "state": state,
        "events": [consent_event_json(e) for e in events],
    }


@router.post(
    "/{int:contact_id}/consents",
    response={201: ConsentEventOut, **WRITE_ERRORS},
    url_name="contact_consent_record",
)
def consent_record(
    request: HttpRequest, contact_id: Id, payload: ConsentIn
) -> Status[dict[str, Any]]:
    """Record that the person granted or withdrew consent for a channel and purpose."""
    contact = get_object_or_404(selectors.contacts_for(_user(request)), pk=contact_id)
    event = services.consent_record(actor=_user(request), contact=contact, **payload.model_dump())
    return Status(201, consent_event_json(event))


# --- companies --------------------------------------------------------------------------------

COMPANY_ORDERINGS: dict[str, list[str]] = {
    "name": ["name", "id"],
    "-name": ["-name", "-id"],
    "-created": ["-created_at", "-id"],
    "created": ["created_at", "id"],
}
CompanySort = Literal["name", "-name", "-created", "created"]


class CompanyOut(Schema):
    id: int
    name: str
    website: str
    email: str
    phone: str
    industry: str
    city: str
    country: str
    address: str
    notes: str
    external_id: str | None
    custom: dict[str, Any]
    owner: int
    created_at: dt.datetime
    updated_at: dt.datetime


class CompanyPage(Page):
    items: list[CompanyOut]


class CompanyIn(InputSchema):
    name: str | None = Field(None, description="Required when creating.")
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    industry: str | None = None
    city: str | None = None
    country: str | None = Field(None, description="ISO 3166 two-letter code.")
    address: str | None = None
    notes: str | None = None
    external_id: str | None = None
    custom: dict[str, Any] | None = None
    owner: Id | None = None


@COMPANY_FILTERS.query_params
class CompanyListParams(ListParams):
    sort: CompanySort = "name"


def company_json(company: Company) -> dict[str, Any]:
    return {
        "id": company.pk,
        "name": company.name,
        "website": company.website,
        "email": company.email,
        "phone": company.phone,
        "industry": company.industry,
        "city": company.city,
        "country": company.country,
        "address": company.address,
        "notes": company.notes,
        "external_id": company.external_id,
        "custom": company.custom,
        "owner": company.owner_id,
        "created_at": company.created_at,
        "updated_at": company.updated_at,
    }


def _company_or_404(request: HttpRequest, company_id: int) -> Company:
    return get_object_or_404(selectors.companies_for(_user(request)), pk=company_id)


@companies_router.get("", response=CompanyPage, exclude_unset=True, url_name="company_list")
def company_list(request: HttpRequest, filters: Query[CompanyListParams]) -> dict[str, Any]:
    companies = COMPANY_FILTERS.filter(
        selectors.companies_for(_user(request)), COMPANY_FILTERS.strict(request.GET)
    )
    return page_of(
        companies,
        ordering=COMPANY_ORDERINGS[filters.sort],
        params=filters,
        serialize=company_json,
    )


@companies_router.post("", response={201: CompanyOut, **WRITE_ERRORS}, url_name="company_create")
def company_create(request: HttpRequest, payload: CompanyIn) -> Status[dict[str, Any]]:
    company = services.company_create(
        actor=_user(request), data=payload.model_dump(exclude_unset=True)
    )
    return Status(201, company_json(company))


@companies_router.get(
    "/{int:company_id}", response={200: CompanyOut, 404: ErrorOut}, url_name="company_detail"
)
def company_detail(request: HttpRequest, company_id: Id) -> dict[str, Any]:
    return company_json(_company_or_404(request, company_id))


@companies_router.patch(
    "/{int:company_id}", response={200: CompanyOut, **WRITE_ERRORS}, url_name="company_update"
)
def company_update(request: HttpRequest, company_id: Id, payload: CompanyIn) -> dict[str, Any]:
    company = services.company_update(
        actor=_user(request),
        company=_company_or_404(request, company_id),
        data=payload.model_dump(exclude_unset=True),
    )
    return company_json(company)


@companies_router.delete(
    "/{int:company_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    url_name="company_delete",
)
def company_delete(request: HttpRequest, company_id: Id) -> Status[None]:
    services.company_delete(actor=_user(request), company=_company_or_404(request, company_id))
    return Status(204, None)


# --- conflicts --------------------------------------------------------------------------------


def existing_ref(request: HttpRequest, obj: Any) -> dict[str, Any] | None:
    """{id, url} of the record a 409 collided with, if the caller may see it."""
    user = getattr(request, "auth", None)
    names = {Contact: "api:contact_detail", Company: "api:company_detail"}
    name = names.get(type(obj))
    if name is None or not visibility.can(user, "view", obj):
        return None
    kwarg = "contact_id" if isinstance(obj, Contact) else "company_id"
    return {"id": obj.pk, "url": reverse(name, kwargs={kwarg: obj.pk})}
