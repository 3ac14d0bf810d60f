"""The import pages: upload → preview and mapping → dry run or import → the job's report."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from rapport.catalog.models import Product
from rapport.contacts.models import Contact
from rapport.core.models import ImportJob, ImportMapping
from rapport.sales.models import Lead, Order
from tests.core import xlsx_files
from tests.web.conftest import HTMX

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

CLEAN = (
    "first_name,last_name,email\n"
    "Olena,Koval,olena@example.com\n"
    "Petro,Shevchenko,petro@example.com\n"
)
WITH_ERRORS = (
    "first_name,last_name,email\n"
    "Olena,Koval,olena@example.com\n"
    "Bad,Row,not-an-email\n"
    "Petro,Shevchenko,petro@example.com\n"
)


def upload(client, kind, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    return client.post(f"/imports/{kind}/", {"file": SimpleUploadedFile(name, data)})


def preview_url(client, kind, name, data):
    response = upload(client, kind, name, data)
    assert response.status_code == 302, response.content[:500]
    assert re.fullmatch(rf"/imports/{kind}/preview/[\w-]+/", response["Location"])
    return response["Location"]


def selected(html, column):
    """The field chosen in the mapping select of a column (index), "" for ignore."""
    select = re.search(rf'<select name="col_{column}".*?</select>', html, re.S).group(0)
    match = re.search(r'<option value="([^"]*)" selected>', select)
    return match.group(1) if match else ""


def job_stats(html):
    """The job page's figures, label → number, in page order."""
    section = re.search(r'<div class="stats">.*?\n    </div>', html, re.S).group(0)
    return {
        label: int(n)
        for n, label in re.findall(r"<strong>(\d+)</strong><span>([^<]+)</span>", section)
    }


def job_of(response):
    match = re.fullmatch(r"/imports/jobs/(\d+)/", response["Location"])
    assert match, response.get("Location")
    return ImportJob.objects.get(pk=int(match.group(1)))


def test_preview_shows_the_first_rows_and_the_suggested_mapping(as_user):
    client = as_user("manager")
    url = preview_url(
        client,
        "contacts",
        "people.csv",
        "Имя;Фамилия;E-mail;Notes here\nОлена;Коваль;o@example.com;x\n",
    )

    page = client.get(url).text

    assert [selected(page, i) for i in range(4)] == ["first_name", "last_name", "email", ""]
    assert '<td title="Олена">Олена</td>' in page
    assert "about 1 row" in page
    assert "“;”" in page


def test_dry_run_writes_nothing_then_import_now_writes(as_user, run_tasks):
    client = as_user("manager")
    url = preview_url(client, "contacts", "people.csv", CLEAN)

    dry = run_tasks(
        client,
        url,
        {"col_0": "first_name", "col_1": "last_name", "col_2": "emails", "action": "dry_run"},
    )
    dry_job = job_of(dry)
    dry_page = client.get(dry["Location"]).text
    contacts_after_dry_run = Contact.objects.count()
    real = run_tasks(client, f"/imports/jobs/{dry_job.pk}/run/")
    real_job = job_of(real)
    real_page = client.get(real["Location"]).text

    assert contacts_after_dry_run == 0
    assert (dry_job.dry_run, dry_job.status, dry_job.created_count) == (True, "done", 2)
    assert "Dry run: nothing was written." in dry_page
    assert "The file is clean" in dry_page
    assert "Import this file now" in dry_page
    assert job_stats(dry_page) == {
        "rows": 2, "would be new": 2, "would be updated": 0, "unchanged": 0, "skipped": 0,
        "errors": 0,
    }  # fmt: skip
    assert job_stats(real_page) == {
        "rows": 2, "new": 2, "updated": 0, "unchanged": 0, "skipped": 0, "errors": 0,
    }  # fmt: skip
    # the contact import's figures, as its page has always shown them
    assert (
        '<div class="stats">\n'
        '      <div class="stat"><strong>2</strong><span>rows</span></div>\n'
        '      <div class="stat"><strong>2</strong><span>new</span></div>\n'
        '      <div class="stat"><strong>0</strong><span>updated</span></div>\n'
        '      <div class="stat"><strong>0</strong><span>unchanged</span></div>\n'
        '      <div class="stat"><strong>0</strong><span>skipped</span></div>\n'
        '      <div class="stat"><strong>0</strong><span>errors</span></div>\n'
        "    </div>"
    ) in real_page
    assert (real_job.dry_run, real_job.status, real_job.created_count) == (False, "done", 2)
    assert "Imported." in real_page
    assert sorted(Contact.objects.values_list("first_name", flat=True)) == ["Olena", "Petro"]
    assert set(Contact.objects.values_list("owner__username", flat=True)) == {"manager"}


def test_chosen_mapping_is_used_and_remembered(as_user, run_tasks):
    client = as_user("manager")
    data = "Who,Mail,Junk\nOlena,olena@example.com,zzz\n"
    url = preview_url(client, "contacts", "odd.csv", data)

    response = run_tasks(
        client,
        url,
        {
            "col_0": "first_name",
            "col_1": "emails",
            "col_2": "",
            "save_mapping": "1",
            "action": "import",
        },
    )
    again = client.get(preview_url(client, "contacts", "odd.csv", data)).text

    job = job_of(response)
    assert job.status == "done"
    assert Contact.objects.get().email == "olena@example.com"
    assert ImportMapping.objects.get(user__username="manager", kind="contacts").mapping == {
        "Who": "first_name",
        "Mail": "emails",
        "Junk": None,
    }
    assert [selected(again, i) for i in range(3)] == ["first_name", "emails", ""]


def test_mapping_mistakes_are_shown_on_the_preview(as_user):
    client = as_user("manager")
    url = preview_url(client, "contacts", "people.csv", CLEAN)

    double = client.post(
        url, {"col_0": "first_name", "col_1": "first_name", "col_2": "emails", "action": "import"}
    )
    nothing = client.post(url, {"col_0": "", "col_1": "", "col_2": "emails", "action": "import"})
    forged = client.post(
        url, {"col_0": "password", "col_1": "last_name", "col_2": "emails", "action": "import"}
    )

    assert double.status_code == 200
    assert "Columns “first_name” and “last_name” both hold first_name" in double.text
    assert "The file needs a column for first_name or last_name." in nothing.text
    assert "Choose a field or “ignore” for column “first_name”." in forged.text
    assert ImportJob.objects.count() == 0


def test_file_with_errors_commits_nothing_and_the_page_says_so(as_user, run_tasks):
    client = as_user("manager")
    url = preview_url(client, "contacts", "people.csv", WITH_ERRORS)

    response = run_tasks(
        client,
        url,
        {"col_0": "first_name", "col_1": "last_name", "col_2": "emails", "action": "import"},
    )
    job = job_of(response)
    page = client.get(response["Location"]).text
    report = client.get(f"/imports/jobs/{job.pk}/errors.csv")

    assert Contact.objects.count() == 0
    assert (job.status, job.created_count, job.skipped_count, job.error_count) == (
        "rejected",
        0,
        3,
        1,
    )
    assert "Nothing was imported." in page
    assert job_stats(page) == {
        "rows": 3, "new": 0, "updated": 0, "unchanged": 0, "skipped": 3, "errors": 1,
    }  # fmt: skip
    assert "an import writes all rows or none" in page
    assert re.search(r"<tr><td>3</td><td>email</td><td>Enter a valid e-mail address", page)
    assert "Import again, skipping invalid rows" in page
    assert report["Content-Disposition"] == 'attachment; filename="people-errors.csv"'
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,message"
    assert lines[1].startswith("3,email,Enter a valid e-mail address")


def test_skip_invalid_commits_the_valid_rows(as_user, run_tasks):
    client = as_user("manager")
    url = preview_url(client, "contacts", "people.csv", WITH_ERRORS)

    response = run_tasks(
        client,
        url,
        {
            "col_0": "first_name",
            "col_1": "last_name",
            "col_2": "emails",
            "skip_invalid": "1",
            "action": "import",
        },
    )
    job = job_of(response)
    page = client.get(response["Location"]).text

    assert (job.status, job.created_count, job.skipped_count, job.error_count) == ("done", 2, 1, 1)
    assert sorted(Contact.objects.values_list("first_name", flat=True)) == ["Olena", "Petro"]
    assert "1 invalid row was skipped" in page
    assert job_stats(page) == {
        "rows": 3, "new": 2, "updated": 0, "unchanged": 0, "skipped": 1, "errors": 1,
    }  # fmt: skip


def test_a_rejected_import_can_be_rerun_skipping_invalid_rows(as_user, run_tasks):
    client = as_user("manager")
    url = preview_url(client, "contacts", "people.csv", WITH_ERRORS)
    rejected = job_of(
        run_tasks(
            client,
            url,
            {"col_0": "first_name", "col_1": "last_name", "col_2": "emails", "action": "import"},
        )
    )

    rerun = job_of(run_tasks(client, f"/imports/jobs/{rejected.pk}/run/", {"skip_invalid": "1"}))

    assert (rerun.status, rerun.skip_invalid, rerun.created_count) == ("done", True, 2)
    assert Contact.objects.count() == 2


def test_running_job_polls_and_a_finished_one_stops(as_user, users, media):
    client = as_user("manager")
    job = ImportJob.objects.create(
        kind="contacts", original_name="big.csv", created_by=users["manager"],
        status=ImportJob.Status.RUNNING, total_rows=10_000, processed_rows=4_000,
    )  # fmt: skip

    running = client.get(f"/imports/jobs/{job.pk}/", **HTMX)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, created_count=10_000)
    done = client.get(f"/imports/jobs/{job.pk}/", **HTMX)

    assert running.text.lstrip().startswith('<section id="job-status"')
    assert 'hx-trigger="every 1s"' in running.text
    assert '<progress class="import" value="40" max="100">' in running.text
    assert "4,000 of about 10,000 rows checked" in running.text
    assert "every 1s" not in done.text
    assert "Imported." in done.text


def test_cp1251_file_is_read_and_imported(as_user, run_tasks):
    client = as_user("manager")
    data = "Имя;Фамилия;Телефон\nОлена;Коваль;+380671234567\n".encode("cp1251")
    url = preview_url(client, "contacts", "ru.csv", data)

    page = client.get(url).text
    response = run_tasks(
        client,
        url,
        {"col_0": "first_name", "col_1": "last_name", "col_2": "phones", "action": "import"},
    )

    assert "cp1251" in page
    assert job_of(response).status == "done"
    assert Contact.objects.get().last_name == "Коваль"


def test_formula_cells_are_shown_and_stored_as_text(as_user, run_tasks):
    client = as_user("manager")
    data = 'first_name,last_name\n"=HYPERLINK(""http://evil.example"")",@SUM(A1)\n'
    url = preview_url(client, "contacts", "f.csv", data)

    page = client.get(url).text
    run_tasks(client, url, {"col_0": "first_name", "col_1": "last_name", "action": "import"})

    assert "=HYPERLINK(&quot;http://evil.example&quot;)" in page
    assert Contact.objects.get().last_name == "@SUM(A1)"


def test_xlsx_file_is_previewed(as_user):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["name", "price", "currency", "code"])
    sheet.append(["Crete, 7 nights", 899.5, "EUR", "CR-7"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = as_user("marketer")

    page = client.get(preview_url(client, "products", "tours.xlsx", buffer.getvalue())).text

    assert [selected(page, i) for i in range(4)] == ["name", "price", "currency", "sku"]
    assert "899.5" in page
    assert "XLSX" in page


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "The submitted file is empty."),
        ("photo.png", b"\x89PNG\r\n\x1a\nxxxx", "“photo.png” is not a CSV or XLSX file"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_table_at_all_is_refused_on_the_form(as_user, name, data, message):
    response = upload(as_user("manager"), "contacts", name, data)

    assert response.status_code == 200
    assert message in response.text
    assert 'aria-invalid="true"' in response.text


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("blank.csv", b"   \n\n", "The file is empty."),
        ("binary.csv", bytes(range(256)) * 40, "This does not look like a table"),
        ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 99, "Old .xls workbooks"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "The XLSX file is damaged"),
        ("fake.xlsx", b"first_name\nOlena\n", "The XLSX file is damaged or not a workbook."),
        ("bad.csv", b"\xef\xbb\xbffirst_name\n\x80\n", "holds bytes that are not UTF-8"),
        ("laughs.xlsx", xlsx_files.billion_laughs(), "declares a DTD or entities"),
        ("xxe.xlsx", xlsx_files.xxe(), "declares a DTD or entities"),
        ("index.xlsx", xlsx_files.shared_index_out_of_range(), "(list index out of range)"),
        ("bomb.xlsx", xlsx_files.many_shared_strings(20_000_000), "a decompression bomb"),
        ("zip.xlsx", xlsx_files.not_a_workbook_zip(), "There is no item named"),
    ],
)  # fmt: skip
def test_an_unreadable_file_is_read_in_the_background_and_answered_clearly(
    as_user, name, data, message
):
    client = as_user("manager")

    # the upload only stages the file; the worker reads it (run at once in tests)
    preview = preview_url(client, "contacts", name, data)
    response = client.get(preview, follow=True)

    assert response.redirect_chain == [("/imports/contacts/", 302)]
    assert response.status_code == 200
    assert "This file cannot be read: " in response.text
    assert escape(message) in response.text
    assert Contact.objects.count() == 0


def test_the_preview_page_waits_for_the_worker_and_then_reloads(as_user, monkeypatch):
    # given a worker that has not run yet
    monkeypatch.setattr("rapport.core.import_previews.preview_enqueue", lambda **kwargs: None)
    client = as_user("manager")
    preview = preview_url(client, "contacts", "people.csv", "first_name\nOna\n")

    waiting = client.get(preview)
    polled = client.get(preview, headers={"HX-Request": "true"})
    from rapport.core.tasks import preview_upload

    staged = next(iter(client.session["rapport.imports.staged"].values()))
    preview_upload.call(staged["path"], "people.csv")
    ready = client.get(preview, headers={"HX-Request": "true"})

    assert "Reading the file…" in waiting.text
    assert 'hx-trigger="every 1s"' in polled.text
    assert (ready.status_code, ready["HX-Refresh"]) == (204, "true")
    assert 'name="col_0"' in client.get(preview).text


def test_a_file_over_the_size_limit_is_refused(as_user, settings):
    settings.RAPPORT_IMPORT_MAX_BYTES = 1024

    response = upload(as_user("manager"), "contacts", "big.csv", "first_name\n" + "Olena\n" * 500)

    assert response.status_code == 200
    assert "The file is 2.9\xa0KB; the upload page takes files up to 1.0\xa0KB." in response.text


def test_header_only_file_is_reported_on_the_job(as_user, run_tasks):
    client = as_user("manager")
    url = preview_url(client, "contacts", "h.csv", "first_name,last_name\n")

    response = run_tasks(
        client, url, {"col_0": "first_name", "col_1": "last_name", "action": "import"}
    )
    page = client.get(response["Location"]).text

    assert "The file has a header but no rows." in page
    assert "Import again, skipping invalid rows" not in page


def test_an_expired_preview_sends_back_to_the_upload(as_user):
    response = as_user("manager").get("/imports/contacts/preview/not-a-token/")

    assert response.status_code == 302
    assert response["Location"] == "/imports/contacts/"


def test_another_users_staged_file_and_job_are_out_of_reach(client, users, run_tasks):
    client.force_login(users["manager"])
    url = preview_url(client, "contacts", "people.csv", CLEAN)
    job = job_of(
        run_tasks(
            client,
            url,
            {"col_0": "first_name", "col_1": "last_name", "col_2": "emails", "action": "dry_run"},
        )
    )
    client.force_login(users["manager_mate"])

    staged = client.get(url)
    page = client.get(f"/imports/jobs/{job.pk}/")
    report = client.get(f"/imports/jobs/{job.pk}/errors.csv")
    rerun = client.post(f"/imports/jobs/{job.pk}/run/")

    assert staged.status_code == 302
    assert (page.status_code, report.status_code, rerun.status_code) == (404, 404, 404)


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("admin", {"contacts", "leads", "orders", "products"}),
        ("manager", {"contacts", "leads", "orders"}),
        ("marketer", {"contacts", "leads", "orders", "products"}),
        ("agent", {"contacts", "leads", "orders"}),
        ("analyst", set()),
    ],
)
def test_each_role_imports_what_the_importers_allow(as_user, name, allowed):
    client = as_user(name)

    status = {
        kind: client.get(f"/imports/{kind}/").status_code
        for kind in ["contacts", "leads", "orders", "products"]
    }
    posted = {
        kind: upload(client, kind, "x.csv", "a\n1\n").status_code
        for kind in ["contacts", "leads", "orders", "products"]
    }

    assert {kind for kind, code in status.items() if code == 200} == allowed
    assert {kind for kind, code in status.items() if code == 403} == {
        "contacts",
        "leads",
        "orders",
        "products",
    } - allowed
    assert {kind for kind, code in posted.items() if code == 403} == {
        "contacts",
        "leads",
        "orders",
        "products",
    } - allowed
    assert client.get("/imports/").status_code == (200 if allowed else 403)


def test_unknown_kind_is_404(as_user):
    assert as_user("admin").get("/imports/pets/").status_code == 404


def test_import_links_follow_the_role(as_user):
    manager, analyst = as_user("manager").get("/contacts/").text, None
    products_for_manager = as_user("manager").get("/products/").text
    analyst = as_user("analyst").get("/contacts/").text

    assert 'href="/imports/contacts/"' in manager
    assert 'href="/imports/products/"' not in products_for_manager
    assert 'href="/imports/contacts/"' not in analyst


def test_leads_orders_and_products_import_through_the_pages(as_user, run_tasks):
    client = as_user("admin")
    files = {
        "leads": ("leads.csv", "email,utm_campaign\nnew@example.com,summer\n"),
        "products": ("p.csv", "name,price,currency,code\nCrete,899,EUR,CR-7\n"),
        "orders": (
            "o.csv",
            "email,order_date,total,currency\nbuyer@example.com,2025-05-01,120.50,EUR\n",
        ),
    }

    statuses = {}
    for kind, (name, data) in files.items():
        url = preview_url(client, kind, name, data)
        page = client.get(url).text
        columns = len(re.findall(r'<select name="col_', page))
        form = {f"col_{i}": selected(page, i) for i in range(columns)}
        statuses[kind] = job_of(run_tasks(client, url, {**form, "action": "import"})).status

    assert statuses == {"leads": "done", "products": "done", "orders": "done"}
    assert Lead.objects.get().utm_campaign == "summer"
    assert Product.objects.get().sku == "CR-7"
    assert str(Order.objects.get().total) == "120.50"


def test_job_list_shows_only_the_users_jobs(as_user, users):
    ImportJob.objects.create(kind="contacts", original_name="mine.csv", created_by=users["manager"])
    ImportJob.objects.create(kind="contacts", original_name="theirs.csv", created_by=users["admin"])

    page = as_user("manager").get("/imports/").text

    assert "mine.csv" in page
    assert "theirs.csv" not in page


def test_uploads_nobody_confirmed_are_removed_after_a_day(as_user, media):
    import os
    import time

    staged = media / "imports" / "staged"
    upload(as_user("manager"), "contacts", "old.csv", CLEAN)
    abandoned = sorted(staged.iterdir())  # the file and the worker's preview of it
    day_ago = time.time() - 25 * 3600
    for path in abandoned:
        os.utime(path, (day_ago, day_ago))

    upload(as_user("admin"), "contacts", "new.csv", CLEAN)  # any user's upload sweeps

    remaining = sorted(staged.iterdir())
    assert [p.suffix for p in abandoned] == [".csv", ".json"]
    assert not set(abandoned) & set(remaining)
    assert [p.suffix for p in remaining] == [".csv", ".json"]
