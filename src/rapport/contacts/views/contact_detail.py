"""The 360° contact page and its HTMX sections: consents, relations, life events, audit.

Apps above contacts add their own sections (the timeline, orders and deals, activities, ...)
through `register_panel`, from their AppConfig.ready(), so that this app never imports them:
the panel gives the section's context and, when the page should draw it without naming it,
its template (drawn at the top of the page's second column)."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.contacts import selectors, services
from rapport.contacts.forms import ConsentForm, LifeEventForm, RelationForm
from rapport.contacts.models import (
    Company,
    ConsentChannel,
    ConsentPurpose,
    ConsentStatus,
    Contact,
    ContactRelation,
    CustomField,
    Gender,
    LifecycleStage,
    LifeEvent,
)
from rapport.core import visibility
from rapport.core.http import Request, apply_errors, get_visible_or_404, require
from rapport.core.models import AuditEntry
from rapport.core.params import parse_id

TEMPLATE = "contacts/detail.html"
AUDIT_LIMIT = 50

# name → a function giving the template context of one section other apps add to the page
type Panel = Callable[[Request, Contact], dict[str, Any]]
PANELS: dict[str, Panel] = {}
PANEL_TEMPLATES: dict[str, str] = {}


def register_panel(name: str, panel: Panel, template: str | None = None) -> None:
    """Add (or replace) a section of the 360° page; called from an app's ready()."""
    PANELS[name] = panel
    if template is not None:
        PANEL_TEMPLATES[name] = template


def _contact(request: Request, pk: int) -> Contact:
    return get_visible_or_404(selectors.contact_detail_queryset(request.user), pk)


def _writable_contact(request: Request, pk: int) -> Contact:
    """A contact the viewer may see (else 404) and change (else 403)."""
    contact = _contact(request, pk)
    require(request.user, "change", contact)
    return contact


def consents_context(contact: Contact) -> dict[str, Any]:
    state = selectors.consent_state(contact)
    matrix = [
        (channel, [(purpose, state[(channel.value, purpose.value)]) for purpose in ConsentPurpose])
        for channel in ConsentChannel
    ]
    history = contact.consent_events.select_related("recorded_by")[:20]
    return {"consent_matrix": matrix, "purposes": ConsentPurpose, "consent_history": history}


def relations_context(
    user: Any, contact: Contact, form: RelationForm | None = None
) -> dict[str, Any]:
    # Ties to people the viewer may not see are left out rather than named.
    # Read afresh: the page's prefetched relations are stale after a write.
    relations = [
        r
        for r in ContactRelation.objects.filter(contact=contact)
        .select_related("related")
        .order_by("kind", "id")
        if visibility.can(user, "view", r.related)
    ]
    return {"relations": relations, "relation_form": form or RelationForm()}


def life_events_context(contact: Contact, form: LifeEventForm | None = None) -> dict[str, Any]:
    events = LifeEvent.objects.filter(contact=contact)
    return {"life_events": events, "life_event_form": form or LifeEventForm()}


def _field_label(key: str) -> str:
    kind, _dot, rest = key.partition(".")
    if kind == "consent":
        channel, _dot, purpose = rest.partition(".")
        labels = dict(ConsentChannel.choices), dict(ConsentPurpose.choices)
        return _("consent: %(channel)s / %(purpose)s") % {
            "channel": labels[0].get(channel, channel),
            "purpose": labels[1].get(purpose, purpose),
        }
    special = {
        "relation": _("related person"),
        "life_event": _("life event"),
        "emails": _("e-mails"),
        "phones": _("phones"),
        "tags": _("tags"),
        "merged": _("merged contact"),
    }
    if kind in special:
        return special[kind]
    try:
        field = Contact._meta.get_field(key.removesuffix("_id"))
        return str(getattr(field, "verbose_name", key))
    except Exception:
        return key


# Audited choice values are stored as codes; show them as the interface names them.
CHOICE_LABELS: dict[str, dict[str, Any]] = {
    "lifecycle_stage": dict(LifecycleStage.choices),
    "gender": dict(Gender.choices),
    "consent": dict(ConsentStatus.choices),
}


def _blank(value: Any) -> bool:
    return value in (None, "", [], {})


def audit_context(contact: Contact, user: Any = None) -> dict[str, Any]:
    entries = list(
        AuditEntry.objects.filter(subject_contact_id=contact.pk).select_related("actor")[
            :AUDIT_LIMIT
        ]
    )
    # Owners, companies and referrers are stored as ids; show their names (one query each;
    # a referrer only to a viewer who may see them).
    ids: dict[str, set[int]] = {"owner_id": set(), "company_id": set(), "referred_by_id": set()}
    for entry in entries:
        for key in ids:
            for value in entry.changes.get(key, []):
                if isinstance(value, int):
                    ids[key].add(value)
    names: dict[str, dict[int, str]] = {
        "owner_id": {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=ids["owner_id"])},
        "company_id": {
            c.pk: c.name for c in Company.objects.filter(pk__in=ids["company_id"]).only("name")
        },
        "referred_by_id": {
            c.pk: c.full_name
            for c in selectors.contacts_for(user).filter(pk__in=ids["referred_by_id"])
        }
        if user is not None and ids["referred_by_id"]
        else {},
    }
    rows = []
    for entry in entries:
        changes = []
        for key, change in entry.changes.items():
            if not isinstance(change, list) or len(change) != 2:
                continue
            if _blank(change[0]) and _blank(change[1]):
                continue
            if key in names:
                change = [names[key].get(v, v) if isinstance(v, int) else v for v in change]
            labels = CHOICE_LABELS.get("consent" if key.startswith("consent.") else key)
            if labels:
                change = [labels.get(v, v) if isinstance(v, str) else v for v in change]
            changes.append((_field_label(key), change))
        rows.append((entry, changes))
    return {"audit_rows": rows}


REFERRALS_SHOWN = 20


def referrals_context(user: Any, contact: Contact) -> dict[str, Any]:
    """Who referred the contact and whom they referred, among the people the viewer may
    see (a referrer they may not see is only said to exist)."""
    visible = selectors.contacts_for(user)
    referrer = visible.filter(pk=contact.referred_by_id).first() if contact.referred_by_id else None
    referred = list(
        visible.filter(referred_by=contact).order_by("last_name", "first_name", "id")[
            :REFERRALS_SHOWN
        ]
    )
    return {
        "referrer": referrer,
        "referrer_hidden": contact.referred_by_id is not None and referrer is None,
        "referred": referred,
    }


def _custom_values(contact: Contact) -> list[tuple[CustomField, Any]]:
    return [
        (field, contact.custom.get(field.key))
        for field in CustomField.objects.filter(entity=CustomField.Entity.CONTACT)
    ]


@login_required
def contact_detail(request: Request, pk: int) -> HttpResponse:
    contact = _contact(request, pk)
    context: dict[str, Any] = {
        "contact": contact,
        "can_change": visibility.can(request.user, "change", contact),
        "can_delete": visibility.can(request.user, "delete", contact),
        "custom_values": _custom_values(contact),
        **consents_context(contact),
        **relations_context(request.user, contact),
        **life_events_context(contact),
        **audit_context(contact, request.user),
        **referrals_context(request.user, contact),
    }
    for panel in PANELS.values():
        context.update(panel(request, contact))
    context["panel_templates"] = list(PANEL_TEMPLATES.values())
    return render(request, TEMPLATE, context)


def _section(request: Request, contact: Contact, name: str, **context: Any) -> HttpResponse:
    """After a write: the section's partial for HTMX, otherwise back to the page."""
    if not request.htmx:
        return redirect("contacts:contact_detail", pk=contact.pk)
    context.update(contact=contact, can_change=visibility.can(request.user, "change", contact))
    return render(request, f"{TEMPLATE}#{name}", context)


def _refuse(exc: PermissionError) -> PermissionDenied:
    return PermissionDenied(str(exc))


@login_required
def consent_form(request: Request, pk: int) -> HttpResponse:
    contact = _writable_contact(request, pk)
    form = ConsentForm(initial={k: request.GET.get(k) for k in ("channel", "purpose", "status")})
    return render(request, f"{TEMPLATE}#consent_form", {"contact": contact, "consent_form": form})


@login_required
@require_POST
def consent_record(request: Request, pk: int) -> HttpResponse:
    contact = _writable_contact(request, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record(actor=request.user, contact=contact, **form.cleaned_data)
        except PermissionError as exc:
            raise _refuse(exc) from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, _("Consent recorded."))
            # HTMX: the section says what was recorded and the updated cell takes the focus.
            data = form.cleaned_data
            recorded = {
                "channel": data["channel"],
                "purpose": data["purpose"],
                "message": _("Consent recorded: %(channel)s, %(purpose)s: %(status)s.")
                % {
                    "channel": ConsentChannel(data["channel"]).label,
                    "purpose": ConsentPurpose(data["purpose"]).label,
                    "status": ConsentStatus(data["status"]).label,
                },
            }
            return _section(
                request, contact, "consents", recorded=recorded, **consents_context(contact)
            )
    if not request.htmx:
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
        return redirect("contacts:contact_detail", pk=contact.pk)
    response = render(
        request, f"{TEMPLATE}#consent_form", {"contact": contact, "consent_form": form}
    )
    response["HX-Retarget"] = "#consent-form-slot"  # the form again, not the whole section
    return response


@login_required
@require_POST
def relation_add(request: Request, pk: int) -> HttpResponse:
    contact = _writable_contact(request, pk)
    form = RelationForm(request.POST)
    if form.is_valid():
        related = (
            selectors.contacts_for(request.user)
            .filter(pk=_as_int(form.cleaned_data["related"]))
            .first()
        )
        if related is None:
            form.add_error("related", _("Choose a person from the search results."))
        else:
            try:
                services.relation_add(
                    actor=request.user,
                    contact=contact,
                    related=related,
                    kind=form.cleaned_data["kind"],
                )
            except PermissionError as exc:
                raise _refuse(exc) from exc
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                form = RelationForm()
    return _section(request, contact, "relations", **relations_context(request.user, contact, form))


def _as_int(value: Any) -> int:
    return parse_id(value) or 0


@login_required
@require_POST
def relation_remove(request: Request, pk: int, relation_pk: int) -> HttpResponse:
    contact = _writable_contact(request, pk)
    relation = get_visible_or_404(ContactRelation.objects.filter(contact=contact), relation_pk)
    try:
        services.relation_remove(actor=request.user, relation=relation)
    except PermissionError as exc:
        raise _refuse(exc) from exc
    return _section(request, contact, "relations", **relations_context(request.user, contact))


@login_required
@require_POST
def life_event_add(request: Request, pk: int) -> HttpResponse:
    contact = _writable_contact(request, pk)
    form = LifeEventForm(request.POST)
    if form.is_valid():
        try:
            services.life_event_add(actor=request.user, contact=contact, **form.cleaned_data)
        except PermissionError as exc:
            raise _refuse(exc) from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            form = LifeEventForm()
    return _section(request, contact, "life_events", **life_events_context(contact, form))


@login_required
@require_POST
def life_event_remove(request: Request, pk: int, event_pk: int) -> HttpResponse:
    contact = _writable_contact(request, pk)
    event = get_visible_or_404(LifeEvent.objects.filter(contact=contact), event_pk)
    try:
        services.life_event_delete(actor=request.user, event=event)
    except PermissionError as exc:
        raise _refuse(exc) from exc
    return _section(request, contact, "life_events", **life_events_context(contact))
