"""Reading uploaded tables: bytes in, header and rows out. No Django models, no database.

CSV in any common encoding (UTF-8 with or without BOM, UTF-16 with BOM, cp1251, cp1257,
latin-1…) and delimiter (`,` `;` tab `|`), or an XLSX workbook (its first sheet). Rows whose
cell count differs from the header are reported, never silently padded or truncated.
Column-mapping suggestions come from header names in English, Russian, Ukrainian and
Lithuanian.
"""

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils.translation import gettext as _

from rapport.core.xlsx_guard import LIMITS, UnsafeWorkbook, XlsxLimits, check_workbook

# Excel's own limit for one cell; a longer one is a broken file, not data.
MAX_CELL = 32767
MAX_COLUMNS = 500
DELIMITERS = [",", ";", "\t", "|"]
# Tried in order when the bytes are not UTF-8 (charset-normalizer picks among them); latin-1
# decodes anything, so it is the last resort.
LEGACY_ENCODINGS = ["cp1251", "cp1257", "cp1252", "latin_1"]
_SAMPLE = 64 * 1024

# The csv module refuses cells over 128 KiB with an exception that aborts the whole file; we
# read long cells and report them per row instead.
csv.field_size_limit(64 * 1024 * 1024)


class TableError(ValueError):
    """The file as a whole cannot be read as a table (empty, binary, unsupported)."""


class Row(NamedTuple):
    """One data row: its number as a spreadsheet shows it (the header is row 1)."""

    number: int
    cells: list[str]
    error: str | None = None


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[Row]
    format: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    estimated_rows: int = 0
    problems: list[str] = field(default_factory=list)


# --- encodings --------------------------------------------------------------------------------


def detect_encoding(data: bytes) -> tuple[str, str]:
    """(encoding name, decoded text). BOMs win; then strict UTF-8; then the legacy code pages."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return "utf-8-sig", data.decode("utf-8-sig", errors="strict")
        except UnicodeDecodeError as exc:
            raise TableError(
                _("The file starts like UTF-8 but holds bytes that are not UTF-8 (at byte %(at)d).")
                % {"at": exc.start + 3}
            ) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return "utf-16", data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TableError(_("The file starts like UTF-16 but is not valid UTF-16.")) from exc
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    guess = from_bytes(data[:_SAMPLE], cp_isolation=LEGACY_ENCODINGS).best()
    candidates = ([guess.encoding] if guess else []) + LEGACY_ENCODINGS
    for encoding in dict.fromkeys(candidates):
        try:
            return encoding, data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(_("The file's text encoding could not be recognised."))  # pragma: no cover


def _looks_binary(text: str) -> bool:
    sample = text[:_SAMPLE]
    if "\x00" in sample:
        return True
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    return controls > max(8, len(sample) // 100)


# --- delimiters -------------------------------------------------------------------------------


def _parts(line: str, delimiter: str) -> int:
    """How many cells `delimiter` splits `line` into; 0 when the quotes then make no sense
    (`";",";"` split on `;` leaves a quote in mid-cell: the wrong delimiter)."""
    try:
        return len(next(csv.reader([line], delimiter=delimiter, strict=True)))
    except (csv.Error, StopIteration):
        return 0


def _count_delimiter(lines: list[str]) -> str:
    """The candidate that splits the first lines into the same number (>0) of parts most often."""
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        counts = [_parts(line, delimiter) - 1 for line in lines]
        if not counts or counts[0] <= 0:
            continue
        consistent = sum(1 for c in counts if c == counts[0])
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def detect_delimiter(text: str) -> str:
    sample = text[:_SAMPLE]
    if len(text) > _SAMPLE and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    lines = [line for line in sample.splitlines() if line.strip()][:50]
    if not lines:
        return ","
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = ""
    counted = _count_delimiter(lines)
    # The sniffer can be fooled by a delimiter that only appears inside a quoted cell; prefer
    # it only when it splits the header too, as a table's header always is.
    if sniffed in DELIMITERS and _parts(lines[0], sniffed) > 1:
        return sniffed
    return counted


# --- CSV --------------------------------------------------------------------------------------


def _check_cells(cells: list[str], width: int) -> str | None:
    if len(cells) != width:
        return _("This row has %(n)d cells but the header has %(w)d.") % {
            "n": len(cells),
            "w": width,
        }
    for cell in cells:
        if len(cell) > MAX_CELL:
            return _("A cell holds %(n)d characters; at most %(max)d are allowed.") % {
                "n": len(cell),
                "max": MAX_CELL,
            }
    return None


def _csv_rows(reader: Iterator[list[str]], width: int) -> Iterator[Row]:
    number = 1
    try:
        for cells in reader:
            number += 1
            if not cells or not any(map(str.strip, cells)):
                continue  # blank lines are layout, not data
            if len(cells) == width and len(max(cells, key=len)) <= MAX_CELL:
                yield Row(number, cells)
            else:
                yield Row(number, cells, _check_cells(cells, width))
    except csv.Error as exc:
        yield Row(
            number + 1, [], _("The file cannot be read past this row (%(err)s).") % {"err": exc}
        )


def read_csv(text: str, *, encoding: str = "", delimiter: str | None = None) -> Table:
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise TableError(_("The file is empty."))
    if _looks_binary(text):
        raise TableError(_("This does not look like a table: save it as CSV or XLSX."))
    delimiter = delimiter or detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    headers: list[str] = []
    for cells in reader:
        if any(c.strip() for c in cells):
            headers = cells
            break
    if not headers:
        raise TableError(_("The file is empty."))
    _check_headers(headers)
    return Table(
        headers=[clean_header(h) for h in headers],
        rows=_csv_rows(reader, len(headers)),
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        estimated_rows=max(text.count("\n") - 1, 0),
    )


def _check_headers(headers: list[str]) -> None:
    if len(headers) > MAX_COLUMNS:
        raise TableError(
            _("The file has %(n)d columns; at most %(max)d are supported.")
            % {"n": len(headers), "max": MAX_COLUMNS}
        )
    if any(len(h) > 200 for h in headers):
        raise TableError(_("A column header is longer than 200 characters; is row 1 a header?"))


# --- XLSX -------------------------------------------------------------------------------------


def xlsx_cell_text(value: object) -> str:
    """A cell value as the text a CSV export of the same sheet would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _unreadable(exc: BaseException) -> TableError:
    """A TableError for a workbook the parser gave up on, naming what broke."""
    if isinstance(exc, TableError):
        return exc
    if isinstance(exc, UnsafeWorkbook):
        return TableError(str(exc))
    detail = str(exc).strip() or type(exc).__name__
    return TableError(
        _("The XLSX file is damaged or not a workbook (%(detail)s).") % {"detail": detail[:200]}
    )


def _xlsx_rows(
    sheet_rows: Iterator[tuple[object, ...]], width: int, wb: object, limits: XlsxLimits
) -> Iterator[Row]:
    """The data rows. A sheet that breaks mid-way raises TableError: the file is unreadable,
    and importing the rows before the break would be a silent loss of the rest."""
    number = 1
    cells_seen = 0
    try:
        for values in sheet_rows:
            number += 1
            cells_seen += len(values)
            if number > limits.max_rows or cells_seen > limits.max_cells:
                raise TableError(
                    _("The sheet holds more than %(rows)d rows or %(cells)d cells.")
                    % {"rows": limits.max_rows, "cells": limits.max_cells}
                )
            cells = [xlsx_cell_text(v) for v in values]
            # rows are as wide as their last cell; trailing blanks are not data
            while len(cells) > width and cells[-1] == "":
                cells.pop()
            if not any(c.strip() for c in cells):
                continue
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))  # an empty XLSX cell is a blank cell
            yield Row(number, cells, _check_cells(cells, width))
    except GeneratorExit:
        raise
    # openpyxl raises whatever its parser meets in a broken part (ParseError, IndexError for
    # a shared-string index out of range, KeyError, ValueError…): all mean "unreadable".
    except Exception as exc:
        raise _unreadable(exc) from exc
    finally:
        wb.close()  # type: ignore[attr-defined]


def read_xlsx(data: bytes, limits: XlsxLimits = LIMITS) -> Table:
    """The first sheet of a workbook, checked against `limits` before openpyxl opens it.

    The sheet's own `<dimension ref>` is never trusted (a file claiming A1:C2 may hold any
    number of rows): rows are read until the sheet XML ends.
    """
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_workbook(archive, limits)
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a hostile or broken archive; see _xlsx_rows
        raise _unreadable(exc) from exc
    sheet = wb.worksheets[0] if wb.worksheets else None
    if sheet is None:
        wb.close()
        raise TableError(_("The workbook has no sheets."))
    claimed_rows = sheet.max_row or 0
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    headers: list[str] = []
    try:
        for values in rows:
            cells = [xlsx_cell_text(v) for v in values]
            if any(c.strip() for c in cells):
                while cells and not cells[-1].strip():
                    cells.pop()
                headers = cells
                break
    except Exception as exc:  # see _xlsx_rows
        wb.close()
        raise _unreadable(exc) from exc
    if not headers:
        wb.close()
        raise TableError(_("The file is empty."))
    try:
        _check_headers(headers)
    except TableError:
        wb.close()
        raise
    return Table(
        headers=[clean_header(h) for h in headers],
        rows=_xlsx_rows(rows, len(headers), wb, limits),
        format="xlsx",
        # only for the progress bar: the claim may be wrong, the rows read are what counts
        estimated_rows=max(min(claimed_rows, limits.max_rows) - 1, 0),
    )


# --- entry point ------------------------------------------------------------------------------


def read_table(data: bytes, filename: str = "") -> Table:
    """Read CSV or XLSX bytes; raise TableError when the file as a whole is unusable."""
    if not data or not data.strip():
        raise TableError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise TableError(_("Old .xls workbooks are not supported: save the sheet as XLSX or CSV."))
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise TableError(_("The XLSX file is damaged or not a workbook."))
    encoding, text = detect_encoding(data)
    return read_csv(text, encoding=encoding)


# --- headers and mappings ---------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s_.\-:/()#№]+")


def clean_header(header: str) -> str:
    return " ".join(unicodedata.normalize("NFC", header.replace("\ufeff", "")).split())


def header_key(header: str) -> str:
    """A header folded for matching: case, punctuation and apostrophes do not matter."""
    text = unicodedata.normalize("NFC", header).casefold()
    text = text.replace("'", "").replace("’", "").replace("ʼ", "").replace("`", "")
    return _SEPARATORS.sub(" ", text).strip()


# Header names people use for common fields, in en/ru/uk/lt. Importers add their own.
COMMON_ALIASES: dict[str, list[str]] = {
    "first_name": ["first name", "firstname", "given name", "name", "имя", "ім'я", "imya",
                   "vardas"],
    "last_name": ["last name", "lastname", "surname", "family name", "фамилия", "прізвище",
                  "pavardė", "pavarde"],
    "middle_name": ["middle name", "patronymic", "отчество", "по батькові", "tėvavardis"],
    "email": ["email", "e-mail", "e mail", "mail", "email address", "e-mail address",
              "эл. почта", "электронная почта", "почта", "емейл", "ел. пошта",
              "електронна пошта", "пошта", "e-пошта", "el. paštas", "el paštas",
              "elektroninis paštas", "paštas"],
    "phone": ["phone", "telephone", "tel", "tel.", "mobile", "mobile phone", "phone number",
              "телефон", "тел", "тел.", "мобильный", "мобільний", "номер телефона",
              "номер телефону", "telefonas", "tel. nr", "tel nr", "mobilusis", "mob. tel"],
    "birth_date": ["birth date", "birthdate", "birthday", "date of birth", "dob",
                   "дата рождения", "день рождения", "дата народження", "день народження",
                   "gimimo data", "gimtadienis"],
    "gender": ["gender", "sex", "пол", "стать", "lytis"],
    "language": ["language", "lang", "язык", "мова", "kalba"],
    "city": ["city", "town", "город", "місто", "miestas"],
    "country": ["country", "country code", "страна", "країна", "šalis", "valstybė"],
    "address": ["address", "street", "адрес", "адреса", "adresas"],
    "tags": ["tags", "tag", "interests", "теги", "метки", "интересы", "мітки", "інтереси",
             "žymos", "žymės", "pomėgiai"],
    "external_id": ["external id", "external_id", "ext id", "id", "customer id", "client id",
                    "внешний id", "внешний код", "код клиента", "зовнішній id",
                    "код клієнта", "išorinis id", "kliento kodas", "kliento id"],
    "owner": ["owner", "manager", "responsible", "ответственный", "менеджер",
              "відповідальний", "atsakingas", "vadybininkas"],
    "notes": ["notes", "note", "comment", "comments", "примечание", "комментарий",
              "примітка", "коментар", "pastabos", "komentaras"],
    "source": ["source", "источник", "джерело", "šaltinis"],
    "currency": ["currency", "валюта", "valiuta"],
    "status": ["status", "статус", "būsena", "statusas"],
}  # fmt: skip


def suggest_mapping(
    headers: Iterable[str], aliases: Mapping[str, Iterable[str]]
) -> dict[str, str | None]:
    """For each header, the field it most likely holds (None when nothing matches).

    A header equal to a field name or one of its aliases (after folding) maps to it; each
    field is suggested for one column at most, the first that matches.
    """
    lookup: dict[str, str] = {}
    for field_name, names in aliases.items():
        lookup.setdefault(header_key(field_name), field_name)
        for name in names:
            lookup.setdefault(header_key(name), field_name)
    taken: set[str] = set()
    result: dict[str, str | None] = {}
    for header in headers:
        guess = lookup.get(header_key(header))
        if guess is None and header_key(header).startswith("custom "):
            guess = "custom." + header.split(".", 1)[-1].strip() if "." in header else None
        if guess is not None and guess in taken:
            guess = None
        if guess is not None:
            taken.add(guess)
        result[header] = guess
    return result
