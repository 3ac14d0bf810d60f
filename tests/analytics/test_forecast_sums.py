"""The forecasts' monthly sums: each audience's, and the whole business's added up from them
(orders without an audience included), equal to grouping every frame directly."""

import datetime as dt

import polars as pl

from rapport.analytics.refresh.forecasts import monthly_sums

D = dt.date
ORDERS = pl.DataFrame(
    {
        "order_id": [1, 2, 3, 4],
        "ordered_at": [D(2026, 1, 5), D(2026, 1, 20), D(2026, 2, 1), D(2026, 1, 9)],
        "value": [100.10, 0.20, 50.0, 7.05],
        "scope": ["team:1", "team:2", "team:1", None],
    }
)
LINES = pl.DataFrame(
    {
        "order_id": [1, 1, 2, 3, 4, 4],
        "product_id": [10, 11, 10, 12, 10, 13],
        "ordered_at": [D(2026, 1, 5)] * 2 + [D(2026, 1, 20), D(2026, 2, 1)] + [D(2026, 1, 9)] * 2,
        "value": [60.05, 40.05, 0.20, 50.0, 7.0, 0.05],
        "scope": ["team:1", "team:1", "team:2", "team:1", None, None],
        "category_id": [1, 1, 1, 2, 1, None],
    }
)


def _rows(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    """The rows in a fixed order, revenue to the cent (the sums are cents times 0.01)."""
    rows = frame.with_columns(pl.col("orders").cast(pl.Int64)).rows()
    return sorted(((*r[:-2], round(r[-2], 2), r[-1]) for r in rows), key=repr)


def test_monthly_sums_of_every_audience_and_of_the_whole_business() -> None:
    sums = monthly_sums(ORDERS, LINES)
    assert _rows(sums["all:orders"]) == [(D(2026, 1, 1), 107.35, 3), (D(2026, 2, 1), 50.0, 1)]
    assert _rows(sums["orders"]) == [
        ("team:1", D(2026, 1, 1), 100.1, 1),
        ("team:1", D(2026, 2, 1), 50.0, 1),
        ("team:2", D(2026, 1, 1), 0.2, 1),
    ]
    # category 1 in January: orders 1 (two lines), 2 and 4 — three distinct orders
    assert _rows(sums["all:categories"]) == [
        (1, D(2026, 1, 1), 107.3, 3),
        (2, D(2026, 2, 1), 50.0, 1),
    ]
    assert _rows(sums["categories"]) == [
        ("team:1", 1, D(2026, 1, 1), 100.1, 1),
        ("team:1", 2, D(2026, 2, 1), 50.0, 1),
        ("team:2", 1, D(2026, 1, 1), 0.2, 1),
    ]
