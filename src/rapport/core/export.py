"""Writing lists to CSV and XLSX for spreadsheets, streaming, with formula injection defused.

A cell that starts with = + - @, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets (OWASP "CSV injection"); such text gets a leading apostrophe,
which spreadsheets show as plain text. Numbers, dates and money are written as values.
Callers pass querysets already scoped to what the user may see (visibility is theirs).
"""

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
UTF8_BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    """One exported column: its header and how to get the value from a row."""

    header: str
    value: Callable[[Any], Any]


def safe_text(value: str) -> str:
    """Text a spreadsheet will not evaluate as a formula."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def cell_value(value: Any) -> Any:
    """A value as a spreadsheet cell: numbers and dates as such, everything else as safe text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, list | tuple | set):
        value = ", ".join(str(v) for v in value)
    return safe_text(str(value))


@dataclass(frozen=True)
class CsvDialect:
    """How a CSV file writes its cells.

    The plain dialect (comma, ISO dates and times, a point in numbers) is for programs. Excel
    reads a .csv with the list separator and decimal sign of the computer's region: in Ukraine,
    Lithuania, Russia and most of Europe that is ";" and ",", so a comma-separated file opens
    as one column and "1420.50" becomes a date. `for_excel()` follows the reader's language.
    """

    delimiter: str = ","
    decimal: str = "."
    excel: bool = False

    @classmethod
    def for_excel(cls) -> "CsvDialect":
        from django.utils.formats import get_format

        decimal = str(get_format("DECIMAL_SEPARATOR"))
        return cls(delimiter=";" if decimal == "," else ",", decimal=decimal, excel=True)


PLAIN = CsvDialect()


def _csv_text(value: Any, dialect: CsvDialect = PLAIN) -> str:
    if dialect.excel and isinstance(value, dt.datetime) and value.tzinfo is not None:
        from django.utils import timezone

        # Excel parses "2026-12-01 14:30:00" (local time) but not ISO 8601 with an offset.
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    value = cell_value(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal) and dialect.decimal != ".":
        return str(value).replace(".", dialect.decimal)
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def iter_csv(
    rows: Iterable[Any], columns: list[Column], *, dialect: CsvDialect = PLAIN
) -> Iterator[bytes]:
    """CSV as chunks of UTF-8 bytes (with a BOM, so Excel reads the encoding right)."""
    writer = csv.writer(_Echo(), delimiter=dialect.delimiter)
    yield (UTF8_BOM + writer.writerow([safe_text(c.header) for c in columns])).encode("utf-8")
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow([_csv_text(c.value(row), dialect) for c in columns]))
        if len(buffer) >= 1000:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode("utf-8")


def write_csv(rows: Iterable[Any], columns: list[Column]) -> bytes:
    return b"".join(iter_csv(rows, columns))


def write_xlsx(rows: Iterable[Any], columns: list[Column], *, sheet_title: str = "Export") -> bytes:
    """An XLSX workbook written row by row (openpyxl write-only), so memory stays flat."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31] or "Export")
    sheet.append([safe_text(c.header) for c in columns])
    for row in rows:
        sheet.append([_xlsx_value(c.value(row)) for c in columns])
    # write-only workbooks spool to a temporary file; read it back once at the end
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()


def _xlsx_value(value: Any) -> Any:
    value = cell_value(value)
    if isinstance(value, Decimal):
        return float(value) if abs(value) < Decimal(10) ** 15 else str(value)
    # Text keeps its apostrophe: openpyxl would store "=…" as a formula, and the apostrophe
    # also protects the value when the sheet is later saved as CSV elsewhere.
    return value


def iter_xlsx(rows: Iterable[Any], columns: list[Column]) -> Iterator[bytes]:
    """The XLSX file in chunks for a streaming HTTP response."""
    data = io.BytesIO(write_xlsx(rows, columns))
    while chunk := data.read(64 * 1024):
        yield chunk
