"""A file that cannot be read, up front or part-way through, imports nothing and says why,
in the engine and in `rapport import` (exit code 2, no traceback)."""

import pytest
from django.core.management import CommandError, call_command

from rapport.contacts.models import Contact
from rapport.core.imports import import_file
from tests.core import xlsx_files

UNREADABLE = [
    (xlsx_files.billion_laughs, "The workbook's XML declares a DTD or entities"),
    (xlsx_files.xxe, "The workbook's XML declares a DTD or entities"),
    (xlsx_files.shared_index_out_of_range, "(list index out of range)"),
    (xlsx_files.malformed_after_header, "(not well-formed (invalid token)"),
    (xlsx_files.not_a_workbook_zip, "There is no item named '[Content_Types].xml'"),
    (lambda: xlsx_files.many_shared_strings(20_000_000), "it looks like a decompression bomb"),
    (lambda: b"\xef\xbb\xbffirst_name\n\x80\x81\n", "holds bytes that are not UTF-8 (at byte 14)"),
    (lambda: b"", "The file is empty."),
]


@pytest.mark.parametrize(("make", "reason"), UNREADABLE)
def test_an_unreadable_file_is_one_file_error_even_when_skipping_invalid_rows(users, make, reason):
    result = import_file(
        kind="contacts", data=make(), filename="f.csv", actor=users["admin"], skip_invalid=True
    )

    [error] = result.errors
    assert error.row is None
    assert error.message.startswith("This file cannot be read: ")
    assert reason in error.message
    assert (result.unreadable, result.committed, Contact.objects.count()) == (True, False, 0)


def test_rows_before_a_sheet_breaks_are_not_imported(users):
    # given a sheet whose row 3 is broken XML: row 2 ("Ona") reads fine
    data = xlsx_files.malformed_after_header()

    result = import_file(kind="contacts", data=data, actor=users["admin"], skip_invalid=True)

    assert result.unreadable is True
    assert Contact.objects.count() == 0


@pytest.mark.parametrize(("make", "reason"), UNREADABLE[:4])
def test_the_cli_exits_with_2_and_a_message(users, tmp_path, make, reason):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(make())

    with pytest.raises(CommandError) as caught:
        call_command("import", "contacts", str(path), "--user", "admin", "--no-progress")

    assert caught.value.returncode == 2
    assert str(caught.value).startswith("This file cannot be read: ")
    assert reason in str(caught.value)
