"""Reading CSV and XLSX tables: encodings, delimiters, ragged rows, broken files."""

import io
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from rapport.core.tabular import (
    MAX_CELL,
    TableError,
    header_key,
    read_table,
    suggest_mapping,
)


def rows_of(table):
    return [(r.number, r.cells, r.error) for r in table.rows]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1251", "cp1251")],
)
def test_cyrillic_file_reads_back_in_each_encoding(encoding, expected):
    # given
    text = "Имя;Фамилия;Город\nОлена;Коваль;Київ\nПётр;Иванов;Москва\n"
    # when
    table = read_table(text.encode(encoding))
    # then
    assert table.encoding == expected
    assert table.delimiter == ";"
    assert table.headers == ["Имя", "Фамилия", "Город"]
    assert rows_of(table) == [
        (2, ["Олена", "Коваль", "Київ"], None),
        (3, ["Пётр", "Иванов", "Москва"], None),
    ]


def test_lithuanian_cp1257_file_is_recognised():
    table = read_table("Vardas;Pavardė;Miestas\nJonas;Žemaitis;Šiauliai\n".encode("cp1257"))
    assert table.encoding == "cp1257"
    assert rows_of(table) == [(2, ["Jonas", "Žemaitis", "Šiauliai"], None)]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected(delimiter):
    text = delimiter.join(["name", "email", "city"]) + "\n"
    text += (
        delimiter.join(["Ann", "ann@example.com", "Kaunas, LT"])
        if delimiter != ","
        else ('Ann,ann@example.com,"Kaunas, LT"')
    )
    table = read_table(text.encode())
    assert table.delimiter == delimiter
    assert rows_of(table) == [(2, ["Ann", "ann@example.com", "Kaunas, LT"], None)]


def test_ragged_rows_are_reported_not_padded_or_cut():
    table = read_table(b"a,b,c\n1,2,3\n1,2\n1,2,3,4\n\n5,6,7\n")
    assert rows_of(table) == [
        (2, ["1", "2", "3"], None),
        (3, ["1", "2"], "This row has 2 cells but the header has 3."),
        (4, ["1", "2", "3", "4"], "This row has 4 cells but the header has 3."),
        (6, ["5", "6", "7"], None),
    ]


def test_huge_cell_is_a_row_error_not_a_crash():
    big = "x" * (MAX_CELL + 1)
    table = read_table(f"a,b\n1,{big}\n2,3\n".encode())
    assert [(n, e) for n, _, e in rows_of(table)] == [
        (2, f"A cell holds {MAX_CELL + 1} characters; at most {MAX_CELL} are allowed."),
        (3, None),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \n\n", "The file is empty."),
        (bytes(range(256)) * 40, "This does not look like a table: save it as CSV or XLSX."),
        (
            b"\xd0\xcf\x11\xe0garbage",
            "Old .xls workbooks are not supported: save the sheet as XLSX or CSV.",
        ),
        (
            b"PK\x03\x04 not really a zip",
            "The XLSX file is damaged or not a workbook (File is not a zip file).",
        ),
    ],
)
def test_unreadable_files_raise_a_clear_error(data, message):
    with pytest.raises(TableError) as exc:
        read_table(data)
    assert str(exc.value) == message


def test_header_only_file_has_no_rows():
    table = read_table(b"first_name,email\n")
    assert table.headers == ["first_name", "email"]
    assert rows_of(table) == []


def test_xlsx_cells_read_as_text_with_dates_and_whole_numbers():
    import datetime as dt

    wb = Workbook()
    sheet = wb.active
    sheet.append(["Name", "Born", "Stars", "Price", None])
    sheet.append(["Ona", dt.datetime(1990, 5, 1), 4.0, 12.5, None])
    sheet.append([None, None, None, None, None])
    sheet.append(["Jonas", None, 3, None])
    buffer = io.BytesIO()
    wb.save(buffer)
    table = read_table(buffer.getvalue(), "people.xlsx")
    assert table.format == "xlsx"
    assert table.headers == ["Name", "Born", "Stars", "Price"]
    assert rows_of(table) == [
        (2, ["Ona", "1990-05-01", "4", "12.5"], None),
        (4, ["Jonas", "", "3", ""], None),
    ]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Имя", "first_name"), ("Ім'я", "first_name"), ("Ім’я", "first_name"),
        ("Vardas", "first_name"), ("Pavardė", "last_name"), ("Прізвище", "last_name"),
        ("Телефон", "phone"), ("Telefonas", "phone"), ("El. paštas", "email"),
        ("Эл. почта", "email"), ("E-mail", "email"), ("Дата народження", "birth_date"),
        ("Gimimo data", "birth_date"), ("Місто", "city"), ("Nothing like it", None),
    ],
)  # fmt: skip
def test_mapping_is_suggested_from_headers_in_four_languages(header, field):
    from rapport.core.tabular import COMMON_ALIASES

    assert suggest_mapping([header], COMMON_ALIASES) == {header: field}


def test_a_field_is_suggested_for_one_column_only():
    from rapport.core.tabular import COMMON_ALIASES

    assert suggest_mapping(["Email", "E-mail"], COMMON_ALIASES) == {
        "Email": "email",
        "E-mail": None,
    }


def test_header_key_ignores_case_punctuation_and_apostrophes():
    assert header_key("  First_Name ") == header_key("first-name") == "first name"
    assert header_key("Ім’я") == header_key("ім'я")


cell_text = st.text(
    alphabet=st.sampled_from(string.ascii_letters + string.digits + " ,;|\"'.-_ЖжĄąŠšЁёЇї€"),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    table=st.integers(min_value=1, max_value=5).flatmap(
        lambda width: st.tuples(
            st.lists(cell_text.filter(lambda s: s.strip()), min_size=width, max_size=width),
            st.lists(
                st.lists(cell_text, min_size=width, max_size=width).filter(
                    lambda r: any(c.strip() for c in r)
                ),
                max_size=6,
            ),
        )
    ),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_any_table_written_reads_back_the_same(table, delimiter, encoding):
    import csv

    header, rows = table
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_ALL)
    writer.writerow(header)
    writer.writerows(rows)
    result = read_table(buffer.getvalue().encode(encoding))
    assert result.headers == [" ".join(h.split()) for h in header]
    assert [r.cells for r in result.rows] == rows


def test_a_delimiter_inside_quoted_header_cells_does_not_fool_the_detection():
    # hypothesis found it: `";",";"` split on `;` leaves quotes in mid-cell
    result = read_table(b'";",";"\r\n"a","b"\r\n')
    assert result.headers == [";", ";"]
    assert [r.cells for r in result.rows] == [["a", "b"]]
