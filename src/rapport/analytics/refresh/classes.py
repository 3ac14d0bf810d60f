"""The refresh's ABC/XYZ step: customers' and products' classes over the complete window, and
each product's stored row (`ProductMetrics`' columns).
"""

import datetime as dt

import polars as pl

from rapport.analytics import config
from rapport.analytics.maths import abcxyz


def abc_xyz_classes(
    sales: pl.DataFrame,
    id_column: str,
    entity: str,
    settings: config.AnalyticsSettings,
    start: dt.date,
    end: dt.date,
    *,
    items: pl.DataFrame | None = None,
) -> pl.DataFrame:
    x = getattr(settings, f"xyz_x_{entity}")
    y = getattr(settings, f"xyz_y_{entity}")
    return abcxyz.classify(
        sales.select(id_column, "ordered_at", "value"),
        id_column=id_column,
        start=start,
        end=end,
        items=items,
        entity=entity,
        period=settings.xyz_period,
        a=settings.abc_a,
        b=settings.abc_b,
        x=x,
        y=y,
    )


def product_frame(
    classes: pl.DataFrame, lines: pl.DataFrame, start: dt.date, end: dt.date
) -> pl.DataFrame:
    """One row per product, named as ProductMetrics' columns: its sales in the window."""
    window = lines.filter(pl.col("ordered_at").is_between(start, end))
    counts = window.group_by("product_id").agg(
        pl.col("order_id").n_unique().alias("orders"),
        pl.col("contact_id").n_unique().alias("customers"),
    )
    return (
        classes.select(
            "product_id",
            pl.col("revenue").round(2),
            pl.col("abc").alias("abc_class"),
            pl.col("xyz").alias("xyz_class"),
            pl.col("cv").alias("variation"),
        )
        .join(counts, on="product_id", how="left")
        .with_columns(pl.col("orders").fill_null(0), pl.col("customers").fill_null(0))
    )
