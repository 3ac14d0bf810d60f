"""A static segment's "Import members" page: upload a CSV or XLSX file naming contacts by
external id, e-mail or phone; the import runs as a background job (core/imports.py, the
`segment_members` importer) whose page shows progress and the per-row report."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from rapport.core import imports
from rapport.core.http import Request, get_visible_or_404
from rapport.core.imports import max_upload_bytes
from rapport.core.views.imports import EXTENSIONS, UploadForm
from rapport.segments import selectors, services
from rapport.segments.imports import KEYS, KIND


class MemberImportForm(UploadForm):
    create_missing = forms.BooleanField(
        label=gettext_lazy("Create contacts that are not found (the file then needs names)"),
        required=False,
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("Skip invalid rows (otherwise nothing is added while a row has errors)"),
        required=False,
    )


@login_required
def member_import(request: Request, pk: int) -> HttpResponse:
    segment = get_visible_or_404(selectors.segments_for(request.user), pk)
    form = MemberImportForm(request.POST or None, request.FILES or None)
    problem = ""
    try:
        services.check_static(request.user, segment)
        imports.importer_for(KIND).check_actor(request.user)
    except PermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        problem = " ".join(exc.messages)
    if request.method == "POST" and not problem and form.is_valid():
        upload = form.cleaned_data["file"]
        with transaction.atomic():
            job = imports.import_job_create(
                actor=request.user,
                kind=KIND,
                upload=upload,
                dry_run=request.POST.get("action") == "dry_run",
                skip_invalid=form.cleaned_data["skip_invalid"],
                options={
                    "segment": segment.pk,
                    "create_missing": form.cleaned_data["create_missing"],
                },
            )
        return redirect("core:import_job", pk=job.pk)
    context: dict[str, Any] = {
        "segment": segment,
        "form": form,
        "problem": problem,
        "keys": KEYS,
        "max_size": max_upload_bytes(),
        "extensions": ", ".join(EXTENSIONS),
    }
    return render(request, "segments/import.html", context, status=422 if form.errors else 200)
