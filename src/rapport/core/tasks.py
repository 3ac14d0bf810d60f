"""Background work of core: previewing an upload and running an import (progress on the
ImportJob row). Uploaded files are only ever parsed here, never in a web request."""

import json
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from rapport.core import import_previews, imports
from rapport.core.models import ImportJob
from rapport.core.tabular import Table

log = logging.getLogger(__name__)
PROGRESS_EVERY = 2000  # rows between progress writes


@task()
def preview_upload(staged_path: str, filename: str) -> None:
    """Write the header and first rows of a staged upload next to it, for the mapping page.
    Idempotent; a file removed meanwhile (expired, replaced) is left alone."""
    target = import_previews.preview_path(staged_path)
    if default_storage.exists(target):
        return
    try:
        with default_storage.open(staged_path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return
    result = import_previews.preview_table(data, filename)
    default_storage.save(target, ContentFile(json.dumps(result, ensure_ascii=False).encode()))


@task()
def run_import(job_id: int) -> None:
    """Run an ImportJob. Idempotent: a job that already finished is left alone.

    Rows are first checked in a dry run whose progress is saved as it goes (outside any
    transaction, so the upload page can show it); only a file that may be written is then
    imported for real, in one transaction. A file with errors never takes the write lock.
    """
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status not in {ImportJob.Status.PENDING, ImportJob.Status.RUNNING}:
        return
    job.status = ImportJob.Status.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at", "updated_at"])
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
        state = {"done": 0, "saved": 0}
        # counts an importer adds beyond its Counts (a member import's contacts created)
        report: dict[str, int] = {}

        def on_table(table: Table) -> None:
            ImportJob.objects.filter(pk=job.pk).update(total_rows=table.estimated_rows)

        def progress(rows: int) -> None:
            state["done"] += rows
            if state["done"] - state["saved"] >= PROGRESS_EVERY:
                state["saved"] = state["done"]
                ImportJob.objects.filter(pk=job.pk).update(processed_rows=state["done"])

        options = {
            "kind": job.kind,
            "data": data,
            "filename": job.original_name,
            "actor": job.created_by,
            "mapping": job.mapping or None,
            "skip_invalid": job.skip_invalid,
            # new records' audit entries name the job; an importer's own options (a
            # segment import's segment) were stored with it
            "options": {**(job.details or {}).get("options", {}), "job": job.pk, "report": report},
        }
        result = imports.import_file(**options, dry_run=True, progress=progress, on_table=on_table)
        if not job.dry_run and (result.ok or job.skip_invalid) and result.total_rows:
            ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.WRITING)
            result = imports.import_file(**options, dry_run=False)
    except Exception:
        log.exception("import job %s failed", job_id)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, finished_at=timezone.now()
        )
        raise
    if result.committed or (job.dry_run and result.ok):
        status = ImportJob.Status.DONE
    else:
        status = ImportJob.Status.REJECTED
    if not job.dry_run and not result.committed:
        # the counts of the checking pass said what would happen; nothing did
        result.created = result.updated = result.unchanged = 0
        report.clear()
        result.skipped = result.total_rows
        result.dry_run = False
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=status,
            total_rows=result.total_rows,
            processed_rows=result.total_rows,
            created_count=result.created,
            updated_count=result.updated,
            skipped_count=result.skipped,
            error_count=result.error_count,
            errors=[e.as_list() for e in result.errors[:10_000]],
            details={
                **result.details(),
                "summary": result.summary(report),
                **({"options": job.details["options"]} if "options" in (job.details or {}) else {}),
                **({"report": report} if report else {}),
            },
            finished_at=timezone.now(),
        )
