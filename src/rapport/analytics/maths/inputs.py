"""Checking and normalising the frames the maths modules take.

Every public function names the columns it needs; `checked` raises a ValueError that names the
frame, the missing column or the column holding nulls, instead of letting a bad input surface
as a Polars error or, worse, a silent wrong answer. Values are normalised once here: dates
may arrive as Date or Datetime (the time part is dropped, so convert to the business's time
zone before), money as Decimal, integer or float (it becomes Float64: analytics sums and
ratios in floating point; round to cents when writing back).
"""

from collections.abc import Iterable

import polars as pl

DATE = "date"
MONEY = "money"
ID = "id"
ANY = "any"


def checked(
    frame: pl.DataFrame,
    name: str,
    columns: dict[str, str],
    *,
    nullable: Iterable[str] = (),
) -> pl.DataFrame:
    """`frame` reduced to `columns` (name → DATE, MONEY, ID or ANY), normalised, or a
    ValueError naming what to fix. Columns in `nullable` may hold nulls."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} lacks the column(s) {', '.join(missing)}")
    frame = frame.select(list(columns))
    may_be_null = set(nullable)
    nulls = frame.null_count().row(0, named=True) if len(frame) else {}
    for column in columns:
        if column not in may_be_null and nulls.get(column, 0):
            raise ValueError(f"{name}.{column} has {nulls[column]} empty value(s)")
    casts = []
    for column, kind in columns.items():
        dtype = frame.schema[column]
        if kind == DATE:
            if isinstance(dtype, pl.Datetime):
                casts.append(pl.col(column).dt.date())
            elif dtype == pl.Null:
                casts.append(pl.col(column).cast(pl.Date))
            elif dtype != pl.Date:
                raise ValueError(f"{name}.{column} must hold dates, not {dtype}")
        elif kind == MONEY:
            if not (dtype.is_numeric() or dtype == pl.Null):
                raise ValueError(f"{name}.{column} must hold numbers, not {dtype}")
            casts.append(pl.col(column).cast(pl.Float64))
        elif kind == ID and dtype == pl.Null:
            casts.append(pl.col(column).cast(pl.Int64))
    return frame.with_columns(casts) if casts else frame


def empty(schema: dict[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)
