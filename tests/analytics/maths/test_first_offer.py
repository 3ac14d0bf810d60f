"""The dense best-offer walk gives exactly what the next-best-offer join gives with top 1."""

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.analytics.maths import first_offer
from rapport.analytics.maths.crosssell import next_best_offer
from rapport.analytics.maths.first_offer import first_offers
from rapport.analytics.maths.purchase_matrix import purchase_matrix
from tests.analytics.maths.strategies import rule_rows, rules_frame

RULES_SCHEMA = {"item": pl.Int64, "also_bought": pl.Int64, "confidence": pl.Float64,
                "lift": pl.Float64, "customers": pl.Int64}  # fmt: skip


def matrix_of(history):
    return purchase_matrix(history["contact_id"].to_numpy(), history["item"].to_numpy())


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 6), st.integers(1, 8)), max_size=30),
    rule_rows(8, 30),
    st.lists(st.integers(1, 8), min_size=1, max_size=8),
    st.integers(1, 4),
)  # fmt: skip
def test_first_offers_equal_next_best_offer(history_rows, rule_rows_, active_items, depth):
    history = pl.DataFrame(
        history_rows, schema={"contact_id": pl.Int64, "item": pl.Int64}, orient="row"
    )
    rules = rules_frame(rule_rows_)
    active = pl.DataFrame({"item": active_items}, schema={"item": pl.Int64})

    dense = first_offers(matrix_of(history), rules, active=active, rules_per_item=depth)
    joined = next_best_offer(history, rules, active=active, top=1, rules_per_item=depth)

    assert dense is not None
    assert dense.rows() == joined.rows()
    assert dense.schema == joined.schema


def test_a_customer_is_offered_the_best_rule_they_can_take():
    # customer 1 bought 1 and 2: the best rule 1→2 is taken, so 1→3 (lift 2) wins;
    # customer 2 bought 4 only: 4→3
    history = pl.DataFrame({"contact_id": [1, 1, 2], "item": [1, 2, 4]})
    rules = pl.DataFrame(
        [(1, 2, 0.5, 3.0, 10), (1, 3, 0.4, 2.0, 8), (4, 3, 0.6, 1.5, 12)],
        schema=RULES_SCHEMA,
        orient="row",
    )
    active = pl.DataFrame({"item": [2, 3]})

    offers = first_offers(matrix_of(history), rules, active=active, rules_per_item=5)

    assert offers is not None
    assert offers.rows() == [(1, 1, 3, 1, 0.4, 2.0, 8), (2, 1, 3, 4, 0.6, 1.5, 12)]


def test_too_many_items_for_a_dense_table_defer_to_the_join(monkeypatch):
    monkeypatch.setattr(first_offer, "DENSE_CELLS", 3)
    history = pl.DataFrame({"contact_id": [1, 2], "item": [1, 2]})
    rules = pl.DataFrame([(1, 2, 0.5, 3.0, 10)], schema=RULES_SCHEMA, orient="row")

    assert first_offers(matrix_of(history), rules, active=history, rules_per_item=5) is None


def test_bad_arguments_are_named():
    history = purchase_matrix(np.array([1]), np.array([1]))
    rules = pl.DataFrame(schema=RULES_SCHEMA)
    with pytest.raises(ValueError, match="rules_per_item must be at least 1"):
        first_offers(history, rules, active=pl.DataFrame({"item": [1]}), rules_per_item=0)
    with pytest.raises(ValueError, match="rules lacks the column"):
        first_offers(history, rules.drop("lift"), active=pl.DataFrame({"item": [1]}),
                     rules_per_item=1)  # fmt: skip
