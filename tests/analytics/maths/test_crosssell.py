"""Cross-sell pairs and the next-best offer on hand-checked baskets, and against brute force."""

import itertools

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.analytics.maths.crosssell import (
    add_counts,
    item_pairs,
    next_best_offer,
    pair_counts,
    pairs_of,
)
from tests.analytics.maths.strategies import rule_rows, rules_frame


def lines(*rows):
    return pl.DataFrame(
        rows,
        schema={"order_id": pl.Int64, "contact_id": pl.Int64, "product_id": pl.Int64},
        orient="row",
    )


# Five orders of three customers; order 1 lists product 1 twice.
LINES = lines(
    (1, 10, 1), (1, 10, 1), (1, 10, 2),
    (2, 10, 1), (2, 10, 3),
    (3, 20, 1), (3, 20, 2),
    (4, 30, 2),
    (5, 30, 3), (5, 30, 1),
)  # fmt: skip


def rows(frame):
    return {
        (r["item"], r["also_bought"]): (r["pair_count"], r["support"], r["confidence"],
                                        r["lift"], r["customers"])
        for r in frame.iter_rows(named=True)
    }  # fmt: skip


def test_basket_pairs_by_hand():
    # Counts: product 1 in 4 orders, 2 in 3, 3 in 2; {1, 2} together in orders 1 and 3,
    # {1, 3} in 2 and 5, {2, 3} never. N = 5 orders.
    pairs = item_pairs(LINES, by="basket", min_count=1)

    assert rows(pairs) == {
        (1, 2): (2, 0.4, 0.5, pytest.approx(2 * 5 / (4 * 3)), 2),
        (2, 1): (2, 0.4, pytest.approx(2 / 3), pytest.approx(2 * 5 / (4 * 3)), 2),
        (1, 3): (2, 0.4, 0.5, pytest.approx(1.25), 2),
        (3, 1): (2, 0.4, 1.0, pytest.approx(1.25), 2),
    }
    assert pairs.columns == ["item", "also_bought", "pair_count", "support", "confidence",
                             "lift", "customers"]  # fmt: skip


def test_customer_pairs_by_hand():
    # Histories: 10 {1, 2, 3}, 20 {1, 2}, 30 {1, 2, 3}: every product with every other.
    pairs = item_pairs(LINES, by="customer", min_count=1)

    assert rows(pairs)[(1, 2)] == (3, 1.0, 1.0, 1.0, 3)
    assert rows(pairs)[(3, 2)] == (2, pytest.approx(2 / 3), 1.0, 1.0, 2)
    assert len(pairs) == 6


def test_minimum_support_and_count_prune_pairs():
    assert item_pairs(LINES, by="basket").is_empty()  # default min_count 3: none seen 3 times
    assert len(item_pairs(LINES, by="customer", min_count=3)) == 2  # only {1, 2}
    assert len(item_pairs(LINES, by="customer", min_count=1, min_support=0.9)) == 2


def test_category_pairs_and_empty_input():
    with_categories = LINES.with_columns((pl.col("product_id") % 2).alias("category_id"))

    pairs = item_pairs(with_categories, by="basket", item_column="category_id", min_count=1)
    empty = item_pairs(LINES.clear(), by="basket")

    assert rows(pairs) == {
        (0, 1): (2, 0.4, 2 / 3, pytest.approx(2 * 5 / (3 * 4)), 2),
        (1, 0): (2, 0.4, 0.5, pytest.approx(2 * 5 / (3 * 4)), 2),
    }
    assert empty.is_empty()
    assert empty.columns == pairs.columns


def test_ids_that_are_not_small_integers_give_the_same_pairs():
    coded = LINES.with_columns(
        (pl.lit("sku-") + pl.col("product_id").cast(pl.String)).alias("product_id"),
        (pl.col("order_id") * 10**15).alias("order_id"),
    )

    pairs = item_pairs(coded, by="basket", min_count=1)

    assert rows(pairs)[("sku-1", "sku-3")] == rows(item_pairs(LINES, min_count=1))[(1, 3)]
    assert len(pairs) == 4


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="by must be one of basket, customer"):
        item_pairs(LINES, by="week")
    with pytest.raises(ValueError, match="min_support is a share"):
        item_pairs(LINES, min_support=2)
    with pytest.raises(ValueError, match="lines lacks the column"):
        item_pairs(LINES.drop("order_id"))


def brute_pairs(rows_, by):
    """Support, confidence, lift and customers counted with Python sets."""
    transactions: dict[int, set[int]] = {}
    owner = {}
    for order, contact, product in rows_:
        key = order if by == "basket" else contact
        transactions.setdefault(key, set()).add(product)
        owner[key] = contact
    n = len(transactions)
    counts: dict[int, int] = {}
    together: dict[tuple[int, int], set[int]] = {}
    for key, items in transactions.items():
        for item in items:
            counts[item] = counts.get(item, 0) + 1
        for a, b in itertools.permutations(items, 2):
            together.setdefault((a, b), set()).add(key)
    return {
        (a, b): (len(txs), len(txs) / n, len(txs) / counts[a],
                 len(txs) * n / (counts[a] * counts[b]), len({owner[t] for t in txs}))
        for (a, b), txs in together.items()
    }  # fmt: skip


# (order, product) lines; an order belongs to one customer, and customers have several orders.
basket_rows = st.lists(st.tuples(st.integers(1, 8), st.integers(1, 6)), max_size=40).map(
    lambda rs: [(order, order % 4 + 1, product) for order, product in rs]
)


@settings(max_examples=80, deadline=None)
@given(basket_rows, st.sampled_from(["basket", "customer"]))
def test_pairs_equal_brute_force_and_lift_is_symmetric(rows_, by):
    pairs = item_pairs(lines(*rows_), by=by, min_count=1)

    expected = brute_pairs(rows_, by)
    assert set(rows(pairs)) == set(expected)
    for key, (count, support, confidence, lift, customers) in rows(pairs).items():
        assert (count, customers) == (expected[key][0], expected[key][4])
        assert (support, confidence, lift) == pytest.approx(expected[key][1:4])
        assert lift == pytest.approx(rows(pairs)[key[::-1]][3])  # lift(X→Y) = lift(Y→X)
        assert support == rows(pairs)[key[::-1]][1]
        assert 0 < confidence <= 1
        assert customers <= count


@settings(max_examples=60, deadline=None)
@given(
    basket_rows,
    st.sampled_from(["basket", "customer"]),
    st.integers(1, 4),
    st.sampled_from([0.0, 0.2]),
    st.sampled_from([1, 2, 3]),
)
def test_counts_of_disjoint_customers_add_up_to_the_pairs_of_all(
    rows_, by, groups, min_support, min_count
):
    frame = lines(*rows_)
    # customers split into groups (teams): a customer's orders all fall in one
    parts = [frame.filter(pl.col("contact_id") % groups == g) for g in range(groups)]

    summed = pairs_of(
        add_counts([pair_counts(p, by=by) for p in parts]),
        min_support=min_support,
        min_count=min_count,
    )

    assert summed.equals(item_pairs(frame, by=by, min_support=min_support, min_count=min_count))


RULES = pl.DataFrame(
    [(1, 2, 0.5, 3.0, 10), (1, 3, 0.4, 2.0, 8), (4, 3, 0.6, 2.5, 12), (4, 5, 0.3, 1.5, 5)],
    schema={"item": pl.Int64, "also_bought": pl.Int64, "confidence": pl.Float64,
            "lift": pl.Float64, "customers": pl.Int64},
    orient="row",
)  # fmt: skip
HISTORY = pl.DataFrame({"contact_id": [10, 20, 20, 30, 30, 40], "item": [1, 1, 2, 1, 4, 9]})
ACTIVE = pl.DataFrame({"item": [2, 3, 5], "category_id": [7, 8, 8]})


def offers(frame):
    return {(r[0], r[1]): r[2:] for r in frame.rows()}


def test_next_best_offer_by_hand():
    best = next_best_offer(HISTORY, RULES, active=ACTIVE)
    two = next_best_offer(HISTORY, RULES, active=ACTIVE, top=2)

    # 10 bought 1: offer 2 (lift 3). 20 owns 2 already: offer 3 via 1. 30: 2 via 1 first,
    # then 3, whose best reason is 4 (lift 2.5 beats 2.0 via 1). 40's item has no rule.
    assert offers(best) == {
        (10, 1): (2, 1, 0.5, 3.0, 10),
        (20, 1): (3, 1, 0.4, 2.0, 8),
        (30, 1): (2, 1, 0.5, 3.0, 10),
    }
    assert offers(two) == {
        (10, 1): (2, 1, 0.5, 3.0, 10),
        (10, 2): (3, 1, 0.4, 2.0, 8),
        (20, 1): (3, 1, 0.4, 2.0, 8),
        (30, 1): (2, 1, 0.5, 3.0, 10),
        (30, 2): (3, 4, 0.6, 2.5, 12),
    }
    assert best.columns == ["contact_id", "rank", "offer", "because_of", "confidence", "lift",
                            "customers"]  # fmt: skip


def test_offers_respect_the_active_catalogue_and_interests():
    on_sale = next_best_offer(HISTORY, RULES, active=ACTIVE.filter(pl.col("item") != 2))
    interests = pl.DataFrame({"contact_id": [30], "category_id": [8]})
    liked = next_best_offer(HISTORY, RULES, active=ACTIVE, interests=interests)

    assert offers(on_sale)[(10, 1)][:2] == (3, 1)
    assert offers(liked)[(30, 1)][:2] == (3, 4)  # 2 is in category 7, not among 30's interests
    assert offers(liked)[(10, 1)][:2] == (2, 1)  # no interests: anything goes


def test_offers_with_ids_that_are_not_small_integers():
    def sku(frame, *columns):
        return frame.with_columns((pl.lit("sku-") + pl.col(c).cast(pl.String)).alias(c)
                                  for c in columns)  # fmt: skip

    interests = pl.DataFrame({"contact_id": [30], "category_id": [8]})

    liked = next_best_offer(sku(HISTORY, "item"), sku(RULES, "item", "also_bought"),
                            active=sku(ACTIVE, "item"), interests=interests)  # fmt: skip

    assert offers(liked)[(30, 1)][:2] == ("sku-3", "sku-4")
    assert offers(liked)[(10, 1)][:2] == ("sku-2", "sku-1")


def test_no_history_or_no_rules_give_no_offers():
    assert next_best_offer(HISTORY.clear(), RULES, active=ACTIVE).is_empty()
    assert next_best_offer(HISTORY, RULES.clear(), active=ACTIVE).is_empty()


def brute_offers(history, rules, active, top, interests, rules_per_item):
    ranking = ["lift", "confidence", "customers", "also_bought", "item"]
    listed = (
        rules.filter(pl.col("also_bought").is_in(active["item"].implode()))
        .sort(ranking, descending=[True, True, True, False, False])
        .with_columns(pl.int_range(pl.len()).over("item").alias("position"))
        .filter(pl.col("position") < rules_per_item)
        .rows(named=True)
    )
    category = dict(zip(active["item"], active["category_id"], strict=True))
    likes: dict[int, set[int]] = {}
    for contact, cat in interests.rows():
        likes.setdefault(contact, set()).add(cat)
    owned: dict[int, set[int]] = {}
    for contact, item in history.rows():
        owned.setdefault(contact, set()).add(item)
    result = {}
    for contact, items in owned.items():
        chosen: list[dict] = []
        for rule in listed:  # already in ranking order: the first reason of an offer is best
            offer = rule["also_bought"]
            if rule["item"] not in items or offer in items:
                continue
            if contact in likes and category[offer] not in likes[contact]:
                continue
            if offer in {c["also_bought"] for c in chosen}:
                continue
            chosen.append(rule)
        for rank, rule in enumerate(chosen[:top], 1):
            result[(contact, rank)] = (rule["also_bought"], rule["item"])
    return result


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 5), st.integers(1, 7)), max_size=20),
    rule_rows(7, 25),
    st.lists(st.tuples(st.integers(1, 5), st.integers(0, 2)), max_size=5),
    st.integers(1, 3),
    st.integers(1, 4),
)  # fmt: skip
def test_next_best_offer_equals_brute_force(history_rows, rule_rows_, interest_rows, top, depth):
    history = pl.DataFrame(history_rows, schema={"contact_id": pl.Int64, "item": pl.Int64},
                           orient="row")  # fmt: skip
    rules = rules_frame(rule_rows_)
    active = pl.DataFrame({"item": list(range(1, 7)), "category_id": [i % 3 for i in range(1, 7)]})
    interests = pl.DataFrame(
        interest_rows, schema={"contact_id": pl.Int64, "category_id": pl.Int64}, orient="row"
    )

    found = next_best_offer(history, rules, active=active, interests=interests, top=top,
                            rules_per_item=depth)  # fmt: skip

    expected = brute_offers(history, rules, active, top, interests, depth)
    assert {(r[0], r[1]): (r[2], r[3]) for r in found.rows()} == expected
