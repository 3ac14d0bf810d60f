"""Importing members of a static segment from a CSV or XLSX file.

Each row names one contact by its external id, e-mail or phone (E.164, read as the contact
import reads it); the contact must be one the importing user may see. A row matching no such
contact is an error naming the row, unless `create_missing` is on: then the unmatched rows
go through the contact import (the same checks, duplicates and audit) and the contacts it
creates become members. The engine (core/imports.py) runs it all in one transaction and
commits nothing when a row has an error, unless invalid rows are to be skipped.

Options (`ImportContext.options`): `segment` (its id, required), `create_missing` (bool).
"""

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.contacts.imports import ContactImporter
from rapport.contacts.models import Contact, ContactEmail, ContactPhone
from rapport.contacts.normalize import normalize_email, normalize_phone
from rapport.contacts.selectors import contacts_for
from rapport.core import permissions
from rapport.core.imports import (
    FILE,
    Counts,
    FieldSpec,
    ImportContext,
    Importer,
    import_file,
    importer_for,
    max_upload_bytes,
)
from rapport.segments.models import Segment
from rapport.segments.selectors import segments_for
from rapport.segments.services import ID_BATCH, check_static, members_enter, members_present

KIND = "segment_members"
KEYS = ("external_id", "email", "phone")  # the order a row's contact is looked up in


@dataclass
class _Row:
    number: int
    cells: list[str]
    external_id: str = ""
    email: str = ""
    phone: str = ""


def _chunks[T](values: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(values), ID_BATCH):
        yield values[start : start + ID_BATCH]


def _lookup(rows: list[_Row]) -> dict[str, dict[str, int]]:
    """Each key's values in the file → the contact holding it (any contact: who may see it
    is decided afterwards, so that a row is never matched to a second, visible contact)."""
    found: dict[str, dict[str, int]] = {key: {} for key in KEYS}
    wanted = {key: sorted({getattr(r, key) for r in rows} - {""}) for key in KEYS}
    for values in _chunks(wanted["external_id"]):
        rows_found = Contact.objects.filter(external_id__in=values).values_list("external_id", "id")
        found["external_id"].update((str(external), pk) for external, pk in rows_found)
    for values in _chunks(wanted["email"]):
        found["email"].update(
            ContactEmail.objects.filter(email__in=values).values_list("email", "contact_id")
        )
    for values in _chunks(wanted["phone"]):
        found["phone"].update(
            ContactPhone.objects.filter(number__in=values).values_list("number", "contact_id")
        )
    return found


class SegmentMemberImporter(Importer):
    """Members of a static segment, named by external id, e-mail or phone."""

    kind = KIND
    label = "Segment members"
    required = [list(KEYS)]
    standalone = False  # needs a segment: started from the segment's page, not /imports/

    def fields(self) -> list[FieldSpec]:
        # The contact import's fields: a file that may create contacts names them as it would.
        return ContactImporter().fields()

    def check_actor(self, actor: Any) -> None:
        if not permissions.allows(actor, "segments", "change"):
            raise PermissionError(_("Your role cannot change segments."))

    def origin(self, options: dict[str, Any]) -> tuple[str, str] | None:
        segment_id = options.get("segment")
        if not isinstance(segment_id, int):
            return None
        return reverse("segments:segment_detail", args=[segment_id]), _("Back to the segment")

    def figures(self, dry_run: bool) -> list[tuple[str, str]]:
        # Counts.created: contacts added to the segment; unchanged: already members; the
        # contacts the contact import created for unmatched rows are in the report.
        if dry_run:
            return [
                ("created", _("would be added")),
                ("unchanged", _("already members")),
                ("contacts_created", _("contacts would be created")),
            ]
        return [
            ("created", _("added to the segment")),
            ("unchanged", _("already members")),
            ("contacts_created", _("contacts created")),
        ]

    def _segment(self, ctx: ImportContext) -> Segment | None:
        segment_id = ctx.options.get("segment")
        segment = (
            segments_for(ctx.actor).filter(pk=int(segment_id)).first()
            if isinstance(segment_id, int)
            else None
        )
        if segment is None:
            ctx.error(FILE, "", _("No such segment (or you may not see it)."))
            return None
        try:
            check_static(ctx.actor, segment)
        except PermissionError as exc:
            ctx.error(FILE, "", str(exc))
            return None
        except ValidationError as exc:
            for message in exc.messages:
                ctx.error(FILE, "", message)
            return None
        return segment

    def _read(self, rows: Iterator[tuple[int, list[str]]], ctx: ImportContext) -> list[_Row]:
        """Rows with their identifiers normalised; a row with a bad or no identifier is
        reported and left out."""
        read: list[_Row] = []
        for number, cells in rows:
            values = ctx.as_dict(cells)
            row = _Row(number, cells, external_id=(values.get("external_id") or "").strip())
            bad = False
            for key, normalize in (("email", normalize_email), ("phone", normalize_phone)):
                raw = (values.get(key) or "").strip()
                if not raw:
                    continue
                try:
                    setattr(row, key, normalize(raw))
                except ValidationError as exc:
                    ctx.validation_error(number, exc, key)
                    bad = True
            if bad:
                continue
            if not (row.external_id or row.email or row.phone):
                ctx.error(number, "email", _("Give an external id, an e-mail or a phone."))
                continue
            read.append(row)
        return read

    def _match(self, row: _Row, found: dict[str, dict[str, int]], ctx: ImportContext) -> int | None:
        """The one contact a row names (None: none); reports a row naming two."""
        matches = {
            key: found[key][getattr(row, key)] for key in KEYS if getattr(row, key) in found[key]
        }
        ids = set(matches.values())
        if len(ids) > 1:
            named = ", ".join(f"{ctx.columns.get(k, k)} → #{v}" for k, v in matches.items())
            ctx.error(
                row.number,
                next(iter(matches)),
                _("This row names different contacts: %(matches)s.") % {"matches": named},
            )
            return None
        return ids.pop() if ids else None

    def run(self, rows: Iterator[tuple[int, list[str]]], ctx: ImportContext) -> Counts:
        segment = self._segment(ctx)
        if segment is None:
            for _row in rows:  # still read, so the row count is right
                pass
            return Counts()
        create = bool(ctx.options.get("create_missing"))
        if create:
            try:
                ContactImporter().check_actor(ctx.actor)
            except PermissionError as exc:
                ctx.error(FILE, "", str(exc))
                create = False
        read = self._read(rows, ctx)
        found = _lookup(read)
        named = sorted({i for values in found.values() for i in values.values()})
        visible: set[int] = set()
        for batch in _chunks(named):
            visible.update(
                contacts_for(ctx.actor).filter(pk__in=batch).values_list("pk", flat=True)
            )
        ids: list[int] = []
        missing: list[_Row] = []
        for row in read:
            errors = ctx.error_count
            match = self._match(row, found, ctx)
            if ctx.error_count > errors:
                continue
            if match is not None and match in visible:
                ids.append(match)
            elif match is None and create:
                missing.append(row)
            else:  # an invisible contact is reported as no contact at all: it stays unseen
                ctx.error(row.number, self._key(row), self._unmatched(row, ctx))
        if missing:
            ids.extend(self._create(missing, ctx))
        return self._enter(segment, ids, ctx)

    @staticmethod
    def _key(row: _Row) -> str:
        return next(key for key in KEYS if getattr(row, key))

    @staticmethod
    def _unmatched(row: _Row, ctx: ImportContext) -> str:
        named = ", ".join(
            f"{ctx.columns.get(key, key)} {getattr(row, key)}" for key in KEYS if getattr(row, key)
        )
        return _("No contact you may see has %(values)s.") % {"values": named}

    def _create(self, missing: list[_Row], ctx: ImportContext) -> list[int]:
        """The contacts the contact import creates for unmatched rows (their ids once
        written; in a dry run, nothing is written, so each row stands for one)."""
        counts = ContactImporter().run(iter((r.number, r.cells) for r in missing), ctx)
        if isinstance(report := ctx.options.get("report"), dict):
            report["contacts_created"] = counts.created
        accepted = [r for r in missing if r.number not in ctx.invalid_rows]
        if not ctx.should_write:  # nothing was written: a placeholder per accepted row
            return [-r.number for r in accepted]
        found = _lookup(accepted)
        return [m for r in accepted if (m := self._match(r, found, ctx)) is not None]

    def _enter(self, segment: Segment, ids: list[int], ctx: ImportContext) -> Counts:
        unique = list(dict.fromkeys(ids))
        real = [i for i in unique if i > 0]
        present = members_present(segment, real)
        counts = Counts(created=len(unique) - len(present), unchanged=len(present))
        if ctx.should_write and real:
            members_enter(segment=segment, contact_ids=real, now=timezone.now())
        return counts


def decoded(text: str) -> bytes:
    """A file sent as base64 in a JSON body (a ValidationError naming `file` otherwise)."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"file": [_("Send the file's bytes base64-encoded.")]}) from None
    if len(data) > (limit := max_upload_bytes()):
        message = _("The file is too big; split it (at most %(max)s bytes).") % {"max": limit}
        raise ValidationError({"file": [message]})
    return data


def import_members(
    *,
    actor: Any,
    segment: Segment,
    data: bytes,
    filename: str,
    mapping: dict[str, Any] | None = None,
    create_missing: bool = False,
    dry_run: bool = False,
    skip_invalid: bool = False,
) -> dict[str, Any]:
    """Import a file of members at once (the API; the web page runs the same as a job):
    what happened, as JSON-ready data."""
    importer_for(KIND).check_actor(actor)
    check_static(actor, segment)
    report: dict[str, Any] = {}
    result = import_file(
        kind=KIND,
        data=data,
        filename=filename,
        actor=actor,
        mapping=mapping,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        options={"segment": segment.pk, "create_missing": create_missing, "report": report},
    )
    written = result.committed or result.dry_run
    return {
        "committed": result.committed,
        "dry_run": result.dry_run,
        "rows": result.total_rows,
        "added": result.created if written else 0,
        "already_members": result.unchanged if written else 0,
        "contacts_created": report.get("contacts_created", 0) if written else 0,
        "skipped": result.skipped,
        "error_count": result.error_count,
        "row_errors": [
            {"row": e.row, "column": e.column, "message": e.message} for e in result.errors
        ],
        "summary": result.summary(report),
    }
