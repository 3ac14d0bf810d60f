"""A static segment's "Import members" pages: upload a CSV or XLSX file naming contacts by
external id, e-mail or phone → a preview (first rows, the column mapping, and a dry run's
result with every row error) → "Import", which runs the `segment_members` importer
(core/imports.py) as a background job with the chosen mapping.

The steps are the contact import's (core/views/imports.py stages the upload and a worker reads
it, never this request); only the segment and the options are this page's own. Nothing is
written to the segment until the user presses "Import".
"""

import os
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.core import import_previews, imports
from rapport.core.http import Request, get_visible_or_404
from rapport.core.imports import max_upload_bytes
from rapport.core.models import ImportJob
from rapport.core.tabular import Row
from rapport.core.views import imports as import_steps
from rapport.core.views.imports import EXTENSIONS, UploadForm
from rapport.segments import selectors, services
from rapport.segments.imports import KEYS, KIND
from rapport.segments.models import Segment

CHECK_RUNNING = {ImportJob.Status.PENDING, ImportJob.Status.RUNNING}


class MemberImportForm(UploadForm):
    create_missing = forms.BooleanField(
        label=gettext_lazy("Create contacts that are not found (the file then needs names)"),
        required=False,
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("Skip invalid rows (otherwise nothing is added while a row has errors)"),
        required=False,
    )


def _segment(request: Request, pk: int) -> tuple[Segment, str]:
    """The segment (404 unless visible; 403 unless the role may change it) and why its members
    cannot be imported ("" when they can: a dynamic segment follows its rule)."""
    segment = get_visible_or_404(selectors.segments_for(request.user), pk)
    try:
        services.check_static(request.user, segment)
        imports.importer_for(KIND).check_actor(request.user)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        return segment, " ".join(exc.messages)
    return segment, ""


def _options(data: Any) -> dict[str, bool]:
    return {
        "create_missing": bool(data.get("create_missing")),
        "skip_invalid": bool(data.get("skip_invalid")),
    }


def _check(
    request: Request,
    segment: Segment,
    entry: dict[str, Any],
    mapping: dict[str, str | None],
    options: dict[str, bool],
    *,
    dry_run: bool,
) -> ImportJob:
    """A background job importing the staged file: a dry run (the preview's check) or the
    import itself."""
    with transaction.atomic():
        return imports.import_job_create(
            actor=request.user,
            kind=KIND,
            upload=ContentFile(import_steps.staged_data(entry), name=entry["name"]),
            mapping=mapping,
            dry_run=dry_run,
            skip_invalid=options["skip_invalid"],
            options={"segment": segment.pk, "create_missing": options["create_missing"]},
        )


def _check_job(request: Request, entry: dict[str, Any]) -> ImportJob | None:
    """The upload's latest check (a dry-run job of the user's own)."""
    check = entry.get("check")
    if not isinstance(check, int):
        return None
    return ImportJob.objects.filter(pk=check, created_by=request.user, dry_run=True).first()


def _drop_check(request: Request, entry: dict[str, Any]) -> None:
    """Remove the dry run of an upload that turned out unreadable (its report says only that)."""
    job = _check_job(request, entry)
    if job is not None:
        job.file.delete(save=False)
        job.delete()


@login_required
def member_import(request: Request, pk: int) -> HttpResponse:
    segment, problem = _segment(request, pk)
    form = MemberImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not problem and form.is_valid():
        upload = form.cleaned_data["file"]
        name = os.path.basename(upload.name)[:255]
        options = _options(form.cleaned_data)
        token = import_steps.stage_upload(
            request, KIND, name, upload.read(), extra={"segment": segment.pk, **options}
        )
        entry = import_steps.staged_entry(request, KIND, token)
        if entry is not None:  # checked at once with the guessed mapping ({}: the suggestion)
            job = _check(request, segment, entry, {}, options, dry_run=True)
            import_steps.staged_update(request, token, check=job.pk)
        return redirect("segments:member_import_preview", pk=segment.pk, token=token)
    context: dict[str, Any] = {
        "segment": segment,
        "form": form,
        "problem": problem,
        "keys": KEYS,
        "max_size": max_upload_bytes(),
        "extensions": ", ".join(EXTENSIONS),
    }
    return render(request, "segments/import.html", context, status=422 if form.errors else 200)


def _check_context(request: Request, entry: dict[str, Any]) -> dict[str, Any]:
    job = _check_job(request, entry)
    if job is None:
        return {"check": None}
    errors = job.errors or []
    return {
        "check": job,
        "check_running": job.status in CHECK_RUNNING,
        "figures": import_steps.job_figures(job),  # the importer's: a dry run's wording
        "errors": errors[: import_steps.REPORT_ROWS],
        "errors_cut": job.error_count > min(len(errors), import_steps.REPORT_ROWS),
    }


@login_required
def member_import_preview(request: Request, pk: int, token: str) -> HttpResponse:
    segment, problem = _segment(request, pk)
    entry = import_steps.staged_entry(request, KIND, token)
    if problem or entry is None or entry.get("segment") != segment.pk:
        messages.warning(request, _("That upload has expired; please upload the file again."))
        return redirect("segments:member_import", pk=segment.pk)
    if request.GET.get("part") == "check":  # the dry run's section, polled while it runs
        return render(
            request,
            "segments/import_preview.html#check",
            {"segment": segment, "token": token, **_check_context(request, entry)},
        )
    result = import_previews.staged_preview(entry["path"])
    base = {"segment": segment, "token": token, "name": entry["name"]}
    template = "segments/import_preview.html"
    if result is None or (request.htmx and request.method == "GET"):
        return import_steps.while_reading(
            request, ready=result is not None, template=template, context=base
        )
    if "error" in result:
        _drop_check(request, entry)
        import_steps.unstage(request, token)
        messages.error(request, result["error"])
        return redirect("segments:member_import", pk=segment.pk)
    importer = imports.importer_for(KIND)
    headers: list[str] = result["headers"]
    specs = importer.fields()
    errors: list[str] = []
    if request.method == "POST":
        mapping, errors = import_steps.posted_mapping(request, headers, specs)
        options = _options(request.POST)
        resolved = imports.resolve_mapping(headers, specs, mapping, importer.required, importer)
        errors.extend(resolved.errors)
        if not errors:
            importing = request.POST.get("action") == "import"
            job = _check(request, segment, entry, mapping, options, dry_run=not importing)
            if importing:
                import_steps.unstage(request, token)
                return redirect("core:import_job", pk=job.pk)
            import_steps.staged_update(request, token, check=job.pk, mapping=mapping, **options)
            return redirect("segments:member_import_preview", pk=segment.pk, token=token)
    else:
        mapping = entry.get("mapping") or imports.suggested_mapping(KIND, headers)
        options = _options(entry)
    rows = [Row(*row) for row in result["rows"]]
    context = {
        **base,
        **_check_context(request, entry),
        "table": result,
        "columns": import_steps.preview_columns(headers, rows, mapping),
        "rows": rows,
        "specs": specs,
        "mapping_errors": errors,
        "options": options,
        "estimated_rows": result["estimated_rows"],
        "no_saved_mapping": True,
        **import_steps.field_help(importer),
    }
    return render(request, template, context, status=422 if errors else 200)
