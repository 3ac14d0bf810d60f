"""The refresh's last step: the computed frames replace the stored metrics, product metrics,
report snapshots and cross-sell pairs, and the RFM segment changes are recorded, in one
transaction.
"""

import datetime as dt
from contextlib import ExitStack
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from rapport.analytics import staging, writers
from rapport.analytics.models import CrossSellPair, CustomerMetrics, ProductMetrics, ReportSnapshot
from rapport.analytics.refresh.classes import product_frame
from rapport.analytics.refresh.messages import warning
from rapport.analytics.refresh.progress import Recorder


def write_results(
    rec: Recorder,
    warnings: list[dict[str, Any]],
    *,
    as_of: dt.date,
    currency: str,
    metrics: pl.DataFrame,
    product_classes: pl.DataFrame,
    product_lines: pl.DataFrame,
    start: dt.date,
    end: dt.date,
    snapshots: pl.DataFrame,
    pair_tables: dict[str, pl.DataFrame],
) -> None:
    """Replace every stored row of the refresh in one transaction; a backdated refresh leaves
    the segment history as it is and says so in `warnings`. On SQLite in a file the frames
    are staged first (`staging`), so that SQLite copies them instead of Python binding them."""
    computed_at = timezone.now()
    constants = {"as_of": as_of, "computed_at": computed_at, "currency": currency}
    products = product_frame(product_classes, product_lines, start, end)
    # the table holds every basis's pairs: it is replaced whole
    pairs = pl.concat(
        [table.with_columns(pl.lit(basis).alias("basis")) for basis, table in pair_tables.items()]
    )
    with ExitStack() as staged:
        stage = None
        if staging.can_stage():
            with rec.step("stage rows for writing") as s:
                frames = {
                    "metrics": writers.database_form(metrics),
                    "products": writers.database_form(products),
                    "snapshots": writers.database_form(snapshots, json_columns=["payload"]),
                    "pairs": writers.database_form(pairs),
                }
                stage = staged.enter_context(staging.staged(frames))
                s["rows"] = sum(len(f) for f in frames.values())
        staged.enter_context(staging.write_cache())
        with transaction.atomic():
            _write(
                rec,
                warnings,
                as_of=as_of,
                computed_at=computed_at,
                constants=constants,
                metrics=metrics,
                products=products,
                snapshots=snapshots,
                pairs=pairs,
                stage=stage,
            )
            # the commit is a step of its own: on SQLite it writes the transaction's pages
            # (and checkpoints the WAL into the database file), which the steps above only queued
            committing = rec.clock()
        rec.record({"step": "commit", "rows": 0}, committing)


def _write(
    rec: Recorder,
    warnings: list[dict[str, Any]],
    *,
    as_of: dt.date,
    computed_at: dt.datetime,
    constants: dict[str, Any],
    metrics: pl.DataFrame,
    products: pl.DataFrame,
    snapshots: pl.DataFrame,
    pairs: pl.DataFrame,
    stage: staging.Stage | None,
) -> None:
    """The writes of `write_results`, inside its transaction."""
    with rec.step("write customer metrics") as s:
        s["rows"] = writers.replace_rows(
            CustomerMetrics,
            metrics,
            constants=constants,
            progress=rec.report_progress("write customer metrics"),
            stage=stage,
            staged_as="metrics",
        )
    with rec.step("write product metrics") as s:
        s["rows"] = writers.replace_rows(
            ProductMetrics, products, constants=constants, stage=stage, staged_as="products"
        )
    with rec.step("write segment history") as s:
        latest = writers.latest_history_day()
        if latest is not None and latest > as_of:
            warnings.append(warning("history_backdated", as_of=as_of.isoformat()))
        else:
            changed = writers.record_segment_history(
                metrics.select("contact_id", "rfm_segment"), as_of
            )
            s["rows"] = changed["entered"] + changed["left"]
    with rec.step("write reports and cross-sell pairs") as s:
        s["rows"] = writers.replace_rows(
            ReportSnapshot,
            snapshots,
            constants={"as_of": as_of, "computed_at": computed_at},
            json_columns=["payload"],
            stage=stage,
            staged_as="snapshots",
        )
        s["rows"] += writers.replace_rows(CrossSellPair, pairs, stage=stage, staged_as="pairs")
