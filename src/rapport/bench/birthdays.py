"""Birthdays: who celebrates today (and in the five days from 30 December, across the new
year) among all contacts, through `contacts.selectors.birthdays_between` (the count and the
ids, a range scan of the month-day index), against the same answer by a full scan in the
same run: SQL comparing each contact's formatted birth date (strftime on SQLite, to_char on
PostgreSQL), which no index holds. Both must find the same ids before either is timed;
Rapport's p95 must stay within 1 s at a million contacts.
"""

import calendar
import datetime as dt

from django.db import connection
from django.utils import timezone

from rapport.bench.harness import Bench, Result, benchmark, p95, timings_ms
from rapport.contacts.models import Contact
from rapport.contacts.selectors import birthdays_between

RUNS = 10
TARGET_MS = 1000.0


def rapport(start: dt.date, days: int) -> tuple[int, list[int]]:
    """The way a birthday scenario asks: how many, then which."""
    found = Contact.objects.filter(birthdays_between(start, days))
    return found.count(), list(found.order_by().values_list("pk", flat=True))


def _celebrated(start: dt.date, days: int) -> list[str]:
    """The birthdays ("MM-DD") celebrated in the run, 29 February on a non-leap 28th."""
    out: set[str] = set()
    for offset in range(days + 1):
        day = start + dt.timedelta(days=offset)
        out.add(f"{day:%m-%d}")
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            out.add("02-29")
    return sorted(out)


def full_scan(start: dt.date, days: int) -> tuple[int, list[int]]:
    """The same answer by reading every contact's birth date."""
    wanted = _celebrated(start, days)
    fmt = (
        "to_char(birth_date, %s)"
        if connection.vendor == "postgresql"
        else "strftime(%s, birth_date)"
    )
    pattern = "MM-DD" if connection.vendor == "postgresql" else "%m-%d"
    marks = ", ".join("%s" for _ in wanted)
    sql = (
        f"SELECT id FROM {Contact._meta.db_table} "  # noqa: S608
        f"WHERE birth_date IS NOT NULL AND {fmt} IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [pattern, *wanted])
        ids = [row[0] for row in cursor.fetchall()]
    return len(ids), ids


@benchmark
def birthdays(bench: Bench) -> list[Result]:
    today = timezone.localdate()
    results = []
    for start, days, label in (
        (today, 0, "today"),
        (dt.date(today.year, 12, 30), 5, "30 Dec + 5 days"),
    ):
        count, ids = rapport(start, days)
        scanned_count, scanned = full_scan(start, days)
        if count != len(ids) or sorted(ids) != sorted(scanned) or scanned_count != count:
            raise AssertionError(
                f"birthdays {label}: Rapport found {count} contacts, the full scan {scanned_count}"
            )
        results.append(
            Result(
                metric=f"birthdays {label}, count + ids ({count:,} found; same ids as a scan)",
                rapport=p95(timings_ms(lambda run: rapport(*run), [(start, days)] * RUNS)),
                baseline=p95(timings_ms(lambda run: full_scan(*run), [(start, days)] * RUNS)),
                unit="ms",
                target=TARGET_MS,
            )
        )
    return results
