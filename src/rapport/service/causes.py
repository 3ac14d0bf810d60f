"""The root-cause report's arithmetic on a frame of complaints (Polars and NumPy, no Django):
counts per cause, category and product, satisfaction averages, monthly counts and each
cause's trend.

The input has one row per complaint: `month` (the first day of the month it was registered,
in the site's zone), `root_cause`, `category`, `product` (ids or null) and `satisfaction`
(1–5 or null).
"""

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

SCHEMA = {
    "month": pl.Date,
    "root_cause": pl.Int64,
    "category": pl.Int64,
    "product": pl.Int64,
    "satisfaction": pl.Int64,
}


def months_between(start: dt.date, end: dt.date) -> list[dt.date]:
    """The first days of every month from `start`'s to `end`'s, both included."""
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _counts(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    return frame.group_by(by).agg(
        pl.len().alias("count"),
        pl.col("satisfaction").mean().alias("csat_average"),
        pl.col("satisfaction").count().alias("csat_answers"),
    )


def trend(counts: list[int]) -> float | None:
    """The least-squares slope of monthly counts: complaints per month gained (positive) or
    shed (negative) over the period; None with fewer than two months."""
    if len(counts) < 2:
        return None
    slope = np.polyfit(np.arange(len(counts), dtype=float), np.asarray(counts, dtype=float), 1)[0]
    return round(float(slope), 2)


def _ordered(frame: pl.DataFrame, key: str) -> list[dict[str, Any]]:
    """Rows by count, largest first; ties by id, "none" (null) last."""
    return frame.sort(["count", key], descending=[True, False], nulls_last=True).to_dicts()


def summarize(complaints: pl.DataFrame, months: list[dt.date]) -> dict[str, Any]:
    """Every figure of the report, as plain lists of dicts (ids, counts, averages)."""
    complaints = complaints.cast(SCHEMA)  # type: ignore[arg-type]
    causes = _ordered(_counts(complaints, ["root_cause"]), "root_cause")
    monthly = (
        complaints.group_by(["month", "root_cause"])
        .agg(pl.len().alias("count"))
        .sort(["month", "root_cause"], nulls_last=True)
    )
    per_cause: dict[Any, dict[dt.date, int]] = {}
    for row in monthly.iter_rows(named=True):
        per_cause.setdefault(row["root_cause"], {})[row["month"]] = row["count"]
    for cause in causes:
        by_month = per_cause.get(cause["root_cause"], {})
        cause["trend_per_month"] = trend([by_month.get(month, 0) for month in months])
    return {
        "complaints": complaints.height,
        "with_cause": complaints.filter(pl.col("root_cause").is_not_null()).height,
        "causes": causes,
        "categories": _ordered(_counts(complaints, ["category"]), "category"),
        "products": _ordered(_counts(complaints, ["product"]), "product"),
        "by_cause": complaints.group_by(["root_cause", "category", "product"])
        .agg(pl.len().alias("count"))
        .sort(
            ["count", "root_cause", "category", "product"],
            descending=[True, False, False, False],
            nulls_last=True,
        )
        .to_dicts(),
        "months": [
            {"month": row["month"], "root_cause": row["root_cause"], "count": row["count"]}
            for row in monthly.iter_rows(named=True)
        ],
    }
