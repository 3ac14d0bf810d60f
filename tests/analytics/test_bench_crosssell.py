"""The cross-sell benchmark compares like with like before it times anything."""

import polars as pl
import pytest

from rapport.analytics.maths import crosssell
from rapport.analytics.maths.synthetic import travel_lines
from rapport.bench import crosssell as bench


@pytest.fixture(scope="module")
def lines() -> pl.DataFrame:
    return travel_lines(3000, as_of=bench.AS_OF, seed=1).select(
        "order_id", "contact_id", "product_id"
    )


def test_both_sides_find_the_same_pairs(lines, tmp_path):
    path = tmp_path / "lines.parquet"
    lines.write_parquet(path)
    _, theirs = bench.duckdb_pairs(path)
    _, ours = bench.rapport_pairs(lines)

    for basis in bench.BASES:
        assert len(theirs[basis]) > 0
        assert bench.same_pairs(ours[basis], theirs[basis])


def test_a_pair_counted_differently_is_caught(lines, tmp_path):
    path = tmp_path / "lines.parquet"
    lines.write_parquet(path)
    _, theirs = bench.duckdb_pairs(path)
    ours = crosssell.item_pairs(lines, by="basket")

    def off_by_one(forward: bool) -> pl.DataFrame:
        way = (
            pl.col("item") < pl.col("also_bought")
            if forward
            else pl.col("item") > pl.col("also_bought")
        )
        first = way & (pl.int_range(pl.len()) == pl.arg_where(way).first())
        return ours.with_columns(
            pl.when(first).then(pl.col("pair_count") + 1).otherwise(pl.col("pair_count"))
        )

    assert bench.same_pairs(ours, theirs["basket"])
    assert not bench.same_pairs(off_by_one(forward=True), theirs["basket"])
    assert not bench.same_pairs(off_by_one(forward=False), theirs["basket"])
    assert not bench.same_pairs(ours.head(len(ours) - 2), theirs["basket"])


def test_the_row_carries_the_issues_target():
    [row] = bench.measure(2000)

    assert row.target == 3.0
    assert row.unit == "s"
    assert "order lines" in row.metric


def test_make_bench_runs_it_in_a_process_of_its_own():
    from rapport.bench.harness import Bench

    [row] = bench.cross_sell_pairs(Bench(contacts=2000))

    assert row.target == 3.0
    assert "order lines" in row.metric
