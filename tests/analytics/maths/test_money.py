"""Money sums are exact and the same whatever the order of the rows: the pipeline forecast
once read 5,720,373.49 on one run and 5,720,373.48 on the next over the same deals."""

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.analytics.maths import abcxyz, cohorts, money, rfm
from rapport.analytics.maths.forecast import pipeline_forecast
from rapport.analytics.maths.purchases import customer_summary
from tests.analytics.maths.strategies import AS_OF, START

CENT = Decimal("0.01")


def _deals(amounts: list[float], probability: int = 10) -> pl.DataFrame:
    """Open deals of `amounts` at `probability` %, all expected to close in March 2026."""
    return pl.DataFrame(
        {
            "amount": amounts,
            "probability": [probability] * len(amounts),
            "expected_close": [dt.date(2026, 3, 10)] * len(amounts),
        }
    )


def _tie_deals(count: int, seed: int) -> list[int]:
    """`count` deal amounts in cents whose weighted total at 10 % ends in exactly half a cent,
    the case where the order of a float sum decides the rounded cent."""
    rnd = random.Random(seed)
    cents = [rnd.randint(1, 10**9) for _ in range(count)]
    cents[0] += (5 - sum(cents) % 10) % 10
    return cents


def test_pipeline_forecast_is_the_same_cent_for_every_order_of_the_deals() -> None:
    # given 200,000 open deals at 10 % whose exact weighted total is 99,941,977,799.215: the
    # float group-by sum gave …799.21 or …799.22 depending on the row order and Polars'
    # threads (8 different floats in 8 shuffles before the fix)
    cents = _tie_deals(200_000, seed=7)
    rnd = random.Random(1)
    results = set()
    for _ in range(4):
        # when the same deals come in another order
        rnd.shuffle(cents)
        frame = _deals([c / 100 for c in cents])
        months = pipeline_forecast(frame, first_month=dt.date(2026, 3, 1), months=1).months
        results.add(months["weighted_amount"].item())
    # then every run gives the exact total rounded once, half up
    assert results == {99941977799.22}


cent_amounts = st.lists(st.integers(-(10**11), 10**11), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(cent_amounts, st.randoms(use_true_random=False))
def test_money_sum_is_exact_in_any_order(amounts: list[int], rnd: random.Random) -> None:
    shuffled = amounts.copy()
    rnd.shuffle(shuffled)
    frame = pl.DataFrame({"g": [1] * len(amounts), "v": [c / 100 for c in amounts]})
    other = pl.DataFrame({"g": [1] * len(amounts), "v": [c / 100 for c in shuffled]})
    total = frame.group_by("g").agg(money.money_sum("v"))["v"].item()
    assert other.group_by("g").agg(money.money_sum("v"))["v"].item() == total
    # exact once rounded to the cent (the float is the cents times 0.01)
    assert round(total, 2) == float(Decimal(sum(amounts)) / 100)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**10), st.sampled_from([0, 5, 10, 25, 33, 50, 90, 100])),
        min_size=1,
        max_size=30,
    ),
    st.randoms(use_true_random=False),
)
def test_pipeline_forecast_is_exact_in_any_order(
    deals: list[tuple[int, int]], rnd: random.Random
) -> None:
    shuffled = deals.copy()
    rnd.shuffle(shuffled)

    def run(rows: list[tuple[int, int]]) -> list[dict[str, object]]:
        frame = pl.DataFrame(
            {
                "amount": [c / 100 for c, _ in rows],
                "probability": [p for _, p in rows],
                "expected_close": [dt.date(2026, 3, 10)] * len(rows),
            }
        )
        return pipeline_forecast(frame, first_month=dt.date(2026, 3, 1), months=1).months.to_dicts()

    exact = sum(Decimal(c) / 100 * p / 100 for c, p in deals).quantize(CENT, ROUND_HALF_UP)
    assert (
        run(deals)
        == run(shuffled)
        == [{"month": "2026-03", "weighted_amount": float(exact), "deals": len(deals)}]
    )


def test_a_conversion_is_rounded_exactly_half_away_from_zero() -> None:
    # given amounts whose converted value is exactly half a cent (10.00 × 1.2345 = 12.345),
    # which a float product puts just below (12.344999…)
    frame = pl.DataFrame(
        {"v": [10.0, -10.0, 0.07, 99999999.99], "r": [1.2345, 1.2345, 0.5, 1.23456789]}
    )
    # when converted
    values = [round(v, 2) for v in frame.select(money.converted("v", "r"))["v"]]
    # then each is the exact product rounded half away from zero
    assert values == [12.35, -12.35, 0.04, 123456788.99]


order_cents = st.lists(
    st.tuples(st.integers(1, 5), st.integers(0, 400), st.integers(0, 10**9)),
    min_size=1,
    max_size=50,
)


def _orders(rows: list[tuple[int, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(c, START + dt.timedelta(days=d), v / 100) for c, d, v in rows],
        schema={"contact_id": pl.Int64, "ordered_at": pl.Date, "value": pl.Float64},
        orient="row",
    )


@settings(max_examples=40, deadline=None)
@given(order_cents, st.randoms(use_true_random=False))
def test_customer_figures_are_the_same_for_shuffled_orders(
    rows: list[tuple[int, int, int]], rnd: random.Random
) -> None:
    shuffled = rows.copy()
    rnd.shuffle(shuffled)
    one, two = _orders(rows), _orders(shuffled)
    summary = customer_summary(one, as_of=AS_OF)
    assert customer_summary(two, as_of=AS_OF).to_dicts() == summary.to_dicts()
    scored = rfm.rfm_scores(summary)
    assert (
        rfm.rfm_grid(scored).to_dicts()
        == rfm.rfm_grid(rfm.rfm_scores(customer_summary(two, as_of=AS_OF))).to_dicts()
    )
    assert (
        cohorts.monthly_cohorts(one, as_of=AS_OF).to_dicts()
        == cohorts.monthly_cohorts(two, as_of=AS_OF).to_dicts()
    )
    window = {"start": dt.date(2025, 3, 1), "end": dt.date(2026, 2, 28)}
    classes = abcxyz.classify(one, id_column="contact_id", **window)
    assert abcxyz.classify(two, id_column="contact_id", **window).to_dicts() == classes.to_dicts()
    assert (
        abcxyz.matrix(classes).to_dicts()
        == abcxyz.matrix(abcxyz.classify(two, id_column="contact_id", **window)).to_dicts()
    )
    # and a customer's revenue is the exact sum of their orders up to the as-of day
    by_customer: dict[int, int] = {}
    for contact, day, value in rows:
        if START + dt.timedelta(days=day) <= AS_OF:
            by_customer[contact] = by_customer.get(contact, 0) + value
    revenue = [round(v, 2) for v in summary["total_revenue"]]
    assert dict(zip(summary["contact_id"], revenue, strict=True)) == {
        c: float(Decimal(v) / 100) for c, v in by_customer.items()
    }
