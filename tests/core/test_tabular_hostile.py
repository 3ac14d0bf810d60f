"""Hostile and broken workbooks: refused quickly, in bounded memory, with a clear message."""

import time
import tracemalloc

import pytest

from rapport.core.tabular import TableError, read_table, read_xlsx
from rapport.core.xlsx_guard import XlsxLimits
from tests.core import xlsx_files


def read_all(data: bytes) -> tuple[list[str], list[tuple[int, list[str], str | None]]]:
    table = read_table(data, "file.xlsx")
    return table.headers, [(r.number, r.cells, r.error) for r in table.rows]


def test_a_sheet_whose_dimension_claims_one_row_is_read_to_its_end():
    # given a sheet claiming A1:C2 that holds 39 data rows
    data = xlsx_files.lying_dimension(39)
    # when
    headers, rows = read_all(data)
    # then every row is read, in order
    assert headers == ["first_name", "last_name", "email"]
    assert len(rows) == 39
    assert rows[-1] == (40, ["Name38", "Surname38", "p38@example.com"], None)


def read_everything(data: bytes, limits: XlsxLimits | None) -> None:
    table = read_xlsx(data, limits) if limits else read_table(data, "bomb.xlsx")
    list(table.rows)


def refused(data: bytes, limits: XlsxLimits | None = None) -> tuple[str, float, int]:
    """(message, seconds, peak traced bytes) of reading a file that must be refused."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(TableError) as caught:
            read_everything(data, limits)
    finally:
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return str(caught.value), seconds, peak


def test_a_shared_string_that_unpacks_hundreds_of_times_its_size_is_refused_unread():
    # given a 100 MB string of one letter, packed into about 100 KB
    data = xlsx_files.one_huge_shared_string(100 * 1024 * 1024)
    assert len(data) < 200_000
    # when
    message, seconds, peak = refused(data)
    # then
    assert message.startswith("The part xl/sharedStrings.xml unpacks to ")
    assert message.endswith("times its size: it looks like a decompression bomb.")
    assert seconds < 1
    assert peak < 5_000_000


def test_a_shared_string_longer_than_a_cell_may_be_is_refused_while_streaming():
    # given a 2 MB string: under the ratio check's size, over Excel's cell limit
    data = xlsx_files.one_huge_shared_string(2 * 1024 * 1024)
    # when
    message, seconds, peak = refused(data)
    # then the scan stops at the limit instead of holding the string
    assert message == "A text in the workbook is longer than 32767 characters, Excel's limit."
    assert seconds < 1
    assert peak < 2_000_000


def test_too_many_shared_strings_are_refused_while_streaming():
    # given 200,000 strings against a limit of 100,000 (the default is 3 million)
    data = xlsx_files.many_shared_strings(200_000)
    limits = XlsxLimits(max_shared_strings=100_000)
    # when
    message, seconds, peak = refused(data, limits)
    # then
    assert message == "The workbook holds more than 100000 different texts."
    assert seconds < 2
    assert peak < 5_000_000


def test_twenty_million_shared_strings_are_refused_at_once():
    data = xlsx_files.many_shared_strings(20_000_000)
    assert len(data) < 1_000_000

    message, seconds, peak = refused(data)

    assert message.endswith("times its size: it looks like a decompression bomb.")
    assert seconds < 1
    assert peak < 5_000_000


def test_too_much_unpacked_data_is_refused_from_the_zip_directory():
    data = xlsx_files.lying_dimension(2000)

    message, _seconds, _peak = refused(data, XlsxLimits(max_unpacked_bytes=100_000))

    assert message.startswith("The workbook unpacks to 0 MB; at most 0 MB are read.")


def test_rows_beyond_the_row_limit_make_the_file_unreadable_not_truncated():
    data = xlsx_files.lying_dimension(50)

    message, _seconds, _peak = refused(data, XlsxLimits(max_rows=20))

    assert message == "The sheet holds more than 20 rows or 30000000 cells."


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (xlsx_files.billion_laughs,
         "The workbook's XML declares a DTD or entities, which data never needs."),
        (xlsx_files.xxe, "The workbook's XML declares a DTD or entities, which data never needs."),
        (xlsx_files.shared_index_out_of_range,
         "The XLSX file is damaged or not a workbook (list index out of range)."),
        (xlsx_files.malformed_after_header,
         "The XLSX file is damaged or not a workbook (not well-formed (invalid token): line 1, "
         "column 503)."),
        (xlsx_files.not_a_workbook_zip,
         "The XLSX file is damaged or not a workbook (\"There is no item named "
         "'[Content_Types].xml' in the archive\")."),
    ],
)  # fmt: skip
def test_broken_and_hostile_workbooks_are_a_table_error(make, message):
    assert refused(make())[0] == message
