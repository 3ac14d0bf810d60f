"""The issue's bad inputs run through every function: no orders, one customer, everything on
one day, zero-value orders. Each gives a stated result, never a crash or a NaN."""

import datetime as dt

import polars as pl
import pytest

from rapport.analytics.maths import abcxyz, churn, cohorts, crosssell, purchases, rfm

AS_OF = dt.date(2026, 3, 15)
DAY = dt.date(2026, 2, 10)
SCHEMA = {"order_id": pl.Int64, "contact_id": pl.Int64, "ordered_at": pl.Date,
          "product_id": pl.Int64, "value": pl.Float64}  # fmt: skip

CASES = {
    "no orders": [],
    "one customer, one order": [(1, 7, DAY, 100, 250.0)],
    "everything on one day": [(o, o, DAY, 100 + o % 2, 10.0 * o) for o in range(1, 9)],
    "zero-value orders": [(o, o % 3, DAY - dt.timedelta(days=30 * o), 100, 0.0)
                          for o in range(1, 7)],
}  # fmt: skip


def everything(lines: pl.DataFrame) -> dict[str, pl.DataFrame]:
    summary = purchases.customer_summary(lines, as_of=AS_OF)
    scored = rfm.rfm_scores(summary)
    start, end = abcxyz.complete_window(AS_OF)
    classes = abcxyz.classify(lines, id_column="contact_id", start=start, end=end)
    rules = crosssell.item_pairs(lines, by="customer", min_count=1)
    history = lines.select("contact_id", pl.col("product_id").alias("item"))
    active = pl.DataFrame({"item": [100, 101]})
    risk = churn.churn_risk(summary.with_columns(pl.lit(None, pl.Float64).alias("p_alive")))
    return {
        "summary": summary,
        "scores": scored,
        "grid": rfm.rfm_grid(scored),
        "segments": rfm.segment_totals(scored),
        "classes": classes,
        "matrix": abcxyz.matrix(classes),
        "cohorts": cohorts.monthly_cohorts(lines, as_of=AS_OF),
        "pairs": crosssell.item_pairs(lines, by="basket", min_count=1),
        "offers": crosssell.next_best_offer(history, rules, active=active),
        "risk": risk,
        "at_risk": churn.at_risk(risk.with_columns(pl.lit(100.0).alias("clv"))),
    }


@pytest.mark.parametrize("case", CASES)
def test_no_nan_anywhere(case):
    results = everything(pl.DataFrame(CASES[case], schema=SCHEMA, orient="row"))

    for name, frame in results.items():
        floats = [c for c, t in frame.schema.items() if t == pl.Float64]
        nans = frame.select(pl.col(floats).is_nan().any()).row(0) if floats and len(frame) else ()
        assert not any(nans), name


def test_no_orders_give_empty_tables_and_zero_grids():
    results = everything(pl.DataFrame(schema=SCHEMA))

    assert results["summary"].is_empty()
    assert results["grid"]["count"].sum() == 0
    assert results["matrix"]["count"].sum() == 0
    assert results["cohorts"].is_empty()
    assert results["offers"].is_empty()


def test_one_customer_is_in_the_middle_and_has_no_rhythm_yet():
    lines = pl.DataFrame(CASES["one customer, one order"], schema=SCHEMA, orient="row")

    results = everything(lines)

    assert results["scores"].select("r_score", "f_score", "m_score", "rfm_segment").row(0) == (
        3, 3, 3, "need_attention"
    )  # fmt: skip
    assert results["classes"].select("abc", "xyz").row(0) == ("A", "Z")
    assert results["risk"].select("churn_risk", "reason").row(0) == (None, "no_data")
    assert results["cohorts"].select("months_since", "customers").rows() == [(0, 1), (1, 0)]


def test_everything_on_one_day_ties_recency_and_frequency():
    lines = pl.DataFrame(CASES["everything on one day"], schema=SCHEMA, orient="row")

    results = everything(lines)

    scores = results["scores"]
    assert scores["r_score"].unique().to_list() == [3]
    assert scores["f_score"].unique().to_list() == [3]
    assert scores["m_score"].to_list() == [1, 1, 2, 3, 3, 4, 5, 5]
    assert results["summary"]["frequency"].unique().to_list() == [0]
    assert results["pairs"].is_empty()  # one product per order: nothing bought together


def test_zero_value_orders_count_as_purchases_worth_nothing():
    lines = pl.DataFrame(CASES["zero-value orders"], schema=SCHEMA, orient="row")

    results = everything(lines)

    summary = results["summary"]
    assert summary["purchase_days"].to_list() == [2, 2, 2]
    assert summary["monetary"].to_list() == [0.0, 0.0, 0.0]
    assert results["classes"]["abc"].unique().to_list() == ["C"]
    assert results["classes"]["revenue_share"].sum() == 0.0
    assert results["matrix"].filter(pl.col("count") > 0).rows() == [("C", "Z", 3, 0.0, 0.0)]
