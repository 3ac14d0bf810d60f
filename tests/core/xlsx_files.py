"""Hostile and broken XLSX files, built by rewriting the XML inside a real openpyxl workbook.

Each stays small on disk; what it claims or unpacks to is what the reader must not trust.
"""

import functools
import io
import re
import zipfile

from openpyxl import Workbook

SHARED = "xl/sharedStrings.xml"
SHEET = "xl/worksheets/sheet1.xml"
SHARED_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def workbook(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    sheet = wb.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def repack(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def rewrite(data: bytes, name: str, change) -> bytes:
    files = parts(data)
    files[name] = change(files[name])
    return repack(files)


def lying_dimension(rows: int) -> bytes:
    """A sheet of `rows` data rows below a header whose <dimension> claims A1:C2."""
    data = workbook(
        [["first_name", "last_name", "email"]]
        + [[f"Name{i}", f"Surname{i}", f"p{i}@example.com"] for i in range(rows)]
    )
    return rewrite(
        data, SHEET, lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C2"', xml)
    )  # fmt: skip


def with_shared_strings(xml: bytes) -> bytes:
    """A one-column workbook whose shared-string table is `xml` (the sheet uses string 0)."""
    files = parts(workbook([["first_name"], ["x"]]))
    files[SHEET] = re.sub(
        rb"<sheetData>.*</sheetData>",
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>first_name</t></is></c></row>'
        b'<row r="2"><c r="A2" t="s"><v>0</v></c></row></sheetData>',
        files[SHEET],
        flags=re.S,
    )
    files[SHARED] = xml
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>",
        f'<Override PartName="/{SHARED}" ContentType="{SHARED_TYPE}"/></Types>'.encode(),
    )
    rels = "xl/_rels/workbook.xml.rels"
    files[rels] = files[rels].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    )
    return repack(files)


SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


@functools.cache
def one_huge_shared_string(chars: int) -> bytes:
    return with_shared_strings(SST + b"<si><t>" + b"A" * chars + b"</t></si></sst>")


@functools.cache
def many_shared_strings(count: int) -> bytes:
    return with_shared_strings(SST + b"<si><t>a</t></si>" * count + b"</sst>")


def billion_laughs() -> bytes:
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    return with_shared_strings(
        b'<?xml version="1.0"?><!DOCTYPE sst [' + entities + b"]>"
        + SST + b"<si><t>&lol9;</t></si></sst>"
    )  # fmt: skip


def xxe() -> bytes:
    return with_shared_strings(
        b'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + SST + b"<si><t>&x;</t></si></sst>"
    )  # fmt: skip


def shared_index_out_of_range() -> bytes:
    return with_shared_strings(SST + b"</sst>")  # the sheet refers to string 0 of none


def malformed_after_header() -> bytes:
    data = workbook([["first_name"], ["Ona"], ["Jonas"]])
    return rewrite(data, SHEET, lambda xml: xml.replace(b'<row r="3"', b'<row r="3" <broken'))


def not_a_workbook_zip() -> bytes:
    return repack({"readme.txt": b"hello", "data.csv": b"first_name\nOna\n"})
