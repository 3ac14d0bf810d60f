"""The refresh's last step: the computed frames replace the stored metrics, product metrics,
report snapshots and cross-sell pairs, and the RFM segment changes are recorded, in one
transaction.
"""

import datetime as dt
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from rapport.analytics import writers
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
    the segment history as it is and says so in `warnings`."""
    computed_at = timezone.now()
    constants = {"as_of": as_of, "computed_at": computed_at, "currency": currency}
    with transaction.atomic():
        with rec.step("write customer metrics") as s:
            s["rows"] = writers.replace_rows(
                CustomerMetrics,
                metrics,
                constants=constants,
                json_columns=["churn_reason", "next_best_offer_reason"],
                progress=rec.report_progress("write customer metrics"),
            )
        with rec.step("write product metrics") as s:
            s["rows"] = writers.replace_rows(
                ProductMetrics,
                product_frame(product_classes, product_lines, start, end),
                constants=constants,
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
            )
            for basis, table in pair_tables.items():
                s["rows"] += writers.replace_rows(
                    CrossSellPair,
                    table.with_columns(pl.lit(basis).alias("basis")),
                    where=("basis = %s", [basis]),
                )
