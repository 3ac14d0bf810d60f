"""The contact list (search, filters, cursor pages) and the create/edit forms."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.contacts import search, selectors, services
from rapport.contacts.filters import CONTACT_FILTERS
from rapport.contacts.forms import ContactForm, entry_kinds, entry_rows
from rapport.contacts.models import (
    Contact,
)
from rapport.contacts.normalize import normalize_email, normalize_phone
from rapport.core import visibility
from rapport.core.errors import Conflict
from rapport.core.http import Request, apply_errors, get_visible_or_404
from rapport.core.pagination import InvalidCursor, capped_count, paginate
from rapport.core.params import parse_id

PAGE_SIZE = 50
# Lists count at most this many rows and then say "1000+": counting 1M rows per page is slow.
COUNT_CAP = 1000
CONSENT_STATES = ["granted", "withdrawn", "none"]


@dataclass(frozen=True)
class ListColumn:
    """A column of the contact list that an app above contacts keeps (activities: the next
    step). `fill(contacts, user)` puts its value on the page's contacts in one query for the
    whole page (never one per row); `template` draws a cell from `contact`."""

    key: str
    label: Any
    template: str
    fill: Callable[[list[Contact], Any], None]


LIST_COLUMNS: dict[str, ListColumn] = {}
BASE_COLUMNS = 7


def register_list_column(column: ListColumn) -> None:
    """Add (or replace) a column of the contact list; called from an app's ready()."""
    LIST_COLUMNS[column.key] = column


def _int_or_none(value: str | None) -> int | None:
    return parse_id(value)


def _sort(params: Any) -> str:
    sort = params.get("sort", selectors.DEFAULT_CONTACT_ORDERING)
    return sort if sort in selectors.CONTACT_ORDERINGS else selectors.DEFAULT_CONTACT_ORDERING


# Templates of actions on the filtered list that apps above contacts add (their ready()):
# segments' "Save as segment". Each is included in the list's tools with the page's context.
LIST_ACTIONS: list[str] = []


def register_list_action(template: str) -> None:
    if template not in LIST_ACTIONS:
        LIST_ACTIONS.append(template)


def contact_orderings() -> list[tuple[str, str]]:
    """The sort choices of a list of contacts (selectors.CONTACT_ORDERINGS), in words."""
    return [
        ("-created", _("Newest first")),
        ("created", _("Oldest first")),
        ("name", _("Name A–Z")),
        ("-name", _("Name Z–A")),
        *selectors.CONTACT_ORDERING_LABELS.items(),
    ]


def listed(request: Request) -> tuple[QuerySet[Contact], list[str]]:
    """The contacts the list shows (visible to the viewer, filtered) and their order."""
    contacts = CONTACT_FILTERS.apply(selectors.contacts_for(request.user), request.GET)
    return selectors.ordered(contacts, _sort(request.GET))


@login_required
def contact_list(request: Request) -> HttpResponse:
    parsed = CONTACT_FILTERS.parse(request.GET)
    sort = _sort(request.GET)
    contacts = CONTACT_FILTERS.filter(selectors.contacts_for(request.user), parsed)
    sorted_contacts, ordering = selectors.ordered(contacts, sort)
    cursor = request.GET.get("cursor") or None
    # reading ids first drops annotations: not for an order an app above contacts added
    by_keys = (
        search.page_by_keys(parsed["q"] or "")
        and sort not in selectors.CONTACT_ORDERING_ANNOTATIONS
    )
    try:
        page = paginate(
            sorted_contacts.select_related("owner", "company"),
            ordering=ordering,
            limit=PAGE_SIZE,
            cursor=cursor,
            keys_first=by_keys,
        )
    except InvalidCursor:
        messages.warning(request, _("That page link has expired; here is the first page."))
        cursor = None
        page = paginate(
            sorted_contacts.select_related("owner", "company"),
            ordering=ordering,
            limit=PAGE_SIZE,
            cursor=None,
            keys_first=by_keys,
        )
    columns = list(LIST_COLUMNS.values())
    for column in columns:
        column.fill(page.items, request.user)
    context: dict[str, Any] = {
        "page": page,
        "sort": sort,
        "filter_fields": CONTACT_FILTERS.bar(parsed),
        "extra_columns": columns,
        "colspan": BASE_COLUMNS + len(columns),
        "list_actions": LIST_ACTIONS,
    }
    if request.htmx and cursor:
        # "Load more": only the next rows and a new button.
        return render(request, "contacts/list.html#rows", context)
    count, exact = capped_count(contacts, cap=COUNT_CAP)
    context.update(count=count, exact=exact)
    if request.htmx and request.htmx.target == "contact-results":
        return render(request, "contacts/list.html#results", context)
    context.update(
        orderings=contact_orderings(),
        can_create=visibility.can_create(request.user, "contacts"),
    )
    return render(request, "contacts/list.html", context)


@login_required
def contact_options(request: Request) -> HttpResponse:
    """<option>s of visible contacts matching ?q=, for the person pickers."""
    q = request.GET.get("q", "")
    contacts = (
        selectors.filter_contacts(
            selectors.contacts_for(request.user), selectors.ContactFilters(q=q)
        )
        .exclude(pk=_int_or_none(request.GET.get("exclude")) or 0)
        .order_by("last_name", "first_name", "id")[:20]
        if q.strip()
        else Contact.objects.none()
    )
    # The search-as-you-type picker (web/combobox.html) asks for a listbox's options.
    template = "web/listbox_options.html" if request.GET.get("format") == "listbox" else None
    return render(request, template or "web/options.html", {"objects": contacts, "q": q})


def _row_errors(rows: list[dict[str, Any]], normalize: Any) -> None:
    for row in rows:
        if row["value"].strip():
            try:
                normalize(row["value"])
            except ValidationError as exc:
                row["error"] = " ".join(exc.messages)


def _entries(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"value": r["value"], "kind": r["kind"] or None, "is_primary": r["is_primary"]}
        for r in rows
        if r["value"].strip()
    ]


def _blank_rows(rows: list[dict[str, Any]], extra: int = 1) -> list[dict[str, Any]]:
    rows = list(rows)
    if not any(r["is_primary"] for r in rows) and rows:
        rows[0]["is_primary"] = True
    rows.extend({"value": "", "kind": "", "is_primary": not rows} for _ in range(extra))
    return rows


def _render_form(request: Request, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("email_kinds", entry_kinds("email"))
    context.setdefault("phone_kinds", entry_kinds("phone"))
    form = context["form"]
    company_id = _int_or_none(str(form["company"].value() or ""))
    context["company"] = (
        selectors.companies_for(request.user).filter(pk=company_id).first() if company_id else None
    )
    # The picker shows the chosen referrer's name: only one the viewer may see is named.
    referrer_id = _int_or_none(str(form["referred_by"].value() or ""))
    referrer = (
        selectors.contacts_for(request.user).filter(pk=referrer_id).first() if referrer_id else None
    )
    context["referrer_name"] = (
        referrer.full_name
        if referrer
        else _("someone outside your contacts")
        if referrer_id
        else ""
    )
    exclude = context["contact"].pk if context.get("contact") else ""
    context["referrer_url"] = f"{reverse('contacts:contact_options')}?exclude={exclude}"
    return render(request, "contacts/form.html", context)


def _save(
    request: Request, form: ContactForm, contact: Contact | None
) -> tuple[Contact | None, dict[str, Any]]:
    """Run the service; on failure return the extra context that explains why."""
    user: Any = request.user
    emails = entry_rows(request.POST, "email")
    phones = entry_rows(request.POST, "phone")
    extra: dict[str, Any] = {"emails": emails, "phones": phones, "entry_errors": {}}
    if not form.is_valid():
        return None, extra
    data = form.service_data()
    data["emails"], data["phones"] = _entries(emails), _entries(phones)
    if contact is None and not form.cleaned_data.get("confirm_duplicate"):
        duplicates = services.find_duplicates(
            contacts=selectors.contacts_for(user),
            emails=[e for e in (_try(normalize_email, r["value"]) for r in emails) if e],
            phones=[p for p in (_try(normalize_phone, r["value"]) for r in phones) if p],
            first_name=str(data.get("first_name") or ""),
            last_name=str(data.get("last_name") or ""),
        )
        if duplicates:
            extra["duplicates"] = duplicates
            if not any(d.certain for d in duplicates):
                extra["ask_confirm"] = True
                return None, extra
    try:
        if contact is None:
            saved = services.contact_create(actor=user, data=data)
        else:
            saved = services.contact_update(
                actor=user,
                contact=contact,
                data=data,
                expected_version=form.cleaned_data.get("version"),
            )
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {}
        for key, rows, normalize in (
            ("email", emails, normalize_email),
            ("phone", phones, normalize_phone),
        ):
            messages_ = errors.get(key, []) + errors.get(f"{key}s", [])
            if messages_:
                _row_errors(rows, normalize)
                extra["entry_errors"][key] = messages_
        apply_errors(
            form, exc, {"version": None}, skip=frozenset({"email", "phone", "emails", "phones"})
        )
        existing = exc.existing if isinstance(exc, Conflict) else None
        if existing is not None and visibility.can(user, "view", existing):
            extra["existing"] = existing
        if "version" in errors:
            extra["stale"] = True
        return None, extra
    return saved, extra


def _try(fn: Any, value: str) -> str:
    try:
        return fn(value) if value.strip() else ""
    except ValidationError:
        return ""


@login_required
def contact_create(request: Request) -> HttpResponse:
    if not visibility.can_create(request.user, "contacts"):
        raise PermissionDenied
    if request.method == "POST":
        form = ContactForm(request.POST)
        contact, extra = _save(request, form, None)
        if contact is not None:
            messages.success(request, _("Contact %(name)s created.") % {"name": contact.full_name})
            return redirect("contacts:contact_detail", pk=contact.pk)
        extra["emails"] = _blank_rows(extra["emails"], 0) or _blank_rows([], 2)
        extra["phones"] = _blank_rows(extra["phones"], 0) or _blank_rows([], 2)
        return _render_form(request, {"form": form, **extra})
    form = ContactForm(initial={"owner": request.user.pk})
    return _render_form(
        request, {"form": form, "emails": _blank_rows([], 2), "phones": _blank_rows([], 2)}
    )


@login_required
def contact_edit(request: Request, pk: int) -> HttpResponse:
    contact = get_visible_or_404(selectors.contact_detail_queryset(request.user), pk)
    if not visibility.can(request.user, "change", contact):
        raise PermissionDenied
    if request.method == "POST":
        form = ContactForm(request.POST, custom=contact.custom)
        saved, extra = _save(request, form, contact)
        if saved is not None:
            messages.success(request, _("Changes saved."))
            return redirect("contacts:contact_detail", pk=contact.pk)
        extra["emails"] = _blank_rows(extra["emails"], 0) or _blank_rows([], 1)
        extra["phones"] = _blank_rows(extra["phones"], 0) or _blank_rows([], 1)
        if extra.get("stale"):
            contact.refresh_from_db()
        return _render_form(request, {"form": form, "contact": contact, **extra})
    initial = {
        name: getattr(contact, name) for name in ContactForm.PROFILE_FIELDS if name != "tags"
    }
    initial.update(
        owner=contact.owner_id,
        company=contact.company_id or "",
        referred_by=contact.referred_by_id or "",
        tags=", ".join(t.name for t in contact.tags.all()),
        version=contact.version,
        external_id=contact.external_id or "",
    )
    form = ContactForm(initial=initial, custom=contact.custom)
    emails = [
        {"value": e.email, "kind": e.kind, "is_primary": e.is_primary} for e in contact.emails.all()
    ]
    phones = [
        {"value": p.number, "kind": p.kind, "is_primary": p.is_primary}
        for p in contact.phones.all()
    ]
    return _render_form(
        request,
        {
            "form": form,
            "contact": contact,
            "emails": _blank_rows(emails),
            "phones": _blank_rows(phones),
        },
    )


@login_required
@require_POST
def contact_delete(request: Request, pk: int) -> HttpResponse:
    contact = get_visible_or_404(selectors.contacts_for(request.user), pk)
    try:
        services.contact_delete(actor=request.user, contact=contact)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, _("Contact %(name)s deleted.") % {"name": contact.full_name})
    return redirect("contacts:contact_list")
