"""The sparse purchase matrix and its co-purchase counts, against Python sets and against the
self-join it replaces."""

import itertools

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.analytics.maths.crosssell import item_pairs, pair_counts
from rapport.analytics.maths.purchase_matrix import co_counts, gram, purchase_matrix

# (customer, item) purchases; the scale makes ids either dense (their own codes) or sparse
# (ranked first)
purchases = st.tuples(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 7)), max_size=50),
    st.sampled_from([1, 1000, 10**12]),
)


def scaled(rows, scale):
    """(groups, items) arrays of the (group, item) rows, ids multiplied by `scale`."""
    return (
        np.array([g * scale for g, _ in rows], dtype=np.int64),
        np.array([i * scale for _, i in rows], dtype=np.int64),
    )


@settings(max_examples=80, deadline=None)
@given(purchases)
def test_matrix_holds_each_distinct_purchase_once(case):
    rows, scale = case
    groups, items = scaled(rows, scale)

    got_groups, got_items = purchase_matrix(groups, items).pairs()

    assert list(zip(got_groups.tolist(), got_items.tolist(), strict=True)) == sorted(
        {(g * scale, i * scale) for g, i in rows}
    )


@settings(max_examples=80, deadline=None)
@given(purchases)
def test_co_counts_equal_counting_with_sets(case):
    rows, scale = case
    bought: dict[int, set[int]] = {}
    for g, i in rows:
        bought.setdefault(g * scale, set()).add(i * scale)
    n: dict[int, int] = {}
    both: dict[tuple[int, int], int] = {}
    for items in bought.values():
        for i in items:
            n[i] = n.get(i, 0) + 1
        for a, b in itertools.combinations(sorted(items), 2):
            both[(a, b)] = both.get((a, b), 0) + 1

    matrix = purchase_matrix(*scaled(rows, scale))
    co = co_counts(matrix)

    assert co.groups == len(bought)
    assert dict(zip(co.item_ids.tolist(), co.n.tolist(), strict=True)) == n
    pairs = zip(co.a.tolist(), co.b.tolist(), co.both.tolist(), strict=True)
    assert {(a, b): c for a, b, c in pairs} == both
    # min_both leaves out the rarer pairs only, every item's count kept
    frequent = co_counts(matrix, min_both=2)
    assert dict(zip(frequent.item_ids.tolist(), frequent.n.tolist(), strict=True)) == n
    pairs = zip(frequent.a.tolist(), frequent.b.tolist(), frequent.both.tolist(), strict=True)
    assert {(a, b): c for a, b, c in pairs} == {k: c for k, c in both.items() if c >= 2}


@settings(max_examples=60, deadline=None)
@given(purchases, st.sampled_from([1, 2]), st.sampled_from([0.0, 0.3]))
def test_customer_pairs_equal_those_of_the_self_join(case, min_count, min_support):
    rows, scale = case
    frame = pl.DataFrame(
        [(k, g * scale, i * scale) for k, (g, i) in enumerate(rows)],
        schema={"order_id": pl.Int64, "contact_id": pl.Int64, "product_id": pl.Int64},
        orient="row",
    )
    # text ids take the self-join: the reference for the sparse product integer ids take
    text = frame.with_columns(pl.col("product_id").cast(pl.String).str.zfill(20))

    sparse = item_pairs(frame, by="customer", min_count=min_count, min_support=min_support)
    joined = item_pairs(text, by="customer", min_count=min_count, min_support=min_support)

    as_text = sparse.with_columns(pl.col("item", "also_bought").cast(pl.String).str.zfill(20))
    assert as_text.rows() == joined.rows()
    assert sparse.columns == joined.columns


def test_counts_keep_the_item_type_and_skip_rare_pairs():
    frame = pl.DataFrame(
        {"order_id": [1, 2, 3, 4], "contact_id": [1, 1, 2, 2], "product_id": [5, 6, 5, 6]},
        schema={"order_id": pl.Int64, "contact_id": pl.Int64, "product_id": pl.Int32},
    )

    counts = pair_counts(frame, by="customer", min_count=3)

    assert counts.transactions == 2
    assert counts.items.sort("item").rows() == [(5, 2), (6, 2)]
    assert counts.items.schema["item"] == pl.Int32
    assert counts.pairs.is_empty()
    assert pair_counts(frame, by="customer").pairs.rows() == [(5, 6, 2, 2)]


def test_bad_ids_are_refused():
    with pytest.raises(ValueError, match="non-negative integer ids"):
        purchase_matrix(np.array([-1]), np.array([1]))
    with pytest.raises(ValueError, match="must have the same length"):
        purchase_matrix(np.array([1, 2]), np.array([1]))


@settings(max_examples=60, deadline=None)
@given(purchases)
def test_counts_of_labelled_rows_add_up_to_those_of_all(case):
    rows, scale = case
    groups, items = scaled(rows, scale)
    labels = np.array([g % 3 for g, _ in rows], dtype=np.int32)  # a group has one label

    whole = purchase_matrix(groups, items, labels)
    parts = [whole.where(whole.labels == k) for k in range(3)]

    assert whole.labels.tolist() == [g // scale % 3 for g in whole.group_ids.tolist()]
    for k, part in enumerate(parts):
        mine = [(g, i) for g, i in zip(*whole.pairs(), strict=True) if g // scale % 3 == k]
        assert list(zip(*part.pairs(), strict=True)) == mine
    if rows:
        summed = sum(gram(p) for p in parts)
        assert (summed != gram(whole)).nnz == 0
        assert _same(co_counts(whole, summed), co_counts(whole))


def _same(a, b):
    """Equal counts (pairs come in no particular order)."""

    def pairs(c):
        return sorted(zip(c.a.tolist(), c.b.tolist(), c.both.tolist(), strict=True))

    return (
        a.groups == b.groups
        and np.array_equal(a.item_ids, b.item_ids)
        and np.array_equal(a.n, b.n)
        and pairs(a) == pairs(b)
    )
