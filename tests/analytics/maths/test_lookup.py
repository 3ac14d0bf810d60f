"""`lookup` gives exactly Polars' join (in the left frame's row order) whatever the keys."""

from typing import Literal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.analytics.maths.lookup import lookup

keys = st.one_of(st.none(), st.integers(-2, 12))
table_keys = st.lists(st.integers(-1, 12), max_size=10)


def _frames(left: list[int | None], right: list[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    frame = pl.DataFrame(
        {"id": left, "value": [float(i) for i in range(len(left))]},
        schema={"id": pl.Int64, "value": pl.Float64},
    )
    table = pl.DataFrame(
        {"id": right, "name": [f"n{k}" for k in right], "day": list(range(len(right)))},
        schema={"id": pl.Int64, "name": pl.String, "day": pl.Int32},
    )
    return frame, table


@pytest.mark.parametrize("how", ["inner", "left"])
@settings(max_examples=80, deadline=None)
@given(left=st.lists(keys, max_size=30), right=table_keys)
def test_lookup_is_the_join_in_the_frames_order(
    how: Literal["inner", "left"], left: list[int | None], right: list[int]
) -> None:
    frame, table = _frames(left, right)
    expected = frame.join(table, on="id", how=how, maintain_order="left")
    assert lookup(frame, table, "id", how=how).to_dicts() == expected.to_dicts()
    assert lookup(frame, table, "id", how=how).schema == expected.schema


def test_lookup_by_position_keeps_the_frames_order_and_drops_or_fills_the_unmatched() -> None:
    # given lines of orders 3, 1, 7 (no such order) and a null, and orders 1 and 3
    frame, table = _frames([3, 1, 7, None], [1, 3])
    # then the inner lookup keeps the two matched lines in their order
    assert lookup(frame, table, "id").to_dicts() == [
        {"id": 3, "value": 0.0, "name": "n3", "day": 1},
        {"id": 1, "value": 1.0, "name": "n1", "day": 0},
    ]
    # and the left lookup keeps every line, with nulls where there is no order
    assert lookup(frame, table, "id", how="left")["name"].to_list() == ["n3", "n1", None, None]


def test_sparse_ids_take_the_join_with_the_same_result() -> None:
    frame, table = _frames([5, 10**12], [10**12, 5])
    assert lookup(frame, table, "id").to_dicts() == [
        {"id": 5, "value": 0.0, "name": "n5", "day": 1},
        {"id": 10**12, "value": 1.0, "name": f"n{10**12}", "day": 0},
    ]
