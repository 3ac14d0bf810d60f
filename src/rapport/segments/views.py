"""Segment pages: the list, a segment with its members and size over time, the HTMX rule
builder (with a debounced live count and sample), and "Save as segment" from the contact list.

Every page reads through `segments.selectors` (the role rule's "segments" kind for the
segment, the contacts' own scope for its members) and writes through `segments.services`.
"""

import contextlib
import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from rapport.catalog.models import Category, Product
from rapport.contacts import search
from rapport.contacts.export import contact_columns, vcard
from rapport.contacts.filters import CONTACT_FILTERS
from rapport.contacts.models import Contact
from rapport.contacts.selectors import (
    CONTACT_ORDERINGS,
    DEFAULT_CONTACT_ORDERING,
    contacts_for,
    ordered,
)
from rapport.contacts.views.contacts import contact_orderings
from rapport.core import visibility
from rapport.core.http import Request, get_visible_or_404
from rapport.core.pagination import InvalidCursor, capped_count, paginate
from rapport.core.views.exports import ListExport, export_list
from rapport.segments import builder, selectors, services
from rapport.segments.catalog import OPERATOR_LABELS, field_catalog
from rapport.segments.contact_list import rule_from_contact_filters
from rapport.segments.messages import as_validation_error, word
from rapport.segments.models import Segment, SegmentKind
from rapport.segments.rules import FieldSpec, FieldType, Op, RuleError

PAGE_SIZE = 50
COUNT_CAP = 1000
MAX_PRODUCT_CHOICES = 300


@login_required
@require_GET
def segment_list(request: Request) -> HttpResponse:
    segments = selectors.segments_for(request.user).select_related("owner").order_by("name", "id")
    return render(
        request,
        "segments/list.html",
        {
            "segments": segments[:500],
            "can_create": visibility.can_create(request.user, "segments"),
        },
    )


# --- a segment and its members ---------------------------------------------------------------


def _sort(params: Any) -> str:
    sort = params.get("sort", DEFAULT_CONTACT_ORDERING)
    return sort if sort in CONTACT_ORDERINGS else DEFAULT_CONTACT_ORDERING


def _members(request: Request, segment: Segment) -> QuerySet[Contact]:
    contacts = selectors.members_for(request.user, segment)
    q = (request.GET.get("q") or "").replace("\x00", "").strip()[:200]
    return search.search(contacts, q) if q else contacts


def members_listed(request: Request, pk: int) -> tuple[QuerySet[Contact], list[str]]:
    """The members the page shows (and the export writes): visible, searched, sorted."""
    segment = get_visible_or_404(selectors.segments_for(request.user), pk)
    return ordered(_members(request, segment), _sort(request.GET))


@login_required
@require_GET
def segment_detail(request: Request, pk: int) -> HttpResponse:
    segment = get_visible_or_404(selectors.segments_for(request.user).select_related("owner"), pk)
    sort = _sort(request.GET)
    cursor = request.GET.get("cursor") or None
    context: dict[str, Any] = {"segment": segment, "sort": sort, "q": request.GET.get("q", "")}
    try:
        members, ordering = ordered(_members(request, segment), sort)
        members = members.select_related("owner", "company")
        try:
            page = paginate(members, ordering=ordering, limit=PAGE_SIZE, cursor=cursor)
        except InvalidCursor:
            page = paginate(members, ordering=ordering, limit=PAGE_SIZE, cursor=None)
        context["page"] = page
    except RuleError as exc:
        context["rule_error"] = word(exc)
        context["page"] = None
    if request.htmx and cursor:
        return render(request, "segments/detail.html#rows", context)
    if context["page"] is not None:
        context["count"], context["exact"] = capped_count(members, cap=COUNT_CAP)
    if request.htmx and request.htmx.target == "member-results":
        return render(request, "segments/detail.html#results", context)
    history = list(selectors.snapshots(segment).order_by("-at", "-id")[:120])[::-1]
    context.update(
        orderings=contact_orderings(),
        summary=_summary(segment),
        history=history,
        chart={
            "labels": _chart_labels([s.at for s in history]),
            "size": [s.size for s in history],
            "entered": [s.entered for s in history],
            "left": [s.left for s in history],
            "names": {"size": _("Members"), "entered": _("Entered"), "left": _("Left")},
        },
        may_change=visibility.can(request.user, "change", segment),
        may_delete=visibility.can(request.user, "delete", segment),
    )
    return render(request, "segments/detail.html", context)


def _chart_labels(times: list[dt.datetime]) -> list[str]:
    """Each refresh's day in the reader's zone; with the time too when one day had several
    refreshes (two points both labelled "2026-12-02" tell nothing apart)."""
    local = [timezone.localtime(at) for at in times]
    days = [at.date().isoformat() for at in local]
    if len(set(days)) == len(days):
        return days
    return [f"{day} {at:%H:%M}" for day, at in zip(days, local, strict=True)]


def _summary(segment: Segment) -> list[dict[str, Any]]:
    """The rule in words, as nested items the template indents."""
    if not segment.is_dynamic:
        return []
    fields = field_catalog()
    return [_describe(builder.rows_from_rule(segment.rule), fields)]


def _describe(row: builder.Row, fields: dict[str, FieldSpec]) -> dict[str, Any]:
    if row.is_group:
        heading = {"all": _("All of:"), "any": _("Any of:"), "none": _("None of:")}[row.kind]
        return {"text": heading, "children": [_describe(c, fields) for c in row.children]}
    spec = fields.get(row.field)
    label = str(spec.label) if spec else row.field
    try:
        op = OPERATOR_LABELS[Op(row.op)]()
    except ValueError:
        op = row.op
    names = dict(spec.choices) if spec and spec.choices else {}
    values = ", ".join(str(names.get(_choice_key(spec, v), v)) for v in row.values)
    if row.value2:
        values = f"{values} – {row.value2}"
    text = " ".join(part for part in (label, op, values) if part)
    if row.window:
        text += " " + _("(in the last %(days)s days)") % {"days": row.window}
    return {"text": text, "children": []}


def _choice_key(spec: FieldSpec | None, raw: str) -> Any:
    if spec and spec.choices:
        for value, _label in spec.choices:
            if str(value) == raw:
                return value
    return raw


@login_required
@require_POST
def segment_refresh(request: Request, pk: int) -> HttpResponse:
    segment = get_visible_or_404(selectors.segments_for(request.user), pk)
    if not services.may_refresh(request.user, segment):
        raise PermissionDenied(_("You cannot refresh this segment."))
    try:
        snapshot = services.segment_refresh(segment=segment)
    except RuleError as exc:
        messages.error(request, word(exc))
    else:
        messages.success(
            request,
            _("Refreshed: %(size)s members, %(entered)s entered, %(left)s left.")
            % {"size": snapshot.size, "entered": snapshot.entered, "left": snapshot.left},
        )
    return redirect("segments:segment_detail", pk=pk)


@login_required
@require_POST
def segment_delete(request: Request, pk: int) -> HttpResponse:
    segment = get_visible_or_404(selectors.segments_for(request.user), pk)
    try:
        services.segment_delete(actor=request.user, segment=segment)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("segments:segment_detail", pk=pk)
    messages.success(request, _("Segment deleted."))
    return redirect("segments:segment_list")


@login_required
@require_POST
def member_remove(request: Request, pk: int, contact_pk: int) -> HttpResponse:
    segment = get_visible_or_404(selectors.segments_for(request.user), pk)
    contact = get_visible_or_404(contacts_for(request.user), contact_pk)
    try:
        services.member_remove(actor=request.user, segment=segment, contact=contact)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("segments:segment_detail", pk=pk)


def member_export(request: Request, pk: int, fmt: str) -> HttpResponseBase:
    """The members as CSV, XLSX or vCard: the page's rows, through the same scope."""
    spec = ListExport(
        "segment",
        _("Segment members"),
        lambda req: members_listed(req, pk),
        contact_columns,
        select=("owner",),
        prefetch=("tags",),
        vcard=vcard,
    )
    return export_list(request, spec=spec, fmt=fmt)


# --- the builder -----------------------------------------------------------------------------


def _reference_choices(
    spec: FieldSpec, user: Any, segment: Segment | None
) -> list[tuple[Any, str]]:
    if spec.family == "segment":
        segments = selectors.segments_for(user).order_by("name")
        if segment is not None and segment.pk:
            segments = segments.exclude(pk=segment.pk)
        return [(s.pk, s.name) for s in segments[:500]]
    if spec.family == "orders_category":
        return [(c.pk, str(c)) for c in Category.objects.order_by("name")[:500]]
    products = Product.objects.order_by("-is_active", "name")[:MAX_PRODUCT_CHOICES]
    return [(p.pk, p.name) for p in products]


def _input(
    row: builder.Row, spec: FieldSpec | None, user: Any, segment: Segment | None
) -> dict[str, Any]:
    """How a condition row's value is asked for, fitting the field's type and operator."""
    if spec is None:
        return {"ops": [], "kind": "none", "label": ""}
    ops = [(op.value, OPERATOR_LABELS[op]()) for op in spec.ops()]
    op = row.op if row.op in {o for o, _l in ops} else ops[0][0]
    row.op = op
    choices: list[tuple[Any, str]] | None = (
        [(v, str(label)) for v, label in spec.choices] if spec.choices is not None else None
    )
    if spec.type == FieldType.REFERENCE:
        choices = _reference_choices(spec, user, segment)
    if op in (Op.IS_EMPTY, Op.IS_NOT_EMPTY):
        kind = "none"
    elif op in (Op.WITHIN_LAST_DAYS, Op.WITHIN_NEXT_DAYS):
        kind = "days"
    elif spec.type == FieldType.BOOLEAN:
        kind, choices = "select", [("true", _("Yes")), ("false", _("No"))]
    elif choices is not None:
        kind = "multi" if op in (Op.IN, Op.NOT_IN) else "select"
    elif spec.type in (FieldType.NUMBER, FieldType.MONEY):
        kind = "number"
    elif spec.type in (FieldType.DATE, FieldType.DATETIME):
        kind = "date"
    else:
        kind = "list" if op in (Op.IN, Op.NOT_IN) else "text"
    return {
        "ops": ops,
        "kind": kind,
        "between": op == Op.BETWEEN,
        "choices": [(str(v), label) for v, label in choices or []],
        "windowed": spec.windowed,
        "label": f"{spec.group} · {spec.label}",
    }


def _decorate(
    row: builder.Row, fields: dict[str, FieldSpec], user: Any, segment: Segment | None
) -> None:
    if row.is_group:
        for child in row.children:
            _decorate(child, fields, user, segment)
        return
    row.input = _input(row, fields.get(row.field), user, segment)  # type: ignore[attr-defined]


def _check(root: builder.Row, fields: dict[str, FieldSpec]) -> tuple[Any, RuleError | None, str]:
    """The rule of the rows, its first error (None: valid), and the row that error is on."""
    rule, places = builder.rule_from_rows(root, fields)
    try:
        selectors.parse_rule(rule, fields)
    except RuleError as exc:
        return rule, exc, builder.place_of(exc.path, places)
    return rule, None, ""


def _builder_context(
    request: Request, root: builder.Row, segment: Segment | None
) -> dict[str, Any]:
    fields = field_catalog()
    _decorate(root, fields, request.user, segment)
    return {
        "root": root,
        "field_options_url": reverse("segments:field_options"),
        "builder_url": reverse("segments:builder"),
        "preview_url": reverse("segments:preview"),
        "segment": segment,
    }


@login_required
@require_POST
def builder_update(request: Request) -> HttpResponse:
    """The builder re-drawn after a change of structure (add, remove, a new field or op)."""
    root = builder.rows_from_form(request.POST)
    action = request.POST.get("action", "")
    if action:
        root = builder.apply_action(root, action)
    segment = _segment_from_post(request)
    return render(
        request, "segments/builder.html#builder", _builder_context(request, root, segment)
    )


def _segment_from_post(request: Request) -> Segment | None:
    raw = request.POST.get("segment") or ""
    if not raw.isdigit():
        return None
    return selectors.segments_for(request.user).filter(pk=int(raw)).first()


@login_required
@require_POST
def preview(request: Request) -> HttpResponse:
    """The live count and sample (or the first error, shown on its row as well)."""
    fields = field_catalog()
    root = builder.rows_from_form(request.POST)
    rule, error, place = _check(root, fields)
    context: dict[str, Any] = {"error": None, "place": place}
    if error is None:
        try:
            count, sample = selectors.preview(request.user, selectors.parse_rule(rule, fields))
            context.update(count=count, sample=sample)
        except RuleError as exc:
            error = exc
    if error is not None:
        context["error"] = word(error)
    return render(request, "segments/preview.html", context)


@login_required
@require_GET
def field_options(request: Request) -> HttpResponse:
    """The fields matching ?q= (label, group or name), as the combobox's listbox."""
    q = (request.GET.get("q") or "").strip().casefold()
    found = [
        spec
        for spec in field_catalog().values()
        if not q or q in f"{spec.group} {spec.label} {spec.name}".casefold()
    ][:60]
    return render(request, "segments/field_options.html", {"fields": found, "q": q})


def _save(request: Request, segment: Segment | None) -> HttpResponse:
    fields = field_catalog()
    kind = request.POST.get("kind") or (segment.kind if segment else SegmentKind.DYNAMIC)
    root = builder.rows_from_form(request.POST)
    data: dict[str, Any] = {
        "name": request.POST.get("name", ""),
        "description": request.POST.get("description", ""),
        "kind": kind,
    }
    if kind == SegmentKind.DYNAMIC:
        data["rule"], _places = builder.rule_from_rows(root, fields)
    else:
        data["rule"] = None
    try:
        if segment is None:
            segment = services.segment_create(actor=request.user, data=data)
        else:
            segment = services.segment_update(actor=request.user, segment=segment, data=data)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        context = _builder_context(request, root, segment)
        context.update(form=data, errors=_errors(exc, root, fields))
        return render(request, "segments/builder.html", context, status=422)
    messages.success(request, _("Segment saved."))
    return redirect("segments:segment_detail", pk=segment.pk)


def _errors(
    exc: ValidationError, root: builder.Row, fields: dict[str, FieldSpec]
) -> dict[str, str]:
    """Field errors by form field; a rule's error by the row it is on ("rule" + place)."""
    _rule, places = builder.rule_from_rows(root, fields)
    found: dict[str, str] = {}
    for key, texts in exc.message_dict.items():
        if key.startswith("rule"):
            found.setdefault("rule", " ".join(texts))
            found.setdefault(f"row:{builder.place_of(key, places)}", " ".join(texts))
        else:
            found.setdefault(key, " ".join(texts))
    return found


@login_required
def segment_create(request: Request) -> HttpResponse:
    if not visibility.can_create(request.user, "segments"):
        raise PermissionDenied(_("Your role cannot create segments."))
    if request.method == "POST":
        return _save(request, None)
    root = builder.Row(place="r", kind="all", children=[builder.Row(place="r-0", kind="cond")])
    rule = request.GET.get("rule")
    if rule:
        with contextlib.suppress(ValueError):
            root = builder.rows_from_rule(json.loads(rule))
    context = _builder_context(request, root, None)
    context["form"] = {"name": request.GET.get("name", ""), "kind": SegmentKind.DYNAMIC}
    return render(request, "segments/builder.html", context)


@login_required
def segment_edit(request: Request, pk: int) -> HttpResponse:
    segment = get_visible_or_404(selectors.segments_for(request.user), pk)
    if not visibility.can(request.user, "change", segment):
        raise PermissionDenied(_("You cannot change this segment."))
    if request.method == "POST":
        return _save(request, segment)
    root = (
        builder.rows_from_rule(segment.rule)
        if segment.is_dynamic
        else builder.Row(place="r", kind="all", children=[builder.Row(place="r-0", kind="cond")])
    )
    context = _builder_context(request, root, segment)
    context["form"] = {
        "name": segment.name,
        "description": segment.description,
        "kind": segment.kind,
    }
    return render(request, "segments/builder.html", context)


# --- "Save as segment" from the contact list -------------------------------------------------


def _add_listed(request: Request, segment_id: int, params: Any) -> HttpResponse:
    """The contacts the list shows now, added to a static segment."""
    segment = get_visible_or_404(selectors.segments_for(request.user), segment_id)
    contacts = CONTACT_FILTERS.apply(contacts_for(request.user), params, request.user)
    try:
        added = services.members_add_filtered(
            actor=request.user, segment=segment, contacts=contacts
        )
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("segments:segment_detail", pk=segment.pk)
    messages.success(request, _("%(count)s contacts added.") % {"count": added})
    return redirect("segments:segment_detail", pk=segment.pk)


@login_required
@require_POST
def save_from_contacts(request: Request) -> HttpResponse:
    """The contact list's current filters as a segment: a dynamic one when every filter has a
    rule of the same meaning, else a static list of the contacts listed now."""
    if not visibility.can_create(request.user, "segments"):
        raise PermissionDenied(_("Your role cannot create segments."))
    params = request.POST.copy()
    name = (params.pop("segment_name", [""]) or [""])[0]
    target = (params.pop("segment_target", [""]) or [""])[0]
    params.pop("csrfmiddlewaretoken", None)
    if target.isdigit():
        return _add_listed(request, int(target), params)
    rule = rule_from_contact_filters(CONTACT_FILTERS.parse(params))
    try:
        if rule is not None:
            segment = services.segment_create(actor=request.user, data={"name": name, "rule": rule})
        else:
            segment = services.segment_create(
                actor=request.user, data={"name": name, "kind": SegmentKind.STATIC}
            )
            contacts = CONTACT_FILTERS.apply(contacts_for(request.user), params, request.user)
            services.members_add_filtered(actor=request.user, segment=segment, contacts=contacts)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        back = reverse("contacts:contact_list")
        return redirect(f"{back}?{params.urlencode()}" if params else back)
    except RuleError as exc:
        raise as_validation_error(exc) from exc
    messages.success(request, _("Segment saved."))
    return redirect("segments:segment_detail", pk=segment.pk)
