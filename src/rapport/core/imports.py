"""The import engine: file → mapped rows → an importer per kind → a summary and error report.

Each domain app registers the importers it owns (contacts, leads, orders, products) from its
AppConfig.ready(), so core never imports a higher app. An import checks every row and reports
each problem with its row number, column and message; it writes in one transaction and
commits only when the file is clean, unless invalid rows are to be skipped. A dry run writes
nothing and reports what would happen.
"""

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.core import permissions
from rapport.core.export import Column, write_csv
from rapport.core.tabular import Table, TableError, header_key, read_table, suggest_mapping

if TYPE_CHECKING:
    from rapport.core.models import ImportJob

# The largest file the upload page (and the API) accepts; bigger imports belong to
# `rapport import`.
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Errors kept in memory and stored on a job; the count beyond this is still exact.
MAX_REPORTED_ERRORS = 100_000
FILE = None  # the "row" of an error about the file as a whole


def max_upload_bytes() -> int:
    return int(getattr(settings, "RAPPORT_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class FieldSpec:
    """A field an importer fills, with the header names that suggest it."""

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    multiple: bool = False  # several columns may feed it; their values are joined with ";"


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    message: str

    def as_list(self) -> list[Any]:
        return [self.row, self.column, self.message]


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    kind: str
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    committed: bool = False
    format: str = ""
    encoding: str = ""
    delimiter: str = ""
    mapping: dict[str, str | None] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    unreadable: bool = False  # the file as a whole could not be read; nothing was

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def summary(self, report: dict[str, Any] | None = None) -> str:
        """One paragraph saying what happened (or would happen) to the file's rows, in the
        words of its importer's figures (a member import adds to a segment; `report` holds
        the counts an importer adds beside Counts')."""
        known = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        figures = figures_of(self.kind, self.dry_run, {**(report or {}), **known})
        if [label for _, label in figures] != [label for _, label in record_figures(self.dry_run)]:
            done = ", ".join(f"{count} {label}" for count, label in figures)
            counts = _("%(rows)s rows: %(figures)s, %(skipped)s skipped, %(errors)s errors.") % {
                "rows": self.total_rows,
                "figures": done,
                "skipped": self.skipped,
                "errors": self.error_count,
            }
            return f"{counts} {self._verdict()}"
        counts = _("%(rows)s rows: %(created)s new, %(updated)s updated, %(unchanged)s unchanged, "
                   "%(skipped)s skipped, %(errors)s errors.") % {
            "rows": self.total_rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "skipped": self.skipped, "errors": self.error_count,
        }  # fmt: skip
        return f"{counts} {self._verdict()}"

    def _verdict(self) -> str:
        if self.dry_run:
            verdict = _("Dry run: nothing was written.")
        elif self.committed:
            verdict = _("Imported.")
        else:
            verdict = ngettext(
                "Nothing was imported: %(n)d row has errors. Fix it, or choose to skip "
                "invalid rows.",
                "Nothing was imported: %(n)d rows have errors. Fix them, or choose to skip "
                "invalid rows.",
                self.error_count,
            ) % {"n": self.error_count}
        return verdict

    def details(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "mapping": self.mapping,
            "ignored_columns": self.ignored_columns,
            "unchanged": self.unchanged,
        }


class ImportContext:
    """What an importer needs while it runs: the options, the error sink, progress."""

    def __init__(
        self,
        *,
        actor: Any,
        fields: list[str],
        columns: dict[str, str],
        dry_run: bool,
        skip_invalid: bool,
        progress: Callable[[int], None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.actor = actor
        self.fields = fields  # the field each cell of a row holds, in order
        self.columns = columns  # field → the header it came from (for the report)
        self.dry_run = dry_run
        self.skip_invalid = skip_invalid
        self.options = options or {}
        self.errors: list[RowError] = []
        self.error_count = 0
        self.invalid_rows: set[int] = set()
        self.rows_seen = 0
        self._progress = progress

    def error(self, row: int | None, field_name: str, message: str) -> None:
        self.error_count += 1
        if row is not None:
            self.invalid_rows.add(row)
        if len(self.errors) < MAX_REPORTED_ERRORS:
            column = self.columns.get(field_name, field_name)
            self.errors.append(RowError(row, column, str(message)))

    def validation_error(self, row: int, exc: ValidationError, default_field: str = "") -> None:
        if hasattr(exc, "error_dict"):
            for field_name, messages in exc.message_dict.items():
                for message in messages:
                    self.error(row, field_name, message)
        else:
            for message in exc.messages:
                self.error(row, default_field, message)

    @property
    def should_write(self) -> bool:
        """Whether writes still matter: not a dry run, and the result will be committed."""
        return not self.dry_run and (self.skip_invalid or self.error_count == 0)

    def advance(self, rows: int) -> None:
        if self._progress is not None:
            self._progress(rows)

    def as_dict(self, cells: list[str]) -> dict[str, str]:
        return dict(zip(self.fields, cells, strict=True))


class Importer(ABC):
    """Imports one kind of record. Subclasses say which fields they read and write rows."""

    kind: str = ""
    label: str = ""
    # Each inner list: at least one of these fields must be mapped to a column.
    required: list[list[str]] = []
    # False: the importer needs options (a segment) and is started from its own page, so the
    # imports page does not offer it.
    standalone: bool = True

    @abstractmethod
    def fields(self) -> list[FieldSpec]:
        """The fields a file's columns may map to."""

    def check_actor(self, actor: Any) -> None:
        if not permissions.allows(actor, self.kind, "create"):
            raise PermissionError(_("Your role cannot import records."))

    def origin(self, options: dict[str, Any]) -> tuple[str, str] | None:
        """The page a job of this kind was started from (URL, link text), which its report
        links back to; None: the imports page, linked anyway."""
        return None

    def figures(self, dry_run: bool) -> list[tuple[str, str]]:
        """(count key, label) of what a job of this kind did, which its page shows between
        the rows read and the rows skipped. A key names a Counts field (created, updated,
        unchanged) or a count the importer adds to `options["report"]`."""
        return record_figures(dry_run)

    @abstractmethod
    def run(self, rows: Iterator[tuple[int, list[str]]], ctx: ImportContext) -> Counts:
        """Check every row, reporting problems to `ctx`; write while `ctx.should_write`."""


def figures_of(kind: str, dry_run: bool, counts: Mapping[str, int]) -> list[tuple[int, str]]:
    """(count, label) of each figure `kind`'s importer declares (a record import's for a kind
    no longer registered), the counts from Counts' fields and the importer's report."""
    importer = _REGISTRY.get(kind)
    figures = importer.figures(dry_run) if importer is not None else record_figures(dry_run)
    return [(int(counts.get(key, 0)), label) for key, label in figures]


def record_figures(dry_run: bool) -> list[tuple[str, str]]:
    """The figures of an import that writes records (and of a kind no longer registered)."""
    if dry_run:
        return [
            ("created", _("would be new")),
            ("updated", _("would be updated")),
            ("unchanged", _("unchanged")),
        ]
    return [("created", _("new")), ("updated", _("updated")), ("unchanged", _("unchanged"))]


_REGISTRY: dict[str, Importer] = {}


def register(importer: Importer) -> None:
    """Make an importer available to the CLI, the upload page and tasks (AppConfig.ready)."""
    _REGISTRY[importer.kind] = importer


def importer_for(kind: str) -> Importer:
    try:
        return _REGISTRY[kind]
    except KeyError:
        raise ValueError(
            _("Unknown import kind %(kind)s; choose from: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(sorted(_REGISTRY))}
        ) from None


def kinds() -> list[str]:
    """The kinds a file can be imported as on its own (`rapport import KIND FILE`); a segment's
    members need their segment, and are imported from its page or the API."""
    return sorted(kind for kind, importer in _REGISTRY.items() if importer.standalone)


# --- mapping ----------------------------------------------------------------------------------


def field_names(specs: list[FieldSpec], importer: "Importer | None" = None) -> dict[str, list[str]]:
    """Each field's names: its own, its aliases and, given the importer, its label in every
    interface language (an export made in Lithuanian has Lithuanian headers, and imports back
    for an English user)."""
    names: dict[str, list[str]] = {}
    for spec in specs:
        names.setdefault(spec.name, []).extend((spec.label, *spec.aliases))
    if importer is not None:
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for spec in importer.fields():
                    names.setdefault(spec.name, []).append(spec.label)
    return names


def suggested_mapping(kind: str, headers: list[str]) -> dict[str, str | None]:
    importer = importer_for(kind)
    return suggest_mapping(headers, field_names(importer.fields(), importer))


@dataclass
class ResolvedMapping:
    fields: list[str]  # one per output cell
    sources: list[list[int]]  # the column indexes feeding each field
    columns: dict[str, str]  # field → header text, for the report
    mapping: dict[str, str | None]
    ignored: list[str]
    errors: list[str]


def resolve_mapping(
    headers: list[str],
    specs: list[FieldSpec],
    given: dict[str, Any] | None,
    required: list[list[str]],
    importer: "Importer | None" = None,
) -> ResolvedMapping:
    """Join the suggested mapping with the user's; report unknown fields and double use."""
    by_name = {s.name: s for s in specs}
    mapping = suggest_mapping(headers, field_names(specs, importer))
    errors: list[str] = []
    if given:
        folded = {header_key(str(k)): v for k, v in given.items()}
        for header in headers:
            key = header_key(header)
            if key in folded:
                target = folded[key]
                mapping[header] = str(target).strip() if target not in (None, "") else None
    order: list[str] = []
    sources: dict[str, list[int]] = {}
    columns: dict[str, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        target = mapping.get(header)
        if target is None:
            ignored.append(header)
            continue
        if target not in by_name:
            errors.append(
                _(
                    "Column “%(header)s” is mapped to %(field)s, which is not a field here. "
                    "Fields: %(fields)s."
                )
                % {"header": header, "field": target, "fields": ", ".join(by_name)}
            )
            continue
        if target in sources and not by_name[target].multiple:
            errors.append(
                _("Columns “%(a)s” and “%(b)s” both hold %(field)s; map one of them elsewhere.")
                % {"a": columns[target], "b": header, "field": target}
            )
            continue
        if target not in sources:
            order.append(target)
            sources[target] = []
            columns[target] = header
        sources[target].append(index)
    for group in required:
        if not any(name in sources for name in group):
            errors.append(
                _("The file needs a column for %(fields)s.") % {"fields": _(" or ").join(group)}
            )
    return ResolvedMapping(
        fields=order,
        sources=[sources[name] for name in order],
        columns=columns,
        mapping=mapping,
        ignored=ignored,
        errors=errors,
    )


def _mapped_rows(
    table: Table, resolved: ResolvedMapping, ctx: ImportContext
) -> Iterator[tuple[int, list[str]]]:
    plain = [s[0] for s in resolved.sources]
    identity = all(len(s) == 1 for s in resolved.sources) and plain == list(
        range(len(table.headers))
    )
    multi = any(len(s) > 1 for s in resolved.sources)
    for number, cells, problem in table.rows:
        ctx.rows_seen += 1
        if problem is not None:
            ctx.error(number, "", problem)
            continue
        if identity:
            yield number, cells
        elif not multi:
            yield number, [cells[i] for i in plain]
        else:
            yield (
                number,
                [
                    "; ".join(v for v in (cells[i].strip() for i in idx) if v)
                    for idx in resolved.sources
                ],
            )


# --- running ----------------------------------------------------------------------------------


def import_table(
    *,
    kind: str,
    table: Table,
    actor: Any,
    mapping: dict[str, Any] | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    options: dict[str, Any] | None = None,
) -> ImportResult:
    importer = importer_for(kind)
    importer.check_actor(actor)
    resolved = resolve_mapping(
        table.headers, importer.fields(), mapping, importer.required, importer
    )
    result = ImportResult(
        kind=kind,
        dry_run=dry_run,
        format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        mapping=resolved.mapping,
        ignored_columns=resolved.ignored,
    )
    if resolved.errors:
        result.errors = [RowError(FILE, "", message) for message in resolved.errors]
        result.error_count = len(result.errors)
        return result
    ctx = ImportContext(
        actor=actor,
        fields=resolved.fields,
        columns=resolved.columns,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        progress=progress,
        options=options,
    )
    if dry_run:
        counts = importer.run(_mapped_rows(table, resolved, ctx), ctx)
        committed = False
    else:
        with transaction.atomic():
            counts = importer.run(_mapped_rows(table, resolved, ctx), ctx)
            committed = ctx.should_write
            if not committed:
                transaction.set_rollback(True)
    result.total_rows = ctx.rows_seen
    result.errors = sorted(ctx.errors, key=lambda e: e.row or 0)
    result.error_count = ctx.error_count
    result.committed = committed
    if committed or dry_run:
        result.created, result.updated, result.unchanged = (
            counts.created,
            counts.updated,
            counts.unchanged,
        )
        result.skipped = len(ctx.invalid_rows)
    else:
        result.skipped = result.total_rows
    if result.total_rows == 0 and not result.errors:
        result.committed = False
        result.errors = [RowError(FILE, "", _("The file has a header but no rows."))]
        result.error_count = 1
    return result


def import_file(
    *,
    kind: str,
    data: bytes,
    filename: str = "",
    actor: Any,
    mapping: dict[str, Any] | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    on_table: Callable[[Table], None] | None = None,
    options: dict[str, Any] | None = None,
) -> ImportResult:
    """Import a CSV or XLSX file's bytes; never raises for bad content, only reports it.

    A file that cannot be read as a whole, up front or part-way through (a workbook whose
    sheet breaks after row 5000), is one file error and nothing is written.
    """
    importer_for(kind)
    try:
        table = read_table(data, filename)
        if on_table is not None:
            on_table(table)
        options = {"filename": os.path.basename(filename)[:255], **(options or {})}
        return import_table(
            kind=kind,
            table=table,
            actor=actor,
            mapping=mapping,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=progress,
            options=options,
        )
    except TableError as exc:
        return unreadable_result(kind=kind, dry_run=dry_run, reason=str(exc))


def unreadable_message(reason: str) -> str:
    return _("This file cannot be read: %(reason)s") % {"reason": reason}


def unreadable_result(*, kind: str, dry_run: bool, reason: str) -> ImportResult:
    return ImportResult(
        kind=kind,
        dry_run=dry_run,
        errors=[RowError(FILE, "", unreadable_message(reason))],
        error_count=1,
        unreadable=True,
    )


def error_report_csv(errors: Iterable[RowError | list[Any] | tuple[Any, ...]]) -> bytes:
    """The per-row error report as a CSV file (row, column, message)."""

    def as_tuple(error: Any) -> tuple[Any, Any, Any]:
        if isinstance(error, RowError):
            return error.row, error.column, error.message
        return error[0], error[1], error[2]

    columns = [
        Column(_("row"), lambda e: e[0] if e[0] is not None else _("file")),
        Column(_("column"), lambda e: e[1]),
        Column(_("message"), lambda e: e[2]),
    ]
    return write_csv((as_tuple(e) for e in errors), columns)


# --- jobs (the upload page) -------------------------------------------------------------------


def import_job_create(
    *,
    actor: Any,
    kind: str,
    upload: Any,
    mapping: dict[str, Any] | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    options: dict[str, Any] | None = None,
) -> "ImportJob":
    """Store an uploaded file as an ImportJob and queue `run_import` after commit.
    `options`: what the importer needs besides the file (JSON; a segment import's segment)."""
    from django.core.files.base import ContentFile

    from rapport.core.models import ImportJob
    from rapport.core.tasks import run_import

    importer_for(kind).check_actor(actor)
    name = os.path.basename(getattr(upload, "name", "") or "import.csv")[:255]
    content = upload if hasattr(upload, "chunks") else ContentFile(bytes(upload), name=name)
    job = ImportJob.objects.create(
        kind=kind,
        original_name=name,
        mapping=mapping or {},
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        created_by=actor,
        details={"options": options} if options else {},
    )
    job.file.save(name, content, save=True)
    transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def job_error_report(job: "ImportJob") -> bytes:
    """The job's per-row error report as CSV bytes, for download."""
    return error_report_csv(job.errors)


def mapping_save(*, user: Any, kind: str, mapping: dict[str, str | None]) -> None:
    """Remember a user's column mapping for a kind of import."""
    from rapport.core.models import ImportMapping

    importer_for(kind)
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()
    ):
        raise ValidationError({"mapping": [_('Give a mapping like {"Column": "field"}.')]})
    ImportMapping.objects.update_or_create(user=user, kind=kind, defaults={"mapping": mapping})


def mapping_for(*, user: Any, kind: str) -> dict[str, str | None]:
    from rapport.core.models import ImportMapping

    saved = ImportMapping.objects.filter(user=user, kind=kind).first()
    return dict(saved.mapping) if saved else {}
