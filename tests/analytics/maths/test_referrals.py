"""Referral value on hand-checked links, its invariants against a brute-force count, and the
top-referrers ranking."""

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rapport.analytics.maths.referrals import referral_value, top_referrers

LINKS = {"contact_id": pl.Int64, "referred_by": pl.Int64}
CUSTOMERS = {"contact_id": pl.Int64, "total_revenue": pl.Float64}


def links(rows):
    return pl.DataFrame(rows, schema=LINKS, orient="row")


def customers(rows):
    return pl.DataFrame(rows, schema=CUSTOMERS, orient="row")


def test_each_referrer_sums_their_direct_referrals_who_bought():
    # 1 referred 2, 3 and 4 (4 never bought); 2 referred 5; 9 (never bought) referred 6.
    value = referral_value(
        links([(2, 1), (3, 1), (4, 1), (5, 2), (6, 9)]),
        customers([(1, 50.0), (2, 1000.0), (3, 3200.0), (5, 70.5), (6, 10.0)]),
    )

    assert value.rows() == [(1, 2, 4200.0), (2, 1, 70.5), (9, 1, 10.0)]


@pytest.mark.parametrize(
    ("link_rows", "customer_rows"),
    [([], [(1, 10.0)]), ([(2, 1)], []), ([(2, 1)], [(1, 10.0)])],
)
def test_nobody_referred_who_bought_gives_no_rows(link_rows, customer_rows):
    value = referral_value(links(link_rows), customers(customer_rows))

    assert value.rows() == []
    assert value.schema == {
        "contact_id": pl.Int64,
        "referred_customers": pl.Int64,
        "referred_revenue": pl.Float64,
    }


def test_top_referrers_rank_by_revenue_then_customers_then_id():
    value = pl.DataFrame(
        {
            "contact_id": [1, 2, 3, 4],
            "referred_customers": [1, 3, 2, 3],
            "referred_revenue": [500.0, 500.0, 900.0, 500.0],
        }
    )

    top = top_referrers(value, limit=3)

    assert top.select("rank", "contact_id").rows() == [(1, 3), (2, 2), (3, 4)]


# Contacts 1..12; each has at most one referrer, never itself (cycles cannot be stored, and
# the sums do not depend on them anyway); some have bought.
world = st.tuples(
    st.dictionaries(st.integers(1, 12), st.integers(1, 12), max_size=12).map(
        lambda d: {c: r for c, r in d.items() if c != r}
    ),
    st.dictionaries(
        st.integers(1, 12), st.sampled_from([0.0, 0.01, 19.99, 250.0, 4200.0]), max_size=12
    ),
)


@given(world)
def test_referral_value_equals_a_brute_force_count(data):
    referred_by, revenue = data

    value = referral_value(links(list(referred_by.items())), customers(list(revenue.items())))

    expected: dict[int, tuple[int, float]] = {}
    for contact, referrer in referred_by.items():
        if contact in revenue:
            count, total = expected.get(referrer, (0, 0.0))
            expected[referrer] = (count + 1, total + revenue[contact])
    got = {c: (n, r) for c, n, r in value.rows()}
    assert got.keys() == expected.keys()
    for referrer, (count, total) in expected.items():
        assert got[referrer][0] == count
        assert got[referrer][1] == pytest.approx(total, abs=1e-9)
    # every referred customer is counted exactly once, for their one referrer
    assert value["referred_customers"].sum() == sum(c in revenue for c in referred_by)
    assert value["contact_id"].is_sorted()


@given(world, st.integers(1, 15))
def test_top_referrers_are_the_highest_and_ranked(data, limit):
    referred_by, revenue = data
    value = referral_value(links(list(referred_by.items())), customers(list(revenue.items())))

    top = top_referrers(value, limit=limit)

    assert len(top) == min(limit, len(value))
    assert top["rank"].to_list() == list(range(1, len(top) + 1))
    assert top["referred_revenue"].to_list() == sorted(top["referred_revenue"], reverse=True)
    if len(top) < len(value):
        left_out = value.join(top, on="contact_id", how="anti")
        assert left_out["referred_revenue"].max() <= top["referred_revenue"].min()
