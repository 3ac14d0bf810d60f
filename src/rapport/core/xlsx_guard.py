"""Checks an XLSX archive before openpyxl reads it, so a hostile file is refused quickly and
in bounded memory: the zip's declared sizes and compression ratios, no DTD in any XML part
(billion laughs, external entities), and the shared-string table's count and lengths.

openpyxl keeps every shared string in memory and trusts the sheet's own size claim; this
module streams the parts through expat and stops at the first broken limit.
"""

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

from django.utils.translation import gettext as _

MB = 1024 * 1024


@dataclass(frozen=True)
class XlsxLimits:
    """What an uploaded workbook may unpack to. The defaults fit Excel's own sheet limits."""

    max_members: int = 10_000
    max_unpacked_bytes: int = 1024 * MB  # sum of the parts' declared sizes
    max_ratio: int = 200  # unpacked / packed size of one part, for parts over ratio_from_bytes
    ratio_from_bytes: int = 16 * MB
    max_shared_strings: int = 3_000_000
    max_shared_bytes: int = 160 * MB  # the shared-string part, all held in memory by openpyxl
    max_cell_chars: int = 32767  # Excel's limit for one cell
    # The XML of one shared string: Excel's longest cell, in 4-byte UTF-8 or entities, plus
    # room for rich-text run markup.
    max_string_bytes: int = 32767 * 6 + 64 * 1024
    max_rows: int = 1_048_576  # Excel's
    max_cells: int = 30_000_000


LIMITS = XlsxLimits()
_CHUNK = 64 * 1024


class UnsafeWorkbook(ValueError):
    """The archive breaks one of the limits, or holds XML that is not plain data."""


class _StopScan(Exception):
    pass


def check_archive(archive: zipfile.ZipFile, limits: XlsxLimits = LIMITS) -> None:
    """Refuse an archive whose declared content is too large or suspiciously compressed."""
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        raise UnsafeWorkbook(_("The workbook holds too many parts (%(n)d).") % {"n": len(infos)})
    total = 0
    for info in infos:
        total += info.file_size
        packed = max(info.compress_size, 1)
        if info.file_size > limits.ratio_from_bytes and info.file_size // packed > limits.max_ratio:
            raise UnsafeWorkbook(
                _(
                    "The part %(name)s unpacks to %(ratio)d times its size: it looks like a "
                    "decompression bomb."
                )
                % {"name": info.filename, "ratio": info.file_size // packed}
            )
    if total > limits.max_unpacked_bytes:
        raise UnsafeWorkbook(
            _("The workbook unpacks to %(size)d MB; at most %(max)d MB are read.")
            % {"size": total // MB, "max": limits.max_unpacked_bytes // MB}
        )


def _chunks(handle: IO[bytes]) -> Iterator[bytes]:
    while chunk := handle.read(_CHUNK):
        yield chunk


def _parser() -> "expat.XMLParserType":
    parser = expat.ParserCreate()

    def refuse_dtd(*_args: object) -> None:
        raise UnsafeWorkbook(
            _("The workbook's XML declares a DTD or entities, which data never needs.")
        )

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    return parser


def check_prologs(archive: zipfile.ZipFile) -> None:
    """No XML part may declare a DTD: reading each part up to its root element proves it."""
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        parser = _parser()

        def stop(*_args: object) -> None:
            raise _StopScan

        parser.StartElementHandler = stop
        try:
            with archive.open(info) as handle:
                for chunk in _chunks(handle):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except _StopScan:
            continue


# `<si>` or `<x:si …>`: one shared string starts. Counted on the raw bytes (at C speed: expat
# with a Python callback per element took 8 s per million strings); the prolog check has
# already refused DTDs, and openpyxl's own parser judges the rest of the XML.
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,15}:)?si[\s/>]")
_OVERLAP = 64  # longer than any tag we look for


def check_shared_strings(archive: zipfile.ZipFile, path: str, limits: XlsxLimits = LIMITS) -> None:
    """Stream the shared-string table, refusing too many strings, a table too large, or one
    string whose XML is longer than the longest cell Excel can hold could need."""
    if archive.getinfo(path).file_size > limits.max_shared_bytes:
        raise UnsafeWorkbook(
            _("The workbook's table of texts unpacks to %(size)d MB; at most %(max)d MB are read.")
            % {"size": archive.getinfo(path).file_size // MB, "max": limits.max_shared_bytes // MB}
        )
    count = 0
    run = 0  # bytes since the last string started
    pending = b""
    with archive.open(path) as handle:
        for chunk in _chunks(handle):
            buffer = pending + chunk
            # cut at the last "<": every tag before it is whole (no tag holds a "<")
            cut = buffer.rfind(b"<", max(len(buffer) - _OVERLAP, 0))
            cut = len(buffer) if cut < 0 else cut
            segment, pending = buffer[:cut], buffer[cut:]
            found = _count_strings(segment)
            count += found
            if count > limits.max_shared_strings:
                raise UnsafeWorkbook(
                    _("The workbook holds more than %(max)d different texts.")
                    % {"max": limits.max_shared_strings}
                )
            last = max(segment.rfind(b"<si"), segment.rfind(b":si")) if found else -1
            run = run + len(segment) if last < 0 else len(segment) - last
            if run > limits.max_string_bytes:
                raise _too_long(limits)
    if _count_strings(pending) + count > limits.max_shared_strings:
        raise UnsafeWorkbook(
            _("The workbook holds more than %(max)d different texts.")
            % {"max": limits.max_shared_strings}
        )


def _count_strings(segment: bytes) -> int:
    if b":si" in segment:  # a namespace prefix: rare, so the regular expression may be slow
        return len(_SI.findall(segment))
    return sum(segment.count(b"<si" + end) for end in (b">", b" ", b"/", b"\t", b"\n", b"\r"))


def _too_long(limits: XlsxLimits) -> UnsafeWorkbook:
    return UnsafeWorkbook(
        _("A text in the workbook is longer than %(max)d characters, Excel's limit.")
        % {"max": limits.max_cell_chars}
    )


SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


def shared_strings_paths(archive: zipfile.ZipFile) -> list[str]:
    """The parts [Content_Types].xml declares as shared strings (where openpyxl looks)."""
    found: list[str] = []
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names:
        return found
    parser = _parser()

    def start(name: str, attrs: dict[str, str]) -> None:
        if attrs.get("ContentType") == SHARED_STRINGS_TYPE and attrs.get("PartName"):
            found.append(attrs["PartName"].lstrip("/"))

    parser.StartElementHandler = start
    with archive.open("[Content_Types].xml") as handle:
        for chunk in _chunks(handle):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    return [path for path in found if path in names]


def check_workbook(archive: zipfile.ZipFile, limits: XlsxLimits = LIMITS) -> None:
    """All the checks, cheapest first. Raises UnsafeWorkbook or expat.ExpatError."""
    check_archive(archive, limits)
    check_prologs(archive)
    for path in shared_strings_paths(archive):
        check_shared_strings(archive, path, limits)
