"""Cross-sell: which items are bought together, and the next-best offer per customer.

Input `lines`, one row per order line (duplicates are harmless):
  order_id     integer id of the order (the basket)
  contact_id   integer id of the customer
  <item>       what was bought: product_id (default) or category_id
Ids are best non-negative integers (database ids): they then serve as their own codes in the
packed Int64 keys that make the work fast; other ids are ranked into codes first (slower).

`item_pairs(lines, by="basket"|"customer", item_column=, min_support=, min_count=)` → one row
per ordered pair (both directions; confidence is directional):
  item          the antecedent (X)
  also_bought   the consequent (Y), never equal to item
  pair_count    Int64    transactions holding both
  support       Float64  pair_count / transactions
  confidence    Float64  pair_count / transactions holding X = P(Y | X)
  lift          Float64  confidence / P(Y) = pair_count · N / (count X · count Y); the
                         same for X→Y and Y→X; 1 = independent, above 1 = bought together
  customers     Int64    distinct customers behind pair_count (= pair_count by customer)
A *transaction* is an order (by="basket": bought in the same order) or a customer's whole
history (by="customer": bought by the same customer, at any time). Pairs are kept when
pair_count ≥ max(min_count, ⌈min_support · N⌉); since a pair is never more frequent than its
items, items below that threshold are dropped before the self-join (Apriori's pruning).
Defaults: min_count 3 (two coincidences are not a pattern), min_support 0 (the count alone
decides, which suits small agencies; raise it for big catalogues).

`next_best_offer(history, rules, active=, interests=, top=)` → up to `top` rows per customer:
  contact_id, rank (Int32, 1 = best), offer (the item to offer), because_of (the item they
  bought that the rule starts from), confidence, lift, customers
  — the structured reason: "bought <because_of>; <confidence> of such customers also bought
  <offer>, lift <lift>", worded by the caller in the reader's language. Inputs:
  history    contact_id, item — what each customer bought (at the rules' level: products or
             categories)
  rules      `item_pairs` output (by="customer" suits "customers like you also bought")
  active     item (+ category_id when `interests` is given) — what may be offered (the
             catalogue's products on sale)
  interests  contact_id, category_id (optional) — a customer with interests is only offered
             items of those categories; a customer without any row is offered anything
Candidates are the rules' consequents the customer has not bought, ranked by lift, then
confidence, then customers, then the smaller id (deterministic); each offer keeps its best
antecedent. To bound the work on millions of customers, only the `rules_per_item` best rules of
each antecedent (among active items) are considered (default 20).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl
import scipy.sparse as sp

from rapport.analytics.maths.grouping import KEY_LIMIT
from rapport.analytics.maths.inputs import ANY, ID, checked
from rapport.analytics.maths.purchase_matrix import (
    PurchaseMatrix,
    co_counts,
    purchase_matrix,
)

MIN_COUNT = 3
RULES_PER_ITEM = 20
ITEM_CODES = 1 << 24  # item ids below this are their own codes (a pair key is then < 2^48)
BY = {"basket": "order_id", "customer": "contact_id"}

PAIRS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "item": pl.Int64,
    "also_bought": pl.Int64,
    "pair_count": pl.Int64,
    "support": pl.Float64,
    "confidence": pl.Float64,
    "lift": pl.Float64,
    "customers": pl.Int64,
}
OFFERS_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "contact_id": pl.Int64,
    "rank": pl.Int32,
    "offer": pl.Int64,
    "because_of": pl.Int64,
    "confidence": pl.Float64,
    "lift": pl.Float64,
    "customers": pl.Int64,
}
RANKING = ["lift", "confidence", "customers"]


def _dense(column: str, frame: pl.DataFrame, limit: int) -> tuple[pl.Expr, int]:
    """`column` as codes 0..k-1 and k: the ids themselves when they are non-negative integers
    below `limit` (database ids are), else their dense rank (a sort: slower)."""
    values = frame[column]
    if values.dtype.is_integer() and len(values):
        low, high = values.min(), values.max()
        if low >= 0 and high < limit:  # type: ignore[operator]
            return pl.col(column).cast(pl.Int64), int(high) + 1  # type: ignore[arg-type]
    return (pl.col(column).rank("dense") - 1).cast(pl.Int64), max(int(values.n_unique()), 1)


def distinct_sorted(frame: pl.DataFrame, group: str, item: str) -> pl.DataFrame:
    """The distinct (group, item) pairs of `frame` as `tx`, `code` (dense item codes), with
    `contact_id` and the original `item`, sorted by tx then code.

    Deduplicating 10M rows through one Int64 key and a sort is several times cheaper than a
    hash `unique` over two columns, and it leaves the rows sorted by tx, which is what makes
    the self-join below fast (Polars joins sorted keys without hashing them)."""
    items, k = _dense(item, frame, ITEM_CODES)
    groups, _ = _dense(group, frame, KEY_LIMIT // k)
    keyed = frame.select(
        (groups * k + items).alias("key"), pl.col("contact_id"), pl.col(item).alias("item")
    ).sort("key")
    first = pl.col("key") != pl.col("key").shift(1, fill_value=-1)
    return keyed.filter(first).select(
        (pl.col("key") // k).alias("tx").set_sorted(),
        (pl.col("key") % k).alias("code"),
        "contact_id",
        "item",
    )


def item_pairs(
    lines: pl.DataFrame,
    *,
    by: str = "basket",
    item_column: str = "product_id",
    min_support: float = 0.0,
    min_count: int = MIN_COUNT,
) -> pl.DataFrame:
    """Support, confidence, lift and customers of every frequent pair (module docstring)."""
    _check_thresholds(min_support, min_count)
    counts = pair_counts(
        lines, by=by, item_column=item_column, min_support=min_support, min_count=min_count
    )
    return pairs_of(counts, min_support=min_support, min_count=min_count)


@dataclass(frozen=True)
class PairCounts:
    """What `item_pairs` counts over a set of transactions, before any ratio: they add up
    over disjoint sets of transactions (`add_counts`), so the pairs of a whole business are
    the sum of its teams' (each customer and order belongs to one team)."""

    transactions: int
    items: pl.DataFrame  # item, n: the transactions holding it
    pairs: pl.DataFrame  # item, other (item < other), pair_count, customers


def pair_counts(
    lines: pl.DataFrame,
    *,
    by: str = "basket",
    item_column: str = "product_id",
    min_support: float = 0.0,
    min_count: int = 1,
) -> PairCounts:
    """The counts behind `item_pairs` (pairs held by fewer transactions than the threshold
    left out; the default 1 counts every pair, as `add_counts` needs)."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
    _check_thresholds(min_support, min_count)
    frame = checked(lines, "lines", {"order_id": ID, "contact_id": ID, item_column: ANY})
    item_type = frame.schema[item_column]
    if frame.is_empty():
        return PairCounts(
            0,
            pl.DataFrame(schema={"item": item_type, "n": pl.Int64}),
            pl.DataFrame(
                schema={
                    "item": item_type,
                    "other": item_type,
                    "pair_count": pl.Int64,
                    "customers": pl.Int64,
                }
            ),
        )
    if by == "customer" and item_type.is_integer() and _non_negative(frame, item_column):
        return _customer_counts(frame, item_column, item_type, min_support, min_count)
    kept = distinct_sorted(frame, BY[by], item_column)
    transactions = int(kept.select((pl.col("tx") != pl.col("tx").shift(1)).sum()).item()) + 1
    threshold = threshold_of(transactions, min_support, min_count)
    counts = kept.group_by("code").agg(pl.first("item"), pl.len().cast(pl.Int64).alias("n"))
    frequent = counts.filter(pl.col("n") >= threshold)
    if len(frequent) < len(counts):  # Apriori: a pair is never more frequent than its items
        kept = kept.filter(pl.col("code").is_in(frequent["code"].implode()))
    k = int(kept.select(pl.col("code").max().fill_null(0)).item()) + 1
    customers = pl.len() if by == "customer" else pl.col("contact_id").n_unique()
    baskets = kept.lazy()
    pairs = (
        baskets.join(baskets.select("tx", pl.col("code").alias("other")), on="tx")
        .filter(pl.col("code") < pl.col("other"))
        .group_by((pl.col("code") * k + pl.col("other")).alias("pair"))
        .agg(
            pl.len().cast(pl.Int64).alias("pair_count"), customers.cast(pl.Int64).alias("customers")
        )
        .filter(pl.col("pair_count") >= threshold)
        .select(
            (pl.col("pair") // k).alias("a"),
            (pl.col("pair") % k).alias("b"),
            "pair_count",
            "customers",
        )
        .collect()
    )
    # codes are ranks of the items (or the items themselves): code order is item order
    items = frequent.select("code", "item")
    named = pairs.join(items.rename({"code": "a"}), on="a").join(
        items.rename({"code": "b", "item": "other"}), on="b"
    )
    return PairCounts(
        transactions,
        counts.select("item", "n"),
        named.select("item", "other", "pair_count", "customers"),
    )


def _non_negative(frame: pl.DataFrame, *columns: str) -> bool:
    return all(frame[c].min() >= 0 for c in columns)  # type: ignore[operator]


def _customer_counts(
    frame: pl.DataFrame,
    item_column: str,
    item_type: pl.DataType,
    min_support: float,
    min_count: int,
) -> PairCounts:
    """`pair_counts` by customer through the sparse product Xᵀ·X (`purchase_matrix`): the
    same counts, several times cheaper than the self-join on millions of rows. A customer's
    pair counts once, so `customers` is `pair_count`."""
    purchases = purchase_matrix(
        frame["contact_id"].to_numpy(), frame[item_column].cast(pl.Int64).to_numpy()
    )
    return counts_of(purchases, item_type, min_support=min_support, min_count=min_count)


def counts_of(
    purchases: PurchaseMatrix,
    item_type: pl.DataType | type[pl.DataType],
    product: sp.csr_matrix | None = None,
    *,
    min_support: float = 0.0,
    min_count: int = 1,
) -> PairCounts:
    """`PairCounts` (by customer) of a purchase matrix, pairs below the threshold left out
    before their ids are looked up (`co_counts`; `product` as there)."""
    threshold = threshold_of(purchases.groups, min_support, min_count)
    co = co_counts(purchases, product, min_both=threshold)
    both = pl.Series(co.both, dtype=pl.Int64)
    return PairCounts(
        co.groups,
        pl.DataFrame(
            {"item": pl.Series(co.item_ids).cast(item_type), "n": pl.Series(co.n, dtype=pl.Int64)}
        ),
        pl.DataFrame(
            {
                "item": pl.Series(co.a).cast(item_type),
                "other": pl.Series(co.b).cast(item_type),
                "pair_count": both,
                "customers": both,
            }
        ),
    )


def threshold_of(transactions: int, min_support: float, min_count: int) -> int:
    """The fewest transactions a kept pair is held by."""
    return max(min_count, math.ceil(min_support * transactions))


def add_counts(parts: list[PairCounts]) -> PairCounts:
    """The counts of the union of disjoint sets of transactions (none share a customer)."""
    if len(parts) == 1:
        return parts[0]
    return PairCounts(
        sum(p.transactions for p in parts),
        pl.concat([p.items for p in parts]).group_by("item").agg(pl.col("n").sum()),
        pl.concat([p.pairs for p in parts])
        .group_by("item", "other")
        .agg(pl.col("pair_count").sum(), pl.col("customers").sum()),
    )


def pairs_of(
    counts: PairCounts, *, min_support: float = 0.0, min_count: int = MIN_COUNT
) -> pl.DataFrame:
    """`item_pairs`' rows from the counts: the pairs at or above the threshold, both ways."""
    if counts.transactions == 0:
        return pl.DataFrame(schema=PAIRS_SCHEMA)
    transactions = counts.transactions
    threshold = threshold_of(transactions, min_support, min_count)
    pairs = counts.pairs.filter(pl.col("pair_count") >= threshold)
    both = pl.concat(
        [
            pairs,
            pairs.select(
                pl.col("other").alias("item"),
                pl.col("item").alias("other"),
                "pair_count",
                "customers",
            ),
        ]
    )
    n = counts.items.filter(pl.col("n") >= threshold)
    return (
        both.join(n, on="item")
        .join(n.rename({"item": "other", "n": "n_other"}), on="other")
        .select(
            "item",
            pl.col("other").alias("also_bought"),
            "pair_count",
            (pl.col("pair_count") / transactions).alias("support"),
            (pl.col("pair_count") / pl.col("n")).alias("confidence"),
            (pl.col("pair_count") * transactions / (pl.col("n") * pl.col("n_other"))).alias("lift"),
            "customers",
        )
        .sort(["item", "lift", "also_bought"], descending=[False, True, False])
    )


def _check_thresholds(min_support: float, min_count: int) -> None:
    if not 0 <= min_support <= 1:
        raise ValueError("min_support is a share of transactions, between 0 and 1")
    if min_count < 1:
        raise ValueError("min_count must be at least 1")


def _codes(*columns: pl.Series) -> tuple[pl.DataFrame | None, int]:
    """How to turn the ids in `columns` into small codes: (None, k) when they are already
    non-negative integers below ITEM_CODES (their own codes), else (an id → code table, k)."""
    values = pl.concat([c.alias("id").to_frame() for c in columns], how="vertical_relaxed")["id"]
    if values.dtype.is_integer() and values.len() and values.min() >= 0:  # type: ignore[operator]
        high = int(values.max())  # type: ignore[arg-type]
        if high < ITEM_CODES:
            return None, high + 1
    book = values.unique().sort().to_frame().with_columns(pl.int_range(pl.len()).alias("code"))
    return book, max(len(book), 1)


def _encode(
    frame: pl.DataFrame, column: str, book: pl.DataFrame | None, alias: str
) -> pl.DataFrame:
    if book is None:
        return frame.with_columns(pl.col(column).cast(pl.Int64).alias(alias))
    return frame.join(book.rename({"id": column, "code": alias}), on=column, how="left")


def next_best_offer(
    history: pl.DataFrame,
    rules: pl.DataFrame,
    *,
    active: pl.DataFrame,
    interests: pl.DataFrame | None = None,
    top: int = 1,
    rules_per_item: int = RULES_PER_ITEM,
) -> pl.DataFrame:
    """Up to `top` offers per customer with their reason (module docstring)."""
    if top < 1 or rules_per_item < 1:
        raise ValueError("top and rules_per_item must be at least 1")
    history = checked(history, "history", {"contact_id": ANY, "item": ANY})
    rules = checked(
        rules,
        "rules",
        {"item": ANY, "also_bought": ANY, "confidence": ID, "lift": ID, "customers": ID},
    )
    wanted = {"item": ANY} | ({"category_id": ANY} if interests is not None else {})
    offerable = checked(active, "active", wanted).unique("item").rename({"item": "also_bought"})
    ranked = ranked_rules(rules, offerable.select("also_bought"), rules_per_item)
    if history.is_empty() or ranked.is_empty():
        return pl.DataFrame(schema=OFFERS_SCHEMA)
    # Composite Int64 keys (customer × k + item) instead of two-column joins: several times
    # cheaper at millions of rows.
    book, k = _codes(history["item"], ranked["item"], ranked["also_bought"])
    ranked = _encode(_encode(ranked, "item", book, "x"), "also_bought", book, "y")
    bought = distinct_sorted(_encode(history, "item", book, "code"), "contact_id", "code")
    owned = bought["tx"] * k + bought["code"]
    contacts = bought.select(pl.col("tx").alias("customer"), "contact_id").unique("customer")
    allowed = _interest_filter(offerable, interests, contacts, ranked)
    places = len(ranked)
    kept = ["customer", "place"] if top == 1 else ["customer", "key", "place"]
    leaders = pl.DataFrame(schema=dict.fromkeys(kept, pl.Int64))
    pending = bought.select(pl.col("tx").alias("customer"), pl.col("code").alias("x"))
    done = 0
    # Iterative deepening instead of joining every customer with every rule: each (customer,
    # antecedent) reads the antecedent's list a few places at a time, and goes on only while
    # the next unread place could still beat the customer's `top`-th best offer so far. The
    # result is exactly that of reading every list down to `rules_per_item`.
    for depth in sorted({min(d, rules_per_item) for d in (top, 4 * top, rules_per_item)}):
        slice_ = ranked.filter(pl.col("position").is_between(done, depth - 1))
        candidates = (
            pending.join(slice_.select("x", "y", "place"), on="x")
            .with_columns((pl.col("customer") * k + pl.col("y")).alias("key"))
            .filter(~pl.col("key").is_in(owned.implode()))
        )
        candidates = allowed(candidates)
        leaders = _leaders(pl.concat([leaders.select(kept), candidates.select(kept)]), top, places)
        done = depth
        following = ranked.filter(pl.col("position") == depth).select(
            "x", pl.col("place").alias("next_place")
        )
        if following.is_empty():
            break
        bar = leaders.filter(pl.col("rank") == top).select("customer", pl.col("place").alias("bar"))
        pending = (
            pending.join(following, on="x")
            .join(bar, on="customer", how="left")
            .filter(pl.col("bar").is_null() | (pl.col("next_place") < pl.col("bar")))
            .select("customer", "x")
        )
        if pending.is_empty():
            break
    return (
        leaders.join(
            ranked.select("place", "item", "also_bought", "confidence", "lift", "customers"),
            on="place",
        )
        .join(contacts, on="customer")
        .select(
            "contact_id",
            "rank",
            pl.col("also_bought").alias("offer"),
            pl.col("item").alias("because_of"),
            "confidence",
            "lift",
            "customers",
        )
        .sort("contact_id", "rank")
    )


def ranked_rules(rules: pl.DataFrame, offerable: pl.DataFrame, rules_per_item: int) -> pl.DataFrame:
    """The rules whose consequent is `offerable` (also_bought), in one global order (the
    ranking, ties by ids) as `place`, each antecedent's first `rules_per_item` kept
    (`position` in its own list): a customer's best offers are the smallest places."""
    return (
        rules.join(offerable, on="also_bought", how="semi")
        .sort([*RANKING, "also_bought", "item"], descending=[True, True, True, False, False])
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).over("item").alias("position"))
        .filter(pl.col("position") < rules_per_item)
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("place"))
    )


def _leaders(found: pl.DataFrame, top: int, places: int) -> pl.DataFrame:
    """Each customer's `top` best distinct offers among the candidates found: customer,
    place, rank (1 = best), and key (customer × k + offer) when top > 1."""
    if top == 1:  # the smallest place is one offer: no need to merge offers
        return (
            found.group_by("customer")
            .agg(pl.col("place").min())
            .with_columns(pl.lit(1, dtype=pl.Int32).alias("rank"))
        )
    # Sorting one Int64 key and comparing neighbours is much cheaper than grouping millions
    # of (customer, offer) keys in a hash table.
    ordered = found.sort(_composite("key", "place", found, places))
    distinct = ordered.filter(pl.col("key") != pl.col("key").shift(1, fill_value=-1))
    by_customer = distinct.sort(_composite("customer", "place", distinct, places))
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    start = pl.when(pl.col("customer") != pl.col("customer").shift(1)).then(row).forward_fill()
    return (
        by_customer.with_columns((row - start.fill_null(0) + 1).cast(pl.Int32).alias("rank"))
        .filter(pl.col("rank") <= top)
        .select("customer", "key", "place", "rank")
    )


def _composite(major: str, minor: str, frame: pl.DataFrame, span: int) -> pl.Expr | list[str]:
    """One Int64 sort key for (major, minor) with 0 ≤ minor < span, or both columns when the
    product would not fit in 64 bits."""
    high = frame[major].max()
    if high is None or (int(high) + 1) * span < KEY_LIMIT:  # type: ignore[arg-type]
        return pl.col(major) * span + pl.col(minor)
    return [major, minor]


def _interest_filter(
    offerable: pl.DataFrame,
    interests: pl.DataFrame | None,
    contacts: pl.DataFrame,
    ranked: pl.DataFrame,
) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """A filter of candidate rows (customer, y = offer code, …) that keeps, for a customer
    with interests, only the offers in their categories (`contacts` maps contact_id →
    customer code, `ranked` item → code)."""
    if interests is None:
        return lambda candidates: candidates
    liked = checked(interests, "interests", {"contact_id": ANY, "category_id": ANY}).join(
        contacts, on="contact_id"
    )
    offers = ranked.select("also_bought", "y").unique().join(offerable, on="also_bought")
    book, c = _codes(liked["category_id"], offers["category_id"].drop_nulls())
    liked = _encode(liked, "category_id", book, "category")
    category_of = _encode(offers.drop_nulls("category_id"), "category_id", book, "category")
    liked_keys = (liked["customer"] * c + liked["category"]).implode()
    picky = liked["customer"].unique().implode()

    def allowed(candidates: pl.DataFrame) -> pl.DataFrame:
        return (
            candidates.join(category_of.select("y", "category"), on="y", how="left")
            .filter(
                ~pl.col("customer").is_in(picky)
                | (pl.col("customer") * c + pl.col("category")).is_in(liked_keys)
            )
            .drop("category")
        )

    return allowed
