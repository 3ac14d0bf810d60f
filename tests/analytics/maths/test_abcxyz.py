"""ABC/XYZ classes, their boundaries, the window and the matrix, and the measured defaults."""

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.analytics.maths import abcxyz, synthetic

D = dt.date
WINDOW = {"start": D(2025, 3, 1), "end": D(2026, 2, 28)}


def sales(*rows):
    return pl.DataFrame(
        rows,
        schema={"product_id": pl.Int64, "ordered_at": pl.Date, "value": pl.Float64},
        orient="row",
    )


def by_id(frame, column):
    return dict(zip(frame["product_id"], frame[column], strict=True))


def test_abc_follows_the_cumulative_share_before_each_item():
    # Shares 50, 30, 10, 6, 4 %: before them 0, 50, 80, 90, 96 %. Item 6 sold nothing in the
    # window (its sale is before it); item 7 never sold but is in the catalogue.
    frame = sales(
        (1, D(2025, 6, 1), 50.0), (2, D(2025, 6, 1), 30.0), (3, D(2025, 7, 1), 10.0),
        (4, D(2025, 8, 1), 6.0), (5, D(2026, 2, 28), 4.0), (6, D(2025, 2, 28), 99.0),
    )  # fmt: skip
    items = pl.DataFrame({"product_id": [1, 2, 3, 4, 5, 6, 7]})

    classes = abcxyz.classify(frame, id_column="product_id", items=items, **WINDOW)

    assert by_id(classes, "abc") == {1: "A", 2: "A", 3: "B", 4: "B", 5: "C", 6: "C", 7: "C"}
    assert by_id(classes, "cumulative_share_before") == pytest.approx(
        {1: 0.0, 2: 0.5, 3: 0.8, 4: 0.9, 5: 0.96, 6: 1.0, 7: 1.0}
    )
    assert by_id(classes, "revenue_share") == pytest.approx(
        {1: 0.5, 2: 0.3, 3: 0.1, 4: 0.06, 5: 0.04, 6: 0.0, 7: 0.0}
    )
    assert by_id(classes, "xyz")[7] == "Z"
    assert by_id(classes, "cv")[7] is None


def test_xyz_from_the_coefficient_of_variation_per_month():
    steady = [(1, D(2025, m, 15), 100.0) for m in range(3, 13)] + [
        (1, D(2026, m, 15), 100.0) for m in (1, 2)
    ]
    three_times = [(2, D(2025, m, 1), 100.0) for m in (4, 8, 12)]
    once = [(3, D(2025, 5, 5), 300.0)]

    classes = abcxyz.classify(sales(*steady, *three_times, *once), id_column="product_id",
                              entity="customers", **WINDOW)  # fmt: skip

    # Buying in k of 12 months at one amount gives cv = √((12 − k) / k).
    assert by_id(classes, "cv") == pytest.approx({1: 0.0, 2: 3**0.5, 3: 11**0.5})
    assert by_id(classes, "xyz") == {1: "X", 2: "Y", 3: "Z"}
    assert by_id(classes, "active_periods") == {1: 12, 2: 3, 3: 1}
    classic = abcxyz.classify(sales(*three_times), id_column="product_id", x=0.1, y=0.25,
                              **WINDOW)  # fmt: skip
    assert classic["xyz"].to_list() == ["Z"]


def test_quarters_and_the_default_window():
    assert abcxyz.complete_window(D(2026, 3, 15)) == (D(2025, 3, 1), D(2026, 2, 28))
    assert abcxyz.complete_window(D(2026, 3, 1)) == (D(2025, 3, 1), D(2026, 2, 28))
    assert abcxyz.complete_window(D(2026, 3, 15), period="quarter") == (
        D(2025, 1, 1),
        D(2025, 12, 31),
    )
    assert abcxyz.complete_window(D(2026, 1, 1), months=3) == (D(2025, 10, 1), D(2025, 12, 31))
    frame = sales((1, D(2025, 2, 1), 10.0), (1, D(2025, 11, 30), 10.0))
    classes = abcxyz.classify(frame, id_column="product_id", period="quarter",
                              start=D(2025, 1, 1), end=D(2025, 12, 31))  # fmt: skip
    # Quarters 1 and 4 of 4 with equal revenue: mean 5, standard deviation 5.
    assert classes["cv"].to_list() == [pytest.approx(1.0)]


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"period": "week"}, "period must be one of month, quarter"),
        ({"a": 0.9, "b": 0.8}, "ABC thresholds need 0 < a < b ≤ 1"),
        ({"x": 2.0, "y": 1.0}, "XYZ thresholds need 0 ≤ x < y"),
        ({"start": D(2025, 3, 2)}, "must start on the first day of a month"),
        ({"period": "quarter"}, "must start on the first day of a quarter"),
        ({"entity": "suppliers"}, "no XYZ defaults for 'suppliers'"),
    ],
)
def test_bad_settings_are_named(settings_, message):
    arguments = {"id_column": "product_id", **WINDOW, **settings_}

    with pytest.raises(ValueError, match=message):
        abcxyz.classify(sales((1, D(2025, 6, 1), 1.0)), **arguments)


def test_the_matrix_has_nine_cells_with_counts_revenue_and_shares():
    frame = sales((1, D(2025, 6, 1), 80.0), (2, D(2025, 6, 1), 20.0))
    items = pl.DataFrame({"product_id": [1, 2, 3]})

    cells = abcxyz.matrix(abcxyz.classify(frame, id_column="product_id", items=items, **WINDOW))

    assert cells.height == 9
    assert cells.filter(pl.col("count") > 0).rows() == [
        ("A", "Z", 1, 80.0, 0.8),
        ("B", "Z", 1, 20.0, 0.2),  # 80 % before it: not below a, below b
        ("C", "Z", 1, 0.0, 0.0),
    ]


def test_empty_sales_and_zero_values_classify_everything_c_and_z():
    zero = sales((1, D(2025, 6, 1), 0.0))
    items = pl.DataFrame({"product_id": [1, 2]})

    classes = abcxyz.classify(zero, id_column="product_id", items=items, **WINDOW)
    empty = abcxyz.classify(zero.clear(), id_column="product_id", **WINDOW)

    assert classes.select("abc", "xyz", "revenue_share").rows() == [("C", "Z", 0.0)] * 2
    assert empty.is_empty()
    assert abcxyz.matrix(empty)["count"].sum() == 0


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 15), st.integers(0, 364), st.sampled_from(
        [0.0, 0.01, 1.0, 5.0, 250.0, 1e6, -50.0])), max_size=60),
    st.sampled_from([(0.8, 0.95), (0.5, 0.9), (0.7, 1.0)]),
)  # fmt: skip
def test_shares_sum_to_one_and_the_boundaries_hold(rows, thresholds):
    a, b = thresholds
    frame = sales(*[(i, D(2025, 3, 1) + dt.timedelta(days=d), v) for i, d, v in rows])

    classes = abcxyz.classify(frame, id_column="product_id", a=a, b=b, **WINDOW)

    positive = classes.filter(pl.col("revenue") > 0)
    if positive.height:
        assert classes["revenue_share"].sum() == pytest.approx(1.0)
    before = classes["cumulative_share_before"]
    for row in classes.iter_rows(named=True):
        if row["abc"] == "A":
            assert row["cumulative_share_before"] < a
            assert row["revenue"] > 0
        elif row["abc"] == "B":
            assert a <= row["cumulative_share_before"] < b
        else:
            assert row["cumulative_share_before"] >= b or row["revenue"] <= 0
    assert before.is_sorted()
    assert "".join(classes["abc"]) == "".join(sorted(classes["abc"]))  # A…, then B…, then C…
    assert classes["cv"].drop_nulls().min() is None or classes["cv"].drop_nulls().min() >= 0
    assert not classes["cv"].is_nan().any()
    assert abcxyz.matrix(classes)["count"].sum() == classes.height


def test_default_xyz_thresholds_spread_sparse_buyers():
    """Re-measures the module docstring's table on 5,000 synthetic travel customers."""
    as_of = D(2026, 3, 15)
    lines = synthetic.travel_lines(5_000, as_of=as_of, seed=3)
    start, end = abcxyz.complete_window(as_of)

    def spread(column, entity, xy):
        classes = abcxyz.classify(lines, id_column=column, entity=entity, start=start, end=end,
                                  x=xy[0] if xy else None, y=xy[1] if xy else None)  # fmt: skip
        shares = classes.filter(pl.col("revenue") > 0)["xyz"].value_counts(normalize=True)
        found = dict(zip(shares["xyz"], shares["proportion"], strict=True))
        return [round(100 * found.get(c, 0.0)) for c in "XYZ"]

    assert spread("contact_id", "customers", abcxyz.CLASSIC_XYZ) == [0, 0, 100]
    assert spread("contact_id", "customers", None) == [1, 25, 75]
    assert spread("product_id", "products", abcxyz.CLASSIC_XYZ) == [0, 1, 99]
    assert spread("product_id", "products", None) == [6, 46, 48]
