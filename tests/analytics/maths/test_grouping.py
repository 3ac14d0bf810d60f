"""The packed-key grouping gives the plain grouping's result on each of its routes."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.analytics.maths.grouping import run_start, sum_by


def plain(frame, id_column):
    return (
        frame.group_by(id_column, "index")
        .agg(pl.col("value").sum(), pl.len().alias("rows"))
        .sort(id_column, "index")
    )


rows = st.lists(
    st.tuples(st.integers(0, 50), st.integers(0, 9), st.integers(-5, 5)), min_size=1, max_size=80
)


@settings(max_examples=60, deadline=None)
@given(rows, st.sampled_from(["few", "many", "str"]))
def test_every_route_equals_a_plain_group_by(rows_, ids):
    frame = pl.DataFrame(rows_, schema=["id", "index", "value"], orient="row")
    if ids == "few":  # 2 ids × 10 indexes, ≥ 200 rows: the hash route (rows ≥ 8 × keys)
        frame = pl.concat([frame.with_columns(pl.col("id") % 2)] * 200)
    if ids == "many":  # a wide id range: the sorted route instead of the hash route
        frame = frame.with_columns(pl.col("id") * 1_000_003)
    if ids == "str":  # ids that cannot be packed: the plain route
        frame = frame.with_columns(pl.col("id").cast(pl.String).str.zfill(3))
    aggs = [pl.col("value").sum(), pl.len().alias("rows")]

    grouped = sum_by(frame, "id", pl.col("index"), 10, aggs)

    expected = plain(frame, "id")
    assert grouped.columns == ["id", "index", "value", "rows"]
    assert grouped.with_columns(pl.col("rows").cast(pl.UInt32)).equals(
        expected.with_columns(pl.col("rows").cast(pl.UInt32), pl.col("index").cast(pl.Int64))
    )
    assert grouped["id"].is_sorted()


def test_run_start_carries_each_runs_first_value():
    frame = pl.DataFrame({"id": [1, 1, 2, 2, 2, 5], "month": [3, 4, 1, 2, 7, 9]})

    assert frame.select(run_start("id", "month"))["month"].to_list() == [3, 3, 1, 1, 1, 9]
