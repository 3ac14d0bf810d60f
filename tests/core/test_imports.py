"""The import engine: whole-file problems, ragged rows, reports, jobs and saved mappings."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapport.contacts.models import Contact
from rapport.core.cells import parse_date, parse_datetime
from rapport.core.imports import (
    error_report_csv,
    import_file,
    import_job_create,
    job_error_report,
    kinds,
    mapping_for,
    mapping_save,
)
from rapport.core.models import AuditEntry, ImportJob
from rapport.core.views.imports import job_figures


def test_every_kind_is_registered_by_its_app():
    assert kinds() == ["contacts", "leads", "orders", "products"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "This file cannot be read: The file is empty."),
        (b"first_name,email\n", "The file has a header but no rows."),
        (
            bytes(range(256)) * 10,
            "This file cannot be read: This does not look like a table: save it as CSV or XLSX.",
        ),
    ],
)
def test_unusable_file_is_one_file_error_and_commits_nothing(users, data, message):
    result = import_file(kind="contacts", data=data, actor=users["admin"])
    assert [(e.row, e.message) for e in result.errors] == [(None, message)]
    assert (result.committed, Contact.objects.count()) == (False, 0)


def test_ragged_row_is_reported_and_blocks_the_file(users):
    data = b"first_name;last_name\nOlena;Koval\nTaras;Bondar;extra\n"
    result = import_file(kind="contacts", data=data, actor=users["admin"])
    assert [(e.row, e.message) for e in result.errors] == [
        (3, "This row has 3 cells but the header has 2.")
    ]
    assert (result.total_rows, Contact.objects.count()) == (2, 0)


def test_formula_cells_are_stored_as_text_and_reports_are_defused(users):
    data = b'first_name,last_name\n"=HYPERLINK(""http://x"")",@SUM(A1)\n'
    result = import_file(kind="contacts", data=data, actor=users["admin"])
    assert result.created == 1
    assert Contact.objects.values_list("first_name", "last_name").get() == (
        '=HYPERLINK("http://x")',
        "@SUM(A1)",
    )
    report = error_report_csv([(2, "=cmd", "+danger")]).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(report))) == [
        ["row", "column", "message"],
        ["2", "'=cmd", "'+danger"],
    ]


@pytest.mark.parametrize(
    ("text", "iso"),
    [("2024-03-31", "2024-03-31"), ("31.03.2024", "2024-03-31"), ("31/03/2024", "2024-03-31"),
     ("1.3.2024", "2024-03-01")],
)  # fmt: skip
def test_dates_are_read_in_iso_and_day_first_forms(text, iso):
    assert parse_date(text).isoformat() == iso


def test_naive_times_are_read_in_the_local_zone():
    assert parse_datetime("31.03.2024 10:30").isoformat() == "2024-03-31T10:30:00+03:00"
    assert parse_datetime("2024-03-31T07:30:00Z").isoformat() == "2024-03-31T07:30:00+00:00"


def test_upload_job_runs_in_the_background_and_keeps_its_report(
    users, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("people.csv", b"first_name,email\nOlena,o@example.com\nBad,nope\n")
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(
            actor=users["admin"], kind="contacts", upload=upload, skip_invalid=True
        )
    job.refresh_from_db()
    assert (
        job.status,
        job.total_rows,
        job.processed_rows,
        job.created_count,
        job.skipped_count,
        job.error_count,
    ) == (
        ImportJob.Status.DONE,
        2,
        2,
        1,
        1,
        1,
    )
    assert job.percent == 100
    report = job_error_report(job).decode("utf-8-sig").splitlines()
    assert report[0] == "row,column,message"
    assert report[1].startswith("3,email,Enter a valid e-mail address")
    olena = Contact.objects.get()
    assert olena.first_name == "Olena"
    created = AuditEntry.objects.get(subject_contact_id=olena.pk, action="create")
    assert (created.actor, created.changes) == (
        users["admin"],
        {"import": [None, f"import #{job.pk} of people.csv, row 2"]},
    )


def test_job_with_errors_is_rejected_and_writes_nothing(
    users, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("people.csv", b"first_name,email\nOlena,o@example.com\nBad,nope\n")
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(actor=users["admin"], kind="contacts", upload=upload)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.error_count) == (ImportJob.Status.REJECTED, 0, 1)
    assert Contact.objects.count() == 0


def test_mapping_is_saved_per_user_and_kind(users):
    mapping_save(
        user=users["manager"], kind="contacts", mapping={"Who": "first_name", "Skip": None}
    )
    mapping_save(user=users["manager"], kind="contacts", mapping={"Who": "last_name"})
    assert mapping_for(user=users["manager"], kind="contacts") == {"Who": "last_name"}
    assert mapping_for(user=users["manager"], kind="leads") == {}
    assert mapping_for(user=users["admin"], kind="contacts") == {}


def test_unknown_kind_names_the_known_ones(users):
    with pytest.raises(ValueError, match="choose from: contacts, leads, orders, products"):
        import_file(kind="pets", data=b"a\n1\n", actor=users["admin"])


@pytest.mark.django_db(transaction=True)
def test_new_rows_never_take_the_id_of_a_deleted_one():
    """Bulk writers pick ids themselves; one freed at the top must not come back, or the
    deleted row's audit trail would show on the new one."""
    from rapport.contacts.models import Contact
    from rapport.core.bulk import next_free_id, reserve_ids
    from tests.factories import ContactFactory

    last = ContactFactory()
    last_id = last.pk
    last.delete()

    assert next_free_id("contacts_contact") == last_id + 1
    assert reserve_ids(Contact, 2) == [last_id + 1, last_id + 2]


def test_a_jobs_figures_are_the_ones_its_importer_declares():
    # the counts a job stored, and one its importer added to the report
    def job(kind, dry_run):
        return ImportJob(
            kind=kind, dry_run=dry_run, created_count=4, updated_count=2,
            details={"unchanged": 3, "report": {"contacts_created": 1}},
        )  # fmt: skip

    assert job_figures(job("contacts", dry_run=False)) == [
        (4, "new"), (2, "updated"), (3, "unchanged"),
    ]  # fmt: skip
    assert job_figures(job("contacts", dry_run=True)) == [
        (4, "would be new"), (2, "would be updated"), (3, "unchanged"),
    ]  # fmt: skip
    assert job_figures(job("segment_members", dry_run=False)) == [
        (4, "added to the segment"), (3, "already members"), (1, "contacts created"),
    ]  # fmt: skip
    # a kind no longer registered still shows a record import's figures
    assert job_figures(job("pets", dry_run=False)) == [
        (4, "new"), (2, "updated"), (3, "unchanged"),
    ]  # fmt: skip
    # a report without the importer's key (no contact was created): zero
    assert job_figures(ImportJob(kind="segment_members", dry_run=True, created_count=1)) == [
        (1, "would be added"), (0, "already members"), (0, "contacts would be created"),
    ]  # fmt: skip
