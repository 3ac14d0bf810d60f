"""Churn risk from P(alive) and the customer's own rhythm; the at-risk ranking."""

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.analytics.maths.churn import at_risk, churn_risk

SCHEMA = {
    "contact_id": pl.Int64,
    "recency_days": pl.Int64,
    "frequency": pl.Int64,
    "first_to_last_days": pl.Int64,
    "p_alive": pl.Float64,
}


def customers(*rows):
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


# 1: every 50 days, silent for 150 (3×), P(alive) 0.2. 2: every 50 days, bought 25 days ago,
# P(alive) 0.9. 3: bought once 100 days ago, no model. 4: every 30 days, due today, P(alive) 0.
# The typical interval (median of the own ones: 50, 50, 30) is 50 days.
CUSTOMERS = customers(
    (1, 150, 2, 100, 0.2),
    (2, 25, 4, 200, 0.9),
    (3, 100, 0, 0, None),
    (4, 30, 1, 30, 0.0),
)


def test_risk_parts_and_reasons_by_hand():
    scored = churn_risk(CUSTOMERS)

    assert scored.rows() == [
        (1, pytest.approx(0.9), "overdue", 150, 50.0, "own", 3.0, 1.0, pytest.approx(0.8), 0.2),
        (2, pytest.approx(0.05), "on_track", 25, 50.0, "own", 0.5, 0.0, pytest.approx(0.1), 0.9),
        (3, 0.5, "overdue", 100, 50.0, "typical", 2.0, 0.5, None, None),
        (4, 0.5, "low_p_alive", 30, 30.0, "own", 1.0, 0.0, 1.0, 0.0),
    ]
    assert scored.columns == [
        "contact_id", "churn_risk", "reason", "days_since_last", "usual_interval_days",
        "interval_source", "overdue_ratio", "rhythm_risk", "model_risk", "p_alive",
    ]  # fmt: skip


def test_without_model_or_rhythm_the_risk_is_unknown_not_nan():
    # Nobody bought twice (no rhythm to compare with) and the model did not fit (NaN).
    scored = churn_risk(customers((1, 10, 0, 0, float("nan")), (2, 0, 0, 0, None)))

    assert scored.select("churn_risk", "reason", "interval_source", "p_alive").rows() == [
        (None, "no_data", None, None),
        (None, "no_data", None, None),
    ]


def test_the_weights_are_settings():
    scored = churn_risk(CUSTOMERS, model_weight=1.0, full_risk_ratio=2.0)

    assert scored["churn_risk"].to_list() == pytest.approx([0.8, 0.1, 1.0, 1.0])
    with pytest.raises(ValueError, match="model_weight is between 0 and 1"):
        churn_risk(CUSTOMERS, model_weight=2)
    with pytest.raises(ValueError, match="full_risk_ratio must be above 1"):
        churn_risk(CUSTOMERS, full_risk_ratio=1)


def test_at_risk_ranks_by_value_at_risk():
    scored = churn_risk(CUSTOMERS).join(
        pl.DataFrame({"contact_id": [1, 2, 3, 4], "clv": [1000.0, 5000.0, None, 2000.0]}),
        on="contact_id",
    )

    ranked = at_risk(scored)

    # 4: 0.5 × 2000 = 1000; 1: 0.9 × 1000 = 900; 3: unknown value, last; 2 is on track.
    assert ranked.select("rank", "contact_id", "value_at_risk").rows() == [
        (1, 4, 1000.0),
        (2, 1, pytest.approx(900.0)),
        (3, 3, None),
    ]
    assert at_risk(scored, limit=1)["contact_id"].to_list() == [4]
    assert at_risk(scored.clear())["rank"].to_list() == []


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 2000), st.integers(0, 30), st.integers(0, 2000),
                  st.one_of(st.none(), st.floats(0, 1), st.just(float("nan")))),
        max_size=30,
    )
)  # fmt: skip
def test_risk_is_in_zero_one_and_never_nan(rows):
    frame = customers(*[(i, r, f, max(t, f), p) for i, (r, f, t, p) in enumerate(rows)])

    scored = churn_risk(frame)

    risk = scored["churn_risk"]
    assert risk.drop_nulls().is_between(0, 1).all()
    assert not risk.is_nan().any()
    assert scored.filter(risk.is_null())["reason"].unique().to_list() in ([], ["no_data"])
