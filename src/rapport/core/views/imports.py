"""Importing a CSV or XLSX file: upload → preview with the column mapping → a background job
whose page shows progress and then the per-row report.

The engine (core/imports.py) decides who may import what, checks every row and commits
nothing when the file has errors unless invalid rows are to be skipped; these views only
stage the upload, let the user confirm the mapping, and show what the job did.
"""

import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from rapport.core import import_previews, imports
from rapport.core.forms import PicoForm
from rapport.core.http import Request, get_visible_or_404
from rapport.core.imports import FieldSpec, Importer, max_upload_bytes
from rapport.core.models import ImportJob, ImportKind
from rapport.core.tabular import Row, header_key

EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")
REPORT_ROWS = 200  # error rows shown on the job page; the CSV download has them all
RECENT_JOBS = 20
STAGED_DIR = "imports/staged"
# Uploads nobody confirmed are customer data lying around: removed after this long.
STAGED_MAX_AGE = dt.timedelta(hours=24)
SESSION_KEY = "rapport.imports.staged"
RUNNING = {ImportJob.Status.PENDING, ImportJob.Status.RUNNING, ImportJob.Status.WRITING}


def _importer(request: Request, kind: str) -> Importer:
    """The importer for `kind`; 404 for an unknown kind, 403 when the role may not use it."""
    if kind not in ImportKind.values:
        raise Http404
    try:
        importer = imports.importer_for(kind)
    except ValueError as exc:
        raise Http404 from exc
    try:
        importer.check_actor(request.user)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    return importer


def allowed_kinds(user: Any) -> list[tuple[str, str]]:
    """(kind, label) of each import the user's role may run."""
    allowed = []
    for value, label in ImportKind.choices:
        try:
            importer = imports.importer_for(value)
            importer.check_actor(user)
        except (PermissionError, ValueError):
            continue
        if not importer.standalone:
            continue
        allowed.append((value, str(label)))
    return allowed


def kind_label(kind: str) -> str:
    return str(dict(ImportKind.choices).get(kind, kind))


# --- upload -----------------------------------------------------------------------------------


class UploadForm(PicoForm):
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = os.path.basename(upload.name or "")
        if not name.lower().endswith(EXTENSIONS):
            raise ValidationError(
                _("“%(name)s” is not a CSV or XLSX file; save the sheet as CSV or XLSX.")
                % {"name": name}
            )
        limit = max_upload_bytes()
        if upload.size > limit:
            raise ValidationError(
                _(
                    "The file is %(size)s; the upload page takes files up to %(max)s. "
                    "Split it, or ask an administrator to run `rapport import`."
                )
                % {"size": filesizeformat(upload.size), "max": filesizeformat(limit)}
            )
        if upload.size == 0:
            raise ValidationError(_("The file is empty."))
        return upload


def stage_upload(
    request: Request, kind: str, name: str, data: bytes, extra: dict[str, Any] | None = None
) -> str:
    """Keep the upload until the user confirms the mapping (the session holds its key, and
    `extra`: what the importer's own page needs, such as a segment) and queue its reading."""
    remove_abandoned_uploads()
    token = secrets.token_urlsafe(16)
    extension = os.path.splitext(name)[1].lower()
    path = default_storage.save(f"{STAGED_DIR}/{token}{extension}", ContentFile(data))
    staged = dict(request.session.get(SESSION_KEY, {}))
    # One pending upload per kind: a new one replaces (and removes) the older file.
    for old_token, entry in list(staged.items()):
        if entry.get("kind") == kind:
            default_storage.delete(entry["path"])
            default_storage.delete(import_previews.preview_path(entry["path"]))
            del staged[old_token]
    staged[token] = {**(extra or {}), "kind": kind, "name": name, "path": path}
    request.session[SESSION_KEY] = staged
    # parsed by the worker, never here: the preview page waits for it
    import_previews.preview_enqueue(staged_path=path, filename=name)
    return token


def staged_update(request: Request, token: str, **values: Any) -> None:
    """Remember more about a staged upload (the mapping and options last checked)."""
    staged = dict(request.session.get(SESSION_KEY, {}))
    if token in staged:
        staged[token] = {**staged[token], **values}
        request.session[SESSION_KEY] = staged


def remove_abandoned_uploads() -> int:
    """Delete staged files older than STAGED_MAX_AGE (of any user: their sessions may be gone);
    how many. Each upload sweeps, and so does the hourly job core.purge_expired."""
    try:
        _dirs, files = default_storage.listdir(STAGED_DIR)
    except FileNotFoundError:
        return 0
    oldest = timezone.now() - STAGED_MAX_AGE
    removed = 0
    for name in files:
        path = f"{STAGED_DIR}/{name}"
        try:
            if default_storage.get_modified_time(path) < oldest:
                default_storage.delete(path)
                removed += 1
        except FileNotFoundError:  # removed meanwhile by another request
            continue
    return removed


def unstage(request: Request, token: str) -> None:
    staged = dict(request.session.get(SESSION_KEY, {}))
    entry = staged.pop(token, None)
    if entry:
        default_storage.delete(entry["path"])
        default_storage.delete(import_previews.preview_path(entry["path"]))
    request.session[SESSION_KEY] = staged


def field_help(importer: Importer) -> dict[str, Any]:
    specs = importer.fields()
    labels = {s.name: s.label for s in specs}
    return {
        "fields": specs,
        "required": [[labels.get(name, name) for name in group] for group in importer.required],
    }


@login_required
def upload(request: Request, kind: str) -> HttpResponse:
    importer = _importer(request, kind)
    if not importer.standalone:  # started from its own page, which gives its options
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        name = os.path.basename(file.name)[:255]
        token = stage_upload(request, kind, name, file.read())
        return redirect("core:import_preview", kind=kind, token=token)
    return render(
        request,
        "core/imports/upload.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": kind_label(kind),
            "max_size": max_upload_bytes(),
            "extensions": ", ".join(EXTENSIONS),
            "jobs": _recent_jobs(request, kind)[:5],
            **field_help(importer),
        },
    )


# --- preview and mapping ----------------------------------------------------------------------


@dataclass
class PreviewColumn:
    index: int
    header: str
    target: str | None
    samples: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"col_{self.index}"


def _initial_mapping(user: Any, kind: str, headers: list[str]) -> dict[str, str | None]:
    """The user's saved mapping where it names a column, else the suggestion from headers."""
    suggested = imports.suggested_mapping(kind, headers)
    saved = {header_key(k): v for k, v in imports.mapping_for(user=user, kind=kind).items()}
    return {
        header: saved[header_key(header)] if header_key(header) in saved else suggested[header]
        for header in headers
    }


def posted_mapping(
    request: Request, headers: list[str], specs: list[FieldSpec]
) -> tuple[dict[str, str | None], list[str]]:
    """The mapping chosen in the preview's selects (`col_<index>`), and what is wrong with it."""
    names = {s.name for s in specs}
    mapping: dict[str, str | None] = {}
    errors: list[str] = []
    for index, header in enumerate(headers):
        value = request.POST.get(f"col_{index}", "")
        if value and value not in names:
            errors.append(
                _("Choose a field or “ignore” for column “%(header)s”.") % {"header": header}
            )
            value = ""
        mapping[header] = value or None
    return mapping, errors


def preview_columns(
    headers: list[str], rows: list[Row], mapping: dict[str, str | None]
) -> list[PreviewColumn]:
    """Each column of the file with its chosen field and first values, for the mapping table."""
    return [
        PreviewColumn(
            index,
            header,
            mapping.get(header),
            # the non-empty ones: a sparse column still shows what it holds
            [row.cells[index] for row in rows if index < len(row.cells) and row.cells[index]],
        )
        for index, header in enumerate(headers)
    ]


def staged_data(entry: dict[str, Any]) -> bytes:
    with default_storage.open(entry["path"], "rb") as handle:
        data: bytes = handle.read()
    return data


def staged_entry(request: Request, kind: str, token: str) -> dict[str, Any] | None:
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if not entry or entry.get("kind") != kind or not default_storage.exists(entry["path"]):
        return None
    return dict(entry)


def while_reading(
    request: Request, *, ready: bool, template: str, context: dict[str, Any]
) -> HttpResponse:
    """The answer while the worker reads a staged upload: the page saying so, or its polled
    section; once it is read, a poll reloads the whole page (the preview)."""
    if ready:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if request.htmx:
        return render(request, "core/imports/_waiting.html")
    return render(request, template, {**context, "waiting": True})


@login_required
def preview(request: Request, kind: str, token: str) -> HttpResponse:
    importer = _importer(request, kind)
    if not importer.standalone:
        raise Http404
    entry = staged_entry(request, kind, token)
    if entry is None:
        messages.warning(request, _("That upload has expired; please upload the file again."))
        return redirect("core:import_upload", kind=kind)
    result = import_previews.staged_preview(entry["path"])
    context = {"kind": kind, "kind_label": kind_label(kind), "name": entry["name"]}
    if result is None or (request.htmx and request.method == "GET"):
        return while_reading(
            request, ready=result is not None, template="core/imports/preview.html", context=context
        )
    if "error" in result:
        unstage(request, token)
        messages.error(request, result["error"])
        return redirect("core:import_upload", kind=kind)
    headers = result["headers"]
    rows = [Row(*row) for row in result["rows"]]
    specs: list[FieldSpec] = importer.fields()
    errors: list[str] = []
    options = {"skip_invalid": False, "save_mapping": True}
    if request.method == "POST":
        mapping, errors = posted_mapping(request, headers, specs)
        options = {
            "skip_invalid": bool(request.POST.get("skip_invalid")),
            "save_mapping": bool(request.POST.get("save_mapping")),
        }
        resolved = imports.resolve_mapping(headers, specs, mapping, importer.required, importer)
        errors.extend(resolved.errors)
        if not errors:
            return _start(request, kind, token, entry, staged_data(entry), mapping, options)
    else:
        mapping = _initial_mapping(request.user, kind, headers)
    columns = preview_columns(headers, rows, mapping)
    return render(
        request,
        "core/imports/preview.html",
        {
            "kind": kind,
            "kind_label": kind_label(kind),
            "token": token,
            "name": entry["name"],
            "table": result,
            "columns": columns,
            "rows": rows,
            "specs": specs,
            "errors": errors,
            "options": options,
            "estimated_rows": result["estimated_rows"],
            **field_help(importer),
        },
    )


def _start(
    request: Request,
    kind: str,
    token: str,
    entry: dict[str, Any],
    data: bytes,
    mapping: dict[str, str | None],
    options: dict[str, bool],
) -> HttpResponse:
    dry_run = request.POST.get("action") == "dry_run"
    try:
        with transaction.atomic():
            if options["save_mapping"]:
                imports.mapping_save(user=request.user, kind=kind, mapping=mapping)
            job = imports.import_job_create(
                actor=request.user,
                kind=kind,
                upload=ContentFile(data, name=entry["name"]),
                mapping=mapping,
                dry_run=dry_run,
                skip_invalid=options["skip_invalid"],
            )
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    unstage(request, token)
    return redirect("core:import_job", pk=job.pk)


# --- jobs -------------------------------------------------------------------------------------


def _recent_jobs(request: Request, kind: str | None = None) -> list[ImportJob]:
    jobs = ImportJob.objects.filter(created_by=request.user)
    if kind:
        jobs = jobs.filter(kind=kind)
    return list(jobs.order_by("-created_at", "-id")[:RECENT_JOBS])


def _job(request: Request, pk: int) -> ImportJob:
    """One of the viewer's own jobs (its file and report are theirs), else 404."""
    return get_visible_or_404(ImportJob.objects.filter(created_by=request.user), pk)


@login_required
def job_list(request: Request) -> HttpResponse:
    kinds = allowed_kinds(request.user)
    if not kinds:
        raise PermissionDenied(_("Your role cannot import records."))
    return render(
        request, "core/imports/list.html", {"kinds": kinds, "jobs": _recent_jobs(request)}
    )


def job_figures(job: ImportJob) -> list[tuple[int, str]]:
    """(count, label) of each figure the job's importer declares, from the job's counts and
    the counts its importer added to the report."""
    details = job.details or {}
    counts = {
        **(details.get("report") or {}),
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": details.get("unchanged", 0),
    }
    return imports.figures_of(job.kind, job.dry_run, counts)


def job_context(job: ImportJob) -> dict[str, Any]:
    details = job.details or {}
    errors = job.errors or []
    finished = job.status not in RUNNING
    file_error = any(error[0] is None for error in errors)
    try:
        origin = imports.importer_for(job.kind).origin(details.get("options") or {})
    except ValueError:  # a kind no longer registered: its report still shows
        origin = None
    return {
        "job": job,
        "origin": origin,
        "figures": job_figures(job),
        "kind_label": kind_label(job.kind),
        "running": job.status in RUNNING,
        "writing": job.status == ImportJob.Status.WRITING,
        "finished": finished,
        "ignored_columns": details.get("ignored_columns", []),
        "encoding": details.get("encoding", ""),
        "errors": errors[:REPORT_ROWS],
        "errors_cut": job.error_count > min(len(errors), REPORT_ROWS),
        "file_error": file_error,
        # after a dry run: import the same file for real; after a rejected import: again,
        # skipping the invalid rows. Neither makes sense when the file as a whole is unusable.
        "can_import_now": finished and job.dry_run and job.total_rows > 0 and not file_error,
        "can_skip_invalid": finished
        and not job.dry_run
        and job.status == ImportJob.Status.REJECTED
        and job.total_rows > 0
        and not file_error,
    }


@login_required
def job_detail(request: Request, pk: int) -> HttpResponse:
    job = _job(request, pk)
    context = job_context(job)
    if request.htmx:
        return render(request, "core/imports/job.html#status", context)
    return render(request, "core/imports/job.html", context)


@login_required
def job_errors(request: Request, pk: int) -> HttpResponse:
    job = _job(request, pk)
    response = HttpResponse(imports.job_error_report(job), content_type="text/csv; charset=utf-8")
    stem = os.path.splitext(job.original_name)[0] or "import"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:80]
    response["Content-Disposition"] = f'attachment; filename="{safe}-errors.csv"'
    return response


@login_required
@require_POST
def job_run(request: Request, pk: int) -> HttpResponse:
    """Import a checked file for real (after a dry run), or again skipping invalid rows."""
    job = _job(request, pk)
    _importer(request, job.kind)
    if job.status in RUNNING:
        messages.warning(request, _("This import is still running."))
        return redirect("core:import_job", pk=job.pk)
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError, ValueError):
        messages.error(request, _("The uploaded file is no longer kept; please upload it again."))
        return redirect("core:import_upload", kind=job.kind)
    with transaction.atomic():
        new_job = imports.import_job_create(
            actor=request.user,
            kind=job.kind,
            upload=ContentFile(data, name=job.original_name),
            mapping=job.mapping,
            dry_run=False,
            skip_invalid=bool(request.POST.get("skip_invalid")),
            options=(job.details or {}).get("options"),
        )
    return redirect("core:import_job", pk=new_job.pk)
