"""Exporting a list page to CSV, XLSX (and contacts to vCard) with the page's filters and sort.

Each app's urls.py passes its lists' `ListExport`; the export asks the list's own view module
for its queryset (`listed(request)`), which is scoped to what the viewer may see, so a file
never holds a row the page would not show.
Rows are read in keyset batches in the list's order and the response is streamed, so a list
of a million rows costs flat memory.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from rapport.core.export import Column, CsvDialect, iter_csv, write_xlsx
from rapport.core.http import Request
from rapport.core.pagination import paginate

BATCH = 2000
XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "excel": "text/csv; charset=utf-8",  # CSV in the reader's region's Excel dialect
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "vcf": "text/vcard; charset=utf-8",
}


@dataclass(frozen=True)
class ListExport:
    """How one list page exports: its rows, their joins and its columns."""

    name: str  # the file name's stem
    title: Any  # the sheet's title
    listed: Callable[[Request], tuple[QuerySet[Any], list[str]]]
    columns: Callable[[], list[Column]]
    select: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()
    vcard: Callable[[Any, list[str], list[str]], str] | None = None  # contact → vCard text


def iter_rows(
    queryset: QuerySet[Any], ordering: list[str], batch: int | None = None
) -> Iterator[Any]:
    """Every row of `queryset` in `ordering`, a keyset batch at a time (no OFFSET)."""
    batch = batch or BATCH
    cursor = None
    while True:
        page = paginate(queryset, ordering=ordering, limit=batch, cursor=cursor)
        yield from page.items
        if page.next is None:
            return
        cursor = page.next


def _xlsx(rows: Iterator[Any], columns: list[Column], title: str) -> Iterator[bytes]:
    # openpyxl spools the workbook to a temporary file; it is sent once complete.
    data = write_xlsx(rows, columns, sheet_title=title)
    for start in range(0, len(data), 64 * 1024):
        yield data[start : start + 64 * 1024]


def _vcards(
    rows: Iterator[Any], vcard: Callable[[Any, list[str], list[str]], str]
) -> Iterator[bytes]:
    for contact in rows:
        emails = [e.email for e in contact.emails.all()]
        phones = [p.number for p in contact.phones.all()]
        yield vcard(contact, emails, phones).encode("utf-8")


@login_required
@require_GET
def export_list(request: Request, spec: ListExport, fmt: str) -> HttpResponseBase:
    if fmt not in FORMATS or (fmt == "vcf" and spec.vcard is None):
        raise Http404(_("There is no such export."))
    queryset, ordering = spec.listed(request)
    if fmt == "xlsx" and queryset[: XLSX_MAX_ROWS + 1].count() > XLSX_MAX_ROWS:
        # A bigger sheet would be cut short or refused by every spreadsheet program.
        messages.error(
            request,
            _(
                "A spreadsheet holds at most %(max)s rows. Narrow the list with filters or "
                "export it as CSV."
            )
            % {"max": number_format(XLSX_MAX_ROWS, force_grouping=True)},
        )
        back = request.path.rsplit("/export/", 1)[0] + "/"
        query = request.GET.urlencode()
        return redirect(f"{back}?{query}" if query else back)
    if fmt == "vcf" and spec.vcard is not None:
        queryset = queryset.prefetch_related("emails", "phones")
        chunks = _vcards(iter_rows(queryset, ordering), spec.vcard)
    else:
        queryset = queryset.select_related(*spec.select).prefetch_related(*spec.prefetch)
        rows = iter_rows(queryset, ordering)
        if fmt == "csv":
            chunks = iter_csv(rows, spec.columns())
        elif fmt == "excel":
            chunks = iter_csv(rows, spec.columns(), dialect=CsvDialect.for_excel())
        else:
            chunks = _xlsx(rows, spec.columns(), str(spec.title))
    extension = "csv" if fmt == "excel" else fmt
    filename = f"{spec.name}-{timezone.localdate().isoformat()}.{extension}"
    response = StreamingHttpResponse(chunks, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
