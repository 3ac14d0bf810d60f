"""The upload page's second step: what the mapping page shows of a staged file (its header,
first rows and format), read by a background task, never inside the web request."""

import itertools
import json
from typing import Any

from django.core.files.storage import default_storage

from rapport.core.imports import unreadable_message
from rapport.core.tabular import TableError, read_table

PREVIEW_ROWS = 8


def preview_table(data: bytes, filename: str) -> dict[str, Any]:
    """What the mapping page shows of a file, as JSON-ready data: its header, first rows and
    format, or {"error": "This file cannot be read: …"}."""
    try:
        table = read_table(data, filename)
        try:
            rows = [list(row) for row in itertools.islice(table.rows, PREVIEW_ROWS)]
        finally:
            close = getattr(table.rows, "close", None)
            if close is not None:
                close()  # an XLSX reader holds the workbook open until its generator ends
    except TableError as exc:
        return {"error": unreadable_message(str(exc))}
    return {
        "headers": table.headers,
        "rows": rows,
        "format": table.format,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "estimated_rows": table.estimated_rows,
    }


def preview_path(staged_path: str) -> str:
    return f"{staged_path}.preview.json"


def staged_preview(staged_path: str) -> dict[str, Any] | None:
    """The preview the background task wrote for a staged upload; None until it has."""
    try:
        with default_storage.open(preview_path(staged_path), "rb") as handle:
            result: dict[str, Any] = json.loads(handle.read())
    except FileNotFoundError:
        return None
    return result


def preview_enqueue(*, staged_path: str, filename: str) -> None:
    """Read a staged upload in the background (never inside the web request: a hostile file
    may take seconds to refuse); the page polls `staged_preview`."""
    from rapport.core.tasks import preview_upload

    preview_upload.enqueue(staged_path, filename)
