"""The refresh's cross-sell steps: each customer's next-best offer, and the product pair
tables per audience and basis.
"""

import datetime as dt
from typing import Any

import polars as pl

from rapport.analytics import config, reports
from rapport.analytics.maths import crosssell, first_offer, purchase_matrix

OFFER_SLICE_ROWS = 500_000  # purchase-history rows per next-best-offer slice

OFFER_RULES_PER_ITEM = 5  # one offer per customer needs only the best few rules of an item


def thresholds_of(settings: config.AnalyticsSettings) -> dict[str, Any]:
    """The pair thresholds (min_count, min_support): those set, else the maths' defaults."""
    count, support = settings.cross_sell_min_count, settings.cross_sell_min_support
    return {
        "min_count": crosssell.MIN_COUNT if count is None else count,
        "min_support": 0.0 if support is None else support,
    }


def pair_tables(
    lines: pl.DataFrame, settings: config.AnalyticsSettings, scopes: list[str]
) -> dict[str, pl.DataFrame]:
    """The product pair tables per basis ("basket", "customer"), for the whole business and
    each scope."""
    thresholds = thresholds_of(settings)
    # Each customer belongs to one audience (or none): the whole business's counts are the
    # sum of its audiences', so the million customers' pairs are counted once, not twice.
    basket = lines.select("order_id", "contact_id", "product_id", "scope")
    tables: dict[str, pl.DataFrame] = {}
    for basis in ("basket", "customer"):
        nothing = crosssell.pair_counts(basket.clear(), by=basis, item_column="product_id")
        if basis == "customer" and len(basket) and basket.schema["product_id"].is_integer():
            whole, counts = _customer_counts(basket, scopes, thresholds)
        else:
            parts = basket.partition_by("scope", as_dict=True) if len(basket) else {}
            counts = {
                key[0]: crosssell.pair_counts(part, by=basis, item_column="product_id")
                for key, part in parts.items()
            }
            whole = (
                crosssell.add_counts(list(counts.values()))
                if counts
                else crosssell.pair_counts(basket, by=basis, item_column="product_id")
            )
        per_scope = {reports.ALL: whole} | {s: counts.get(s, nothing) for s in scopes}
        tables[basis] = pl.concat(
            _best(scope, crosssell.pairs_of(c, **thresholds), settings)
            for scope, c in per_scope.items()
        )
    return tables


def _customer_counts(
    basket: pl.DataFrame, scopes: list[str], thresholds: dict[str, Any]
) -> tuple[crosssell.PairCounts, dict[str, crosssell.PairCounts]]:
    """The whole business's and each scope's pair counts by customer from one purchase
    matrix: each scope's Xᵀ·X is that of its customers' rows, and the whole's is their sum
    (a customer has one scope, or none: label 0), instead of adding up millions of pair
    rows in a group-by. Only the pairs at the `thresholds` are kept: of the 6M pairs of the
    1M-customer set, 1.1M are bought by 3 customers or more, and `pairs_of` then joins
    those alone."""
    codes = {scope: k for k, scope in enumerate(scopes, 1)}
    labels = basket.select(
        pl.col("scope").replace_strict(codes, default=0, return_dtype=pl.Int32).fill_null(0)
    )
    purchases = purchase_matrix.purchase_matrix(
        basket["contact_id"].to_numpy(),
        basket["product_id"].to_numpy(),
        labels["scope"].to_numpy(),
    )
    assert purchases.labels is not None
    item_type = basket.schema["product_id"]
    parts = {k: purchases.where(purchases.labels == k) for k in range(len(scopes) + 1)}
    products = {k: purchase_matrix.gram(part) for k, part in parts.items()}
    counts = {
        scope: crosssell.counts_of(parts[k], item_type, products[k], **thresholds)
        for scope, k in codes.items()
        if parts[k].groups
    }
    whole = crosssell.counts_of(purchases, item_type, sum(products.values()), **thresholds)
    return whole, counts


def _best(scope: str, pairs: pl.DataFrame, settings: config.AnalyticsSettings) -> pl.DataFrame:
    """A scope's stored pairs: each product's best `cross_sell_pairs_per_product`."""
    best = (
        pairs.sort(
            ["item", "lift", "confidence", "also_bought"],
            descending=[False, True, True, False],
        )
        .group_by("item", maintain_order=True)
        .head(settings.cross_sell_pairs_per_product)
    )
    return best.select(
        pl.lit(scope).alias("scope"),
        pl.col("item").alias("product_id"),
        pl.col("also_bought").alias("also_bought_id"),
        "support",
        "confidence",
        "lift",
        "customers",
    )


def offer_items(products: pl.DataFrame) -> pl.DataFrame:
    """product_id, item, label: what a next-best offer is about. A tour is one dated
    departure among many of its destination, so tours are offered by destination (a
    customer who went to Crete is offered Cyprus, not the 12 June departure someone else
    took); any other product is its own item."""
    by_destination = (pl.col("kind") == "tour") & (pl.col("destination") != "")
    keyed = products.with_columns(
        pl.when(by_destination)
        .then(pl.format("d:{}", pl.col("destination")))
        .otherwise(pl.format("p:{}", pl.col("product_id")))
        .alias("key"),
        pl.when(by_destination)
        .then(pl.col("destination"))
        .otherwise(pl.col("name"))
        .alias("label"),
    )
    return keyed.with_columns(pl.col("key").rank("dense").cast(pl.Int64).alias("item")).select(
        "product_id", "item", "label"
    )


def next_best_offers(
    lines: pl.DataFrame,
    products: pl.DataFrame,
    settings: config.AnalyticsSettings,
    as_of: dt.date,
) -> pl.DataFrame:
    """Each customer's next-best offer: contact_id, offer (a product on sale: for a
    destination, its next departure after as_of), because_of, confidence, lift, customers,
    offer_label, because_of_label."""
    items = offer_items(products)
    # who bought which item, once each, as the sparse matrix that also counts the rules'
    # pairs: cheaper than a join and two `unique`s over ten million lines
    history = lines.select("contact_id", "product_id").join(
        items.select("product_id", "item"), on="product_id"
    )
    purchases = purchase_matrix.purchase_matrix(
        history["contact_id"].to_numpy(), history["item"].to_numpy()
    )
    thresholds = thresholds_of(settings)
    rules = crosssell.pairs_of(crosssell.counts_of(purchases, pl.Int64, **thresholds), **thresholds)
    on_sale = products.filter(
        (pl.col("is_active") == 1)
        & (pl.col("departure_date").is_null() | (pl.col("departure_date") > as_of))
    ).join(items, on="product_id")
    # the product offered for an item: the earliest departure, then the cheapest
    offered = on_sale.sort("item", "departure_date", "price", "product_id", nulls_last=True).unique(
        "item", keep="first", maintain_order=True
    )
    active = offered.select("item")
    offers = first_offer.first_offers(
        purchases, rules, active=active, rules_per_item=OFFER_RULES_PER_ITEM
    )
    if offers is None:  # too many offer items for a dense table
        offers = _offers_in_slices(purchases, rules, active)
    labels = items.unique("item").select("item", "label")
    return (
        offers.join(offered.select("item", "product_id"), left_on="offer", right_on="item")
        .join(labels.rename({"label": "offer_label"}), left_on="offer", right_on="item")
        .join(labels.rename({"label": "because_of_label"}), left_on="because_of", right_on="item")
        .select(
            "contact_id",
            pl.col("product_id").alias("offer"),
            "confidence",
            "lift",
            "customers",
            "offer_label",
            "because_of_label",
        )
    )


def _offers_in_slices(
    purchases: purchase_matrix.PurchaseMatrix, rules: pl.DataFrame, active: pl.DataFrame
) -> pl.DataFrame:
    """`next_best_offer` of every customer, top 1. Customers are independent: offered in
    slices, so that the candidates (each customer's items × the rules from them) never all
    sit in memory at once."""
    contacts, bought_items = purchases.pairs()
    bought = pl.DataFrame({"contact_id": contacts, "item": bought_items})
    slices = max(1, -(-len(bought) // OFFER_SLICE_ROWS))
    parts = (
        bought.with_columns((pl.col("contact_id") % slices).alias("_slice")).partition_by(
            "_slice", include_key=False
        )
        if len(bought)
        else [bought]
    )
    return pl.concat(
        [
            crosssell.next_best_offer(
                part, rules, active=active, top=1, rules_per_item=OFFER_RULES_PER_ITEM
            )
            for part in parts
        ]
    )
