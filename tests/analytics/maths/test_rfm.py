"""RFM scores, the tie rule, segments, the grid and the totals on hand-checked customers."""

import polars as pl
import pytest
from hypothesis import given, settings

from rapport.analytics.maths import rfm
from rapport.analytics.maths.purchases import customer_summary
from tests.analytics.maths.strategies import AS_OF, order_rows, orders_frame


def summary(*rows):
    """(contact_id, recency_days, purchase_days, total_revenue) rows."""
    return pl.DataFrame(
        rows,
        schema={
            "contact_id": pl.Int64,
            "recency_days": pl.Int64,
            "purchase_days": pl.Int64,
            "total_revenue": pl.Float64,
        },
        orient="row",
    )


def scores(frame):
    return {r[0]: r[1:] for r in frame.select("contact_id", "r_score", "f_score", "m_score").rows()}


def test_five_distinct_customers_get_one_quintile_each():
    customers = summary(
        (1, 10, 5, 500.0),
        (2, 20, 4, 400.0),
        (3, 30, 3, 300.0),
        (4, 40, 2, 200.0),
        (5, 50, 1, 100.0),
    )

    scored = rfm.rfm_scores(customers)

    assert scores(scored) == {
        1: (5, 5, 5),
        2: (4, 4, 4),
        3: (3, 3, 3),
        4: (2, 2, 2),
        5: (1, 1, 1),
    }
    assert scored["rfm_segment"].to_list() == [
        "champions", "loyal", "need_attention", "hibernating", "lost"
    ]  # fmt: skip


def test_ties_share_the_score_of_their_average_rank():
    # Ten customers: six bought on one day, two on two, one on three, one on five days.
    # Average ranks 3.5, 7.5, 9 and 10 of 10 → quintiles ⌊5·(r − ½)/10⌋ + 1 = 2, 4, 5, 5.
    days = [1, 1, 1, 1, 1, 1, 2, 2, 3, 5]
    customers = summary(*[(i, 7, d, 100.0) for i, d in enumerate(days)])

    scored = rfm.rfm_scores(customers)

    assert scored["f_score"].to_list() == [2, 2, 2, 2, 2, 2, 4, 4, 5, 5]
    assert scored["r_score"].unique().to_list() == [3]  # everyone alike: the middle
    assert scored["m_score"].unique().to_list() == [3]


def test_the_scores_do_not_depend_on_row_order():
    customers = summary(*[(i, (i * 37) % 11, 1 + i % 4, float(i % 3)) for i in range(30)])

    assert rfm.rfm_scores(customers).equals(rfm.rfm_scores(customers.reverse()))


def test_one_customer_sits_in_the_middle():
    scored = rfm.rfm_scores(summary((1, 100, 1, 50.0)))

    assert scored.select("r_score", "f_score", "m_score", "rfm_segment").row(0) == (
        3,
        3,
        3,
        "need_attention",
    )


def test_customers_without_a_purchase_are_not_scored():
    scored = rfm.rfm_scores(summary((1, 5, 1, 10.0), (2, 0, 0, 0.0)))

    assert scored["contact_id"].to_list() == [1]


def test_the_grid_has_all_25_cells_and_the_totals_every_segment():
    customers = summary((1, 10, 5, 500.0), (2, 20, 4, 400.0), (3, 30, 3, 300.0))
    scored = rfm.rfm_scores(customers)

    grid = rfm.rfm_grid(scored)
    totals = rfm.segment_totals(scored)

    assert grid.height == 25
    assert grid.select("r_score", "f_score").rows()[:6] == [
        (5, 5), (5, 4), (5, 3), (5, 2), (5, 1), (4, 5)
    ]  # fmt: skip
    filled = grid.filter(pl.col("count") > 0).rows()
    assert sorted(filled) == [(1, 1, 1, 300.0), (3, 3, 1, 400.0), (5, 5, 1, 500.0)]
    assert totals["rfm_segment"].to_list() == list(rfm.DEFAULT_SEGMENT_MAP)
    assert dict(zip(totals["rfm_segment"], totals["count"], strict=True)) == {
        "champions": 1, "loyal": 0, "potential_loyalist": 0, "new": 0, "promising": 0,
        "need_attention": 1, "about_to_sleep": 0, "at_risk": 0, "cant_lose_them": 0,
        "hibernating": 0, "lost": 1,
    }  # fmt: skip


def test_a_custom_map_is_used_and_checked():
    two = {"recent": [f"{r}{f}" for r in "45" for f in "12345"],
           "earlier": [f"{r}{f}" for r in "123" for f in "12345"]}  # fmt: skip
    scored = rfm.rfm_scores(summary((1, 1, 1, 1.0), (2, 9, 1, 1.0)), segment_map=two)

    assert scored["rfm_segment"].to_list() == ["recent", "earlier"]
    with pytest.raises(ValueError, match="RFM cells 11 belong to no segment"):
        rfm.segment_lookup({"all": two["recent"] + two["earlier"][1:]})
    with pytest.raises(ValueError, match="RFM cell 55 is in both 'a' and 'b'"):
        rfm.segment_lookup({"a": ["55"], "b": ["55"]})
    with pytest.raises(ValueError, match="'60' is not a cell"):
        rfm.segment_lookup({"a": ["60"]})


def test_no_customers_give_an_empty_grid_with_zeros():
    scored = rfm.rfm_scores(summary())

    assert scored.is_empty()
    assert rfm.rfm_grid(scored)["count"].sum() == 0
    assert rfm.segment_totals(scored)["revenue"].sum() == 0.0


@settings(max_examples=60, deadline=None)
@given(order_rows)
def test_scores_are_1_to_5_and_every_customer_lands_in_one_cell(rows):
    scored = rfm.rfm_scores(customer_summary(orders_frame(rows), as_of=AS_OF))

    for column in ("r_score", "f_score", "m_score"):
        assert scored[column].is_between(1, 5).all()
        assert scored[column].null_count() == 0
    assert scored["rfm_segment"].null_count() == 0
    assert rfm.rfm_grid(scored)["count"].sum() == scored.height
    assert rfm.segment_totals(scored)["count"].sum() == scored.height
    # Better values never get a lower score.
    ordered = scored.sort("total_revenue")
    assert ordered["m_score"].is_sorted()
