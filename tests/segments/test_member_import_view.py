"""The segment page's "Import members" without a browser: upload → preview (first rows, the
column mapping, the dry run's result) → "Import" starts the background job with the chosen
mapping; nothing is added to the segment before that."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from rapport.contacts.models import Contact
from rapport.core.models import ImportJob
from rapport.segments import services
from rapport.segments.models import SegmentMember
from tests.api.conftest import make_contact

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

FILE = "Client code,E-mail,Remark\ncrm-1,,first\n,petro@example.com,already in\ncrm-9,,unknown\n"


def _static(actor, name="Called back"):
    return services.segment_create(actor=actor, data={"name": name, "kind": "static"})


def _members(segment):
    return sorted(
        SegmentMember.objects.filter(segment=segment).values_list("contact_id", flat=True)
    )


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _selected(html, column):
    select = re.search(rf'<select name="col_{column}".*?</select>', html, re.S).group(0)
    match = re.search(r'<option value="([^"]*)" selected>', select)
    return match.group(1) if match else ""


def _stats(html):
    """The check's figures, label → number, in page order."""
    section = re.search(r'<article id="member-check".*?</article>', html, re.S).group(0)
    found = re.findall(r"<strong>(\d+)</strong><span>([^<]+)</span>", section)
    return {label: int(number) for number, label in found}


def _job_stats(html):
    """The job page's figures, label → number, in page order."""
    section = re.search(r'<div class="stats">.*?\n    </div>', html, re.S).group(0)
    found = re.findall(r"<strong>(\d+)</strong><span>([^<]+)</span>", section)
    return {label: int(number) for number, label in found}


def _errors(html):
    rows = re.findall(
        r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>",
        re.search(r'<table class="dense striped errors">.*?</table>', html, re.S).group(0),
    )
    return [(row, column, message.replace("&#x27;", "'")) for row, column, message in rows]


def _upload(client, run_tasks, segment, name, data, **options):
    url = reverse("segments:member_import", args=[segment.pk])
    return run_tasks(client, url, {"file": SimpleUploadedFile(name, data), **options})


def test_upload_previews_checks_and_imports_with_the_chosen_mapping(users, run_tasks):
    # given Olena (crm-1), and Petro already on the list
    manager = users["manager"]
    olena = make_contact(manager, email="olena@example.com", external_id="crm-1")
    petro = make_contact(manager, first_name="Petro", email="petro@example.com")
    segment = _static(manager)
    services.members_add(actor=manager, segment=segment, contact_ids=[petro.pk])
    client = _client(manager)

    # when the file is uploaded: staged, read and checked with the guessed mapping
    uploaded = _upload(client, run_tasks, segment, "list.csv", FILE.encode())
    preview_url = uploaded["Location"]
    first = client.get(preview_url).text
    first_check = ImportJob.objects.get()

    # then the preview shows the guess, the first rows and what the guess would do
    assert re.fullmatch(rf"/segments/{segment.pk}/members/import/[\w-]+/", preview_url)
    assert [_selected(first, i) for i in range(3)] == ["", "email", ""]
    assert '<td title="crm-1">crm-1</td>' in first
    assert (first_check.dry_run, first_check.mapping) == (True, {})
    assert _stats(first) == {
        "rows": 3,
        "would be added": 0,
        "already members": 1,
        "contacts would be created": 0,
        "errors": 2,
    }
    assert _errors(first) == [
        ("2", "E-mail", "Give an external id, an e-mail or a phone."),
        ("4", "E-mail", "Give an external id, an e-mail or a phone."),
    ]

    # when the code column is mapped to the external id and checked again
    checked = run_tasks(
        client,
        preview_url,
        {"col_0": "external_id", "col_1": "email", "col_2": "", "action": "check"},
    )
    second = client.get(preview_url).text

    # then the new check counts Olena in and names the unknown code; nothing is written yet
    assert (checked.status_code, checked["Location"]) == (302, preview_url)
    assert [_selected(second, i) for i in range(3)] == ["external_id", "email", ""]
    assert _stats(second) == {
        "rows": 3,
        "would be added": 1,
        "already members": 1,
        "contacts would be created": 0,
        "errors": 1,
    }
    assert _errors(second) == [
        ("4", "Client code", "No contact you may see has Client code crm-9."),
    ]
    assert _members(segment) == [petro.pk]

    # when the user imports, skipping the invalid row
    imported = run_tasks(
        client,
        preview_url,
        {"col_0": "external_id", "col_1": "email", "col_2": "", "skip_invalid": "1",
         "action": "import"},
    )  # fmt: skip
    job = ImportJob.objects.latest("pk")

    # then the job used the chosen mapping, and the upload is gone from the session
    assert (imported.status_code, imported["Location"]) == (
        302, reverse("core:import_job", args=[job.pk]),
    )  # fmt: skip
    assert (job.dry_run, job.status, job.created_count, job.skipped_count) == (
        False, ImportJob.Status.DONE, 1, 1,
    )  # fmt: skip
    assert job.mapping == {"Client code": "external_id", "E-mail": "email", "Remark": None}
    assert ImportJob.objects.count() == 3
    assert _members(segment) == sorted([olena.pk, petro.pk])
    job_page = client.get(imported["Location"]).text
    assert (
        f'<a href="/segments/{segment.pk}/" class="secondary">Back to the segment</a>' in job_page
    )
    # and its page tells what the import did to the segment, not a contact import's figures
    assert _job_stats(job_page) == {
        "rows": 3,
        "added to the segment": 1,
        "already members": 1,
        "contacts created": 0,
        "skipped": 1,
        "errors": 1,
    }
    assert "1 invalid row was skipped; the report below lists it." in job_page
    # the check's own page (a dry run) says what would happen
    check_page = client.get(reverse("core:import_job", args=[first_check.pk])).text
    assert _job_stats(check_page) == {
        "rows": 3,
        "would be added": 0,
        "already members": 1,
        "contacts would be created": 0,
        "skipped": 2,
        "errors": 2,
    }
    expired = client.get(preview_url, follow=True)
    assert expired.redirect_chain == [(reverse("segments:member_import", args=[segment.pk]), 302)]
    assert "That upload has expired; please upload the file again." in expired.text


def test_the_check_counts_contacts_to_create_and_the_import_creates_them(users, run_tasks):
    manager = users["manager"]
    segment = _static(manager)
    client = _client(manager)
    data = b"email,first_name\nnew@example.com,Ieva\n"

    uploaded = _upload(client, run_tasks, segment, "new.csv", data, create_missing="on")
    page = client.get(uploaded["Location"]).text
    contacts_before_import = Contact.objects.count()
    imported = run_tasks(
        client,
        uploaded["Location"],
        {"col_0": "email", "col_1": "first_name", "create_missing": "1", "action": "import"},
    )
    job_page = client.get(imported["Location"]).text

    assert 'name="create_missing" value="1" checked' in page
    assert _stats(page) == {
        "rows": 1,
        "would be added": 1,
        "already members": 0,
        "contacts would be created": 1,
        "errors": 0,
    }
    assert "Every row can be imported." in page
    assert contacts_before_import == 0
    ieva = Contact.objects.get()
    assert (ieva.first_name, _members(segment)) == ("Ieva", [ieva.pk])
    assert _job_stats(job_page) == {
        "rows": 1,
        "added to the segment": 1,
        "already members": 0,
        "contacts created": 1,
        "skipped": 0,
        "errors": 0,
    }
    assert "Imported." in job_page


def test_a_rejected_member_import_shows_that_nothing_was_added(users, run_tasks):
    manager = users["manager"]
    make_contact(manager, email="olena@example.com", external_id="crm-1")
    segment = _static(manager)
    client = _client(manager)
    uploaded = _upload(client, run_tasks, segment, "list.csv", FILE.encode())

    imported = run_tasks(
        client,
        uploaded["Location"],
        {"col_0": "external_id", "col_1": "email", "col_2": "", "create_missing": "1",
         "action": "import"},
    )  # fmt: skip
    job_page = client.get(imported["Location"]).text

    assert "Nothing was imported." in job_page
    assert _job_stats(job_page) == {
        "rows": 3,
        "added to the segment": 0,
        "already members": 0,
        "contacts created": 0,
        "skipped": 3,
        "errors": 2,
    }
    assert _members(segment) == []
    assert Contact.objects.count() == 1


def test_mapping_mistakes_are_shown_and_nothing_is_started(users, run_tasks):
    manager = users["manager"]
    segment = _static(manager)
    client = _client(manager)
    uploaded = _upload(client, run_tasks, segment, "list.csv", FILE.encode())

    unknown = run_tasks(client, uploaded["Location"], {"col_0": "shoe_size", "action": "import"})
    no_key = run_tasks(client, uploaded["Location"], {"col_2": "notes", "action": "check"})

    assert unknown.status_code == 422
    assert "Choose a field or “ignore” for column “Client code”." in unknown.text
    assert no_key.status_code == 422
    assert "The file needs a column for external_id or email or phone." in no_key.text
    assert list(ImportJob.objects.values_list("dry_run", flat=True)) == [True]


def test_an_unreadable_file_is_answered_on_the_upload_page(users, run_tasks):
    manager = users["manager"]
    segment = _static(manager)
    client = _client(manager)

    not_a_table = _upload(client, run_tasks, segment, "list.pdf", b"%PDF-1.4")
    broken = _upload(client, run_tasks, segment, "list.xlsx", b"this is not a workbook")
    answer = client.get(broken["Location"], follow=True)

    assert not_a_table.status_code == 422
    assert "“list.pdf” is not a CSV or XLSX file; save the sheet as CSV or XLSX." in (
        not_a_table.text
    )
    assert answer.redirect_chain == [(reverse("segments:member_import", args=[segment.pk]), 302)]
    assert "This file cannot be read: The XLSX file is damaged or not a workbook." in answer.text
    assert 'type="file"' in answer.text
    assert (ImportJob.objects.count(), client.session["rapport.imports.staged"]) == (0, {})


def test_the_preview_waits_for_the_worker_and_then_reloads(users, run_tasks, monkeypatch):
    monkeypatch.setattr("rapport.core.import_previews.preview_enqueue", lambda **kwargs: None)
    manager = users["manager"]
    segment = _static(manager)
    client = _client(manager)
    uploaded = _upload(client, run_tasks, segment, "list.csv", FILE.encode())

    waiting = client.get(uploaded["Location"])
    polled = client.get(uploaded["Location"], headers={"HX-Request": "true"})
    from rapport.core.tasks import preview_upload

    staged = next(iter(client.session["rapport.imports.staged"].values()))
    preview_upload.call(staged["path"], "list.csv")
    ready = client.get(uploaded["Location"], headers={"HX-Request": "true"})
    check = client.get(uploaded["Location"] + "?part=check")

    assert "Reading the file…" in waiting.text
    assert 'hx-trigger="every 1s"' in polled.text
    assert (ready.status_code, ready["HX-Refresh"]) == (204, "true")
    assert check.text.count('<article id="member-check"') == 1
    assert "<html" not in check.text
    assert 'name="col_0"' in client.get(uploaded["Location"]).text


def test_only_those_who_may_change_the_segment_import(users, run_tasks):
    # given a manager's list with a staged upload
    segment = _static(users["manager"])
    owner = _client(users["manager"])
    uploaded = _upload(owner, run_tasks, segment, "list.csv", FILE.encode())
    upload_url = reverse("segments:member_import", args=[segment.pk])
    analyst = _client(users["analyst"])
    other_team = _client(users["manager2"])

    # when others try the pages (the analyst reads segments but changes none)
    read_only = analyst.get(upload_url)
    read_only_post = run_tasks(analyst, uploaded["Location"], {"col_0": "external_id",
                                                          "action": "import"})  # fmt: skip
    foreign = other_team.get(upload_url)
    foreign_preview = other_team.get(uploaded["Location"])

    assert (read_only.status_code, read_only_post.status_code) == (403, 403)
    assert (foreign.status_code, foreign_preview.status_code) == (404, 404)
    assert list(ImportJob.objects.values_list("created_by__username", "dry_run")) == [
        ("manager", True)
    ]
    assert _members(segment) == []


def test_import_members_page_refuses_dynamic_segments_and_foreign_ones(users):
    dynamic = services.segment_create(
        actor=users["manager"],
        data={"name": "Vilnius", "rule": {"field": "city", "op": "eq", "value": "Vilnius"}},
    )
    south = _static(users["manager2"], "South list")
    client = _client(users["manager"])

    on_dynamic = client.get(reverse("segments:member_import", args=[dynamic.pk]))
    on_south = client.get(reverse("segments:member_import", args=[south.pk]))
    generic = client.get(reverse("core:import_upload", args=["segment_members"]))

    assert on_dynamic.status_code == 200
    assert "follow its rule" in on_dynamic.content.decode()
    assert 'type="file"' not in on_dynamic.content.decode()
    assert (on_south.status_code, generic.status_code) == (404, 404)


def test_the_check_section_polls_until_the_dry_run_has_run(users, run_tasks):
    # given an upload whose check job is still queued (its after-commit enqueue not run)
    segment = _static(users["manager"])
    client = _client(users["manager"])
    url = reverse("segments:member_import", args=[segment.pk])
    uploaded = client.post(url, {"file": SimpleUploadedFile("list.csv", FILE.encode())})

    page = client.get(uploaded["Location"]).text
    from rapport.core.tasks import run_import

    run_import.call(ImportJob.objects.get().pk)
    polled = client.get(uploaded["Location"] + "?part=check").text

    assert "Checking every row; nothing is written…" in page
    assert f'hx-get="{uploaded["Location"]}?part=check"' in page
    assert "hx-get" not in polled
    assert _stats(polled)["errors"] == 3  # no Petro here: his row names no contact either
