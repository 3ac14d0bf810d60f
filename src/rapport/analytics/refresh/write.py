"""The refresh's writes: the computed frames replace the stored metrics, product metrics,
report snapshots and cross-sell pairs, and the RFM segment changes are recorded, in one
transaction.

The writes come in the order their frames are known: the segment changes (once the RFM
segments are), the customer and product rows (once the classes, lifetime value, churn risk and
offers are), then the reports and cross-sell pairs. Writing is a third of the refresh on
SQLite (diffing 664k segments, staging, copying and indexing 664k customer rows: ≈ 9 s of one
core at 1M customers), so `begin_writing` opens the transaction as soon as the segments are
known, in a thread with a database connection of its own, and writes each part as the
computation on the other core hands it over (`Writing.customers`, `Writing.finish`). Readers
see the old figures until the commit, then all the new ones, as before.

Where the refresh runs inside a transaction of its caller's (tests do), another connection
would not see that transaction's rows and could not join it: every write then happens in
`finish`, in the caller's thread and transaction, one after the other.
"""

import datetime as dt
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, suppress
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from rapport.analytics import staging, writers
from rapport.analytics.loaders import sqlite_file
from rapport.analytics.models import (
    CrossSellPair,
    CustomerMetrics,
    ProductMetrics,
    ReportSnapshot,
    RfmSegmentHistory,
)
from rapport.analytics.refresh.messages import warning
from rapport.analytics.refresh.progress import Recorder

Customers = tuple[pl.DataFrame, pl.DataFrame]  # the customer metrics and product metrics
Late = tuple[pl.DataFrame, pl.DataFrame]  # the report snapshots and the cross-sell pairs


def _columns(model: type[Model]) -> list[str]:
    """The table's columns, as a staged table's (those a frame lacks stay empty there)."""
    return [str(f.column) for f in model._meta.concrete_fields]


# the scratch files the frames are staged in (SQLite): one a part, each filled once
STAGED = {
    "staged_customers": {
        "metrics": _columns(CustomerMetrics),
        "products": _columns(ProductMetrics),
    },
    "staged_pairs": {"pairs": _columns(CrossSellPair)},
}


class Abandoned(Exception):
    """The refresh failed after its writes had begun: they are rolled back."""


def _defer_locks_to_first_use() -> None:
    """SQLite: this thread's connection opens its transaction with a plain (deferred) BEGIN,
    not the IMMEDIATE of the settings, which locks every attached database at once: a staged
    file must stay unlocked by the transaction until it has been filled (`staged_later`)."""
    connection.ensure_connection()
    connection.transaction_mode = None  # type: ignore[attr-defined]


def _lock_for_writing() -> None:
    """SQLite, first in a deferred transaction: take the main database's write lock now (a
    write of no row takes it, waiting for another writer within the busy timeout), as
    IMMEDIATE would, so that a later write never fails to upgrade a read."""
    table = connection.ops.quote_name(RfmSegmentHistory._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET left_on = left_on WHERE 0")  # noqa: S608


def beside_allowed() -> bool:
    """Whether the writes may run beside the computation, on a connection of their own: not
    inside a caller's transaction, and not on an in-memory SQLite database (its connections
    share one cache, where a reader meets the writer's table locks instead of a snapshot)."""
    if connection.in_atomic_block:
        return False
    return connection.vendor != "sqlite" or sqlite_file() is not None


class Writing:
    """The refresh's writes in one transaction: begun with the segments (`begin_writing`),
    continued with the customer and product rows (`customers`), finished with the reports
    and pairs (`finish`), or rolled back (`abandon`)."""

    def __init__(
        self,
        rec: Recorder,
        warnings: list[dict[str, Any]],
        *,
        as_of: dt.date,
        currency: str,
        segments: pl.DataFrame,
        beside: bool,
    ) -> None:
        self.rec, self.warnings = rec, warnings
        self.as_of = as_of
        self.computed_at = timezone.now()
        self.constants = {"as_of": as_of, "computed_at": self.computed_at, "currency": currency}
        self.segments = segments
        self._customers: Future[Customers] = Future()
        self._late: Future[Late] = Future()
        self._thread: Future[None] | None = None
        if beside:
            writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refresh-write")
            self._thread = writer.submit(self._write_in_thread)
            writer.shutdown(wait=False)

    def customers(self, metrics: pl.DataFrame, products: pl.DataFrame) -> None:
        """Hand over the customer metrics and product metrics rows (written beside what
        follows, where the writes run beside the computation)."""
        self._customers.set_result((metrics, products))

    def finish(self, snapshots: pl.DataFrame, pair_tables: dict[str, pl.DataFrame]) -> None:
        """Write the report snapshots and the pair tables (basis → table; the table holds
        every basis's pairs, replaced whole) and commit; any failure of the writes is raised
        here, with nothing written."""
        pairs = pl.concat(
            [t.with_columns(pl.lit(basis).alias("basis")) for basis, t in pair_tables.items()]
        )
        self._late.set_result((snapshots, pairs))
        if self._thread is None:
            self._write()
        else:
            self._thread.result()

    def abandon(self) -> None:
        """The computation failed: the writes begun are rolled back (waits for it)."""
        for part in (self._customers, self._late):
            if not part.done():
                part.set_exception(Abandoned())
        if self._thread is not None:
            with suppress(Exception):
                self._thread.result()

    def _write_in_thread(self) -> None:
        try:
            self._write()
        finally:
            connection.close()  # this thread's own connection

    def _wait[T](self, part: Future[T], what: str) -> T:
        if self._thread is None:
            return part.result()
        with self.rec.step(f"wait for the {what} (writing beside the computation)"):
            return part.result()

    def _write(self) -> None:
        """Every write in one transaction, each part as soon as it is known. On SQLite in a
        file the customer rows and the pairs are staged (`staging.staged_later`: the frames
        come after the transaction has begun), so that SQLite copies them instead of Python
        binding them."""
        rec = self.rec
        with ExitStack() as stack:
            stages = {
                name: stack.enter_context(staging.staged_later(name, tables))
                for name, tables in STAGED.items()
            }
            stack.enter_context(staging.write_cache())
            # only this thread's own connection is changed; staging happens only there
            deferred = self._thread is not None and any(stages.values())
            if deferred:
                _defer_locks_to_first_use()
            with transaction.atomic():
                if deferred:
                    _lock_for_writing()
                self._write_history()
                metrics, products = self._wait(self._customers, "customer rows")
                stage = self._stage(
                    stages["staged_customers"], {"metrics": metrics, "products": products}
                )
                self._write_customers(metrics, products, stage)
                snapshots, pairs = self._wait(self._late, "reports and pairs")
                stage = self._stage(stages["staged_pairs"], {"pairs": pairs})
                with rec.step("write reports and cross-sell pairs") as s:
                    s["rows"] = writers.replace_rows(
                        ReportSnapshot,
                        snapshots,
                        constants={"as_of": self.as_of, "computed_at": self.computed_at},
                        json_columns=["payload"],
                    )
                    s["rows"] += writers.replace_rows(
                        CrossSellPair, pairs, stage=stage, staged_as="pairs"
                    )
                # the commit is a step of its own: on SQLite it writes the transaction's pages
                # (and checkpoints the WAL into the database file), which the steps above queued
                committing = rec.clock()
            rec.record({"step": "commit", "rows": 0}, committing)

    def _stage(
        self, later: staging.LaterStage | None, frames: dict[str, pl.DataFrame]
    ) -> staging.Stage | None:
        if later is None:
            return None
        with self.rec.step(f"stage {', '.join(frames)} for writing") as s:
            stage = later.fill({k: writers.database_form(v) for k, v in frames.items()})
            s["rows"] = sum(stage.tables.values())
        return stage

    def _write_history(self) -> None:
        """The RFM segment changes; a backdated refresh leaves the history as it is and says
        so."""
        with self.rec.step("write segment history") as s:
            latest = writers.latest_history_day()
            if latest is not None and latest > self.as_of:
                self.warnings.append(warning("history_backdated", as_of=self.as_of.isoformat()))
            else:
                changed = writers.record_segment_history(self.segments, self.as_of)
                s["rows"] = changed["entered"] + changed["left"]

    def _write_customers(
        self, metrics: pl.DataFrame, products: pl.DataFrame, stage: staging.Stage | None
    ) -> None:
        rec = self.rec
        with rec.step("write customer metrics") as s:
            s["rows"] = writers.replace_rows(
                CustomerMetrics,
                metrics,
                constants=self.constants,
                progress=rec.report_progress("write customer metrics"),
                stage=stage,
                staged_as="metrics",
            )
        with rec.step("write product metrics") as s:
            s["rows"] = writers.replace_rows(
                ProductMetrics,
                products,
                constants=self.constants,
                stage=stage,
                staged_as="products",
            )


def begin_writing(
    rec: Recorder,
    warnings: list[dict[str, Any]],
    *,
    as_of: dt.date,
    currency: str,
    segments: pl.DataFrame,
) -> Writing:
    """Begin the refresh's writes with each customer's RFM segment (contact_id, rfm_segment:
    "" for none): beside the rest of the computation where `beside_allowed`, else all of
    them in `Writing.finish`."""
    return Writing(
        rec, warnings, as_of=as_of, currency=currency, segments=segments, beside=beside_allowed()
    )
