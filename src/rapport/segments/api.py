"""REST endpoints for segments: CRUD, `GET segments/fields`, `POST segments/preview`,
`GET segments/{id}/members`, `/history`, static member add/remove/import and `/refresh`.

A segment is seen by the role rule's "segments" kind (its owner); its members by the
"contacts" kind, so a sales manager looking at any segment sees only their team's contacts.
A bad rule is a 422 naming the bad node's path (`rule.all[2].op`).
"""

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router
from ninja.responses import Status

from rapport.contacts.api import ContactOut, ContactPage, contacts_json
from rapport.contacts.selectors import CONTACT_ORDERINGS, contacts_for
from rapport.core.api.lists import page_of
from rapport.core.api.rendering import rendered
from rapport.core.api.schemas import (
    ErrorOut,
    Id,
    InputSchema,
    ListParams,
    OutSchema,
    Page,
)
from rapport.segments import imports as member_imports
from rapport.segments import selectors, services
from rapport.segments.catalog import describe, field_catalog
from rapport.segments.messages import as_validation_error
from rapport.segments.models import Segment
from rapport.segments.rules import RuleError

router = Router(tags=["segments"])

WRITE_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
KindValue = Literal["dynamic", "static"]
SegmentSort = Literal["name", "-created"]
MemberSort = Literal["-created", "created", "name", "-name"]
RULE_DOC = (
    'A group {"all": [...]}, {"any": [...]} or {"not": <node>}, or a condition '
    '{"field", "op", "value", "window_days"}; see GET segments/fields.'
)


class SegmentOut(OutSchema):
    id: int
    name: str
    description: str
    kind: str
    rule: dict[str, Any] | None = Field(description="The rule of a dynamic segment.")
    owner: int
    size: int | None = Field(description="Members at the last refresh (all of them).")
    refreshed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class SegmentPage(Page):
    items: list[SegmentOut]


class SegmentIn(InputSchema):
    name: str = Field(..., max_length=1000)
    description: str = Field("", max_length=5000)
    kind: KindValue = "dynamic"
    rule: dict[str, Any] | None = Field(None, description=RULE_DOC)
    owner: Id | None = Field(None, description="Default: you.")


class SegmentPatch(InputSchema):
    name: str | None = Field(None, max_length=1000)
    description: str | None = Field(None, max_length=5000)
    kind: KindValue | None = None
    rule: dict[str, Any] | None = Field(None, description=RULE_DOC)
    owner: Id | None = None


class PreviewIn(InputSchema):
    rule: dict[str, Any] = Field(..., description=RULE_DOC)


class PreviewOut(OutSchema):
    count: int = Field(description="Contacts you may see that match the rule now.")
    sample: list[ContactOut]


class MembersIn(InputSchema):
    contacts: list[Id] = Field(..., min_length=1, max_length=1000)


class MembersAdded(OutSchema):
    added: int


class MemberImportIn(InputSchema):
    file: str = Field(..., min_length=1, description="The CSV or XLSX file, base64-encoded.")
    filename: str = Field("members.csv", max_length=255, description="Its name (.csv or .xlsx).")
    mapping: dict[str, str | None] | None = Field(
        None, description='Column → field, e.g. {"E-mail": "email"}; by default from the headers.'
    )
    create_missing: bool = Field(
        False, description="Create contacts no row matches, through the contact import."
    )
    dry_run: bool = Field(False, description="Check and count only; nothing is written.")
    skip_invalid: bool = Field(False, description="Add the valid rows even if others have errors.")


class RowErrorOut(OutSchema):
    row: int | None = Field(description="The file's row number (1 is the header); null: the file.")
    column: str
    message: str


class MemberImportOut(OutSchema):
    committed: bool
    dry_run: bool
    rows: int
    added: int = Field(description="Contacts new to the segment (would be, in a dry run).")
    already_members: int
    contacts_created: int
    skipped: int = Field(description="Rows left out for their errors.")
    error_count: int
    row_errors: list[RowErrorOut]
    summary: str


class MemberImportRejected(ErrorOut):
    """A 422: the file's rows had errors and nothing was added (`report`), or the request
    itself was wrong (no `report`: a bad base64 file, a dynamic segment)."""

    report: MemberImportOut | None = None


class OperatorOut(OutSchema):
    op: str
    label: str


class ChoiceOut(OutSchema):
    value: str | int
    label: str


class FieldOut(OutSchema):
    field: str
    label: str
    group: str
    type: str
    operators: list[OperatorOut]
    choices: list[ChoiceOut] | None
    window: bool = Field(description="Whether the field takes `window_days`.")


class SnapshotOut(OutSchema):
    at: dt.datetime
    size: int
    entered: int
    left: int


class HistoryPage(Page):
    items: list[SnapshotOut]


class SegmentListParams(ListParams):
    sort: SegmentSort = "name"
    kind: KindValue | None = None


class MemberListParams(ListParams):
    sort: MemberSort = "-created"


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def segment_json(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.pk,
        "name": segment.name,
        "description": segment.description,
        "kind": segment.kind,
        "rule": segment.rule,
        "owner": segment.owner_id,
        "size": segment.size,
        "refreshed_at": segment.refreshed_at,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
    }


def _segment_or_404(request: HttpRequest, segment_id: int) -> Segment:
    return get_object_or_404(selectors.segments_for(_user(request)), pk=segment_id)


@router.get("", response=SegmentPage, exclude_unset=True, url_name="segment_list")
def segment_list(request: HttpRequest, filters: Query[SegmentListParams]) -> dict[str, Any]:
    """Segments the caller may see, by name."""
    segments = selectors.segments_for(_user(request))
    if filters.kind:
        segments = segments.filter(kind=filters.kind)
    return page_of(
        segments,
        ordering=selectors.SEGMENT_ORDERINGS[filters.sort],
        params=filters,
        serialize=segment_json,
    )


@router.post("", response={201: SegmentOut, **WRITE_ERRORS}, url_name="segment_create")
def segment_create(request: HttpRequest, payload: SegmentIn) -> Status[dict[str, Any]]:
    """A dynamic segment (a rule) or a static one (members added later)."""
    segment = services.segment_create(actor=_user(request), data=payload.model_dump())
    return Status(201, segment_json(Segment.objects.get(pk=segment.pk)))


@router.get("/fields", response=list[FieldOut], url_name="segment_fields")
def segment_fields(request: HttpRequest) -> list[dict[str, Any]]:
    """Every field a rule may name: its type, operators and (for choices) the allowed values,
    with labels in the caller's language."""
    return [describe(spec) for spec in field_catalog().values()]


@router.post("/preview", response={200: PreviewOut, 422: ErrorOut}, url_name="segment_preview")
def segment_preview(request: HttpRequest, payload: PreviewIn) -> HttpResponse:
    """How many contacts you may see match a rule now, and the newest ten of them."""
    user = _user(request)
    try:
        count, sample = selectors.preview(user, selectors.parse_rule(payload.rule))
    except RuleError as exc:
        raise as_validation_error(exc) from None
    return rendered({"count": count, "sample": contacts_json(sample)})


@router.get(
    "/{int:segment_id}", response={200: SegmentOut, 404: ErrorOut}, url_name="segment_detail"
)
def segment_detail(request: HttpRequest, segment_id: Id) -> dict[str, Any]:
    return segment_json(_segment_or_404(request, segment_id))


@router.patch(
    "/{int:segment_id}", response={200: SegmentOut, **WRITE_ERRORS}, url_name="segment_update"
)
def segment_update(request: HttpRequest, segment_id: Id, payload: SegmentPatch) -> dict[str, Any]:
    """Change the fields sent; a new rule is checked as on creation (and for cycles)."""
    segment = services.segment_update(
        actor=_user(request),
        segment=_segment_or_404(request, segment_id),
        data=payload.model_dump(exclude_unset=True),
    )
    return segment_json(Segment.objects.get(pk=segment.pk))


@router.delete("/{int:segment_id}", response={204: None, **WRITE_ERRORS}, url_name="segment_delete")
def segment_delete(request: HttpRequest, segment_id: Id) -> Status[None]:
    """Delete a segment no other segment names."""
    services.segment_delete(actor=_user(request), segment=_segment_or_404(request, segment_id))
    return Status(204, None)


@router.get(
    "/{int:segment_id}/members",
    response={200: ContactPage, 404: ErrorOut},
    exclude_unset=True,
    url_name="segment_members",
)
def segment_members(
    request: HttpRequest, segment_id: Id, filters: Query[MemberListParams]
) -> HttpResponse:
    """The members you may see, as contacts (a dynamic segment: matching its rule now)."""
    user = _user(request)
    segment = _segment_or_404(request, segment_id)
    try:
        members = selectors.members_for(user, segment)
    except RuleError as exc:
        raise as_validation_error(exc) from None
    return rendered(
        page_of(
            members,
            ordering=CONTACT_ORDERINGS[filters.sort],
            params=filters,
            serialize_page=contacts_json,
        )
    )


@router.post(
    "/{int:segment_id}/members",
    response={200: MembersAdded, **WRITE_ERRORS},
    url_name="segment_members_add",
)
def segment_members_add(request: HttpRequest, segment_id: Id, payload: MembersIn) -> dict[str, Any]:
    """Put contacts on a static segment; `added` counts those not on it before."""
    added = services.members_add(
        actor=_user(request),
        segment=_segment_or_404(request, segment_id),
        contact_ids=list(payload.contacts),
    )
    return {"added": added}


@router.post(
    "/{int:segment_id}/members/import",
    response={200: MemberImportOut, 422: MemberImportRejected, 403: ErrorOut, 404: ErrorOut},
    url_name="segment_members_import",
)
def segment_members_import(request: HttpRequest, segment_id: Id, payload: MemberImportIn) -> Any:
    """Put the contacts a CSV or XLSX file names (by external id, e-mail or phone) on a
    static segment, at once. A file with errors adds nothing (422, every bad row reported
    with its number and reason) unless `skip_invalid`."""
    segment = _segment_or_404(request, segment_id)
    report = member_imports.import_members(
        actor=_user(request),
        segment=segment,
        data=member_imports.decoded(payload.file),
        filename=payload.filename,
        mapping=payload.mapping,
        create_missing=payload.create_missing,
        dry_run=payload.dry_run,
        skip_invalid=payload.skip_invalid,
    )
    if report["committed"] or (report["dry_run"] and report["error_count"] == 0):
        return report
    return Status(
        422,
        {
            "detail": report["summary"],
            "errors": [{"field": "file", "message": report["summary"]}],
            "report": report,
        },
    )


@router.delete(
    "/{int:segment_id}/members/{int:contact_id}",
    response={204: None, **WRITE_ERRORS},
    url_name="segment_member_remove",
)
def segment_member_remove(request: HttpRequest, segment_id: Id, contact_id: Id) -> Status[None]:
    """Take a contact off a static segment (404 when it is not on it)."""
    user = _user(request)
    segment = _segment_or_404(request, segment_id)
    contact = get_object_or_404(contacts_for(user), pk=contact_id)
    if not services.member_remove(actor=user, segment=segment, contact=contact):
        raise Http404(_("This contact is not on the segment."))
    return Status(204, None)


@router.get(
    "/{int:segment_id}/history",
    response={200: HistoryPage, 404: ErrorOut},
    exclude_unset=True,
    url_name="segment_history",
)
def segment_history(
    request: HttpRequest, segment_id: Id, filters: Query[ListParams]
) -> dict[str, Any]:
    """One row per refresh, newest first: size, and how many entered and left."""
    segment = _segment_or_404(request, segment_id)
    return page_of(
        selectors.snapshots(segment),
        ordering=["-at", "-id"],
        params=filters,
        serialize=lambda s: {"at": s.at, "size": s.size, "entered": s.entered, "left": s.left},
    )


@router.post(
    "/{int:segment_id}/refresh",
    response={200: SnapshotOut, **WRITE_ERRORS},
    url_name="segment_refresh",
)
def segment_refresh(request: HttpRequest, segment_id: Id) -> dict[str, Any]:
    """Refresh now: records a snapshot (size, who entered and who left)."""
    segment = _segment_or_404(request, segment_id)
    if not services.may_refresh(_user(request), segment):
        raise PermissionError(_("You cannot refresh this segment."))
    try:
        snapshot = services.segment_refresh(segment=segment)
    except RuleError as exc:
        raise as_validation_error(exc) from None
    return {
        "at": snapshot.at,
        "size": snapshot.size,
        "entered": snapshot.entered,
        "left": snapshot.left,
    }
