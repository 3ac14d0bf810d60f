"""Synthetic travel-agency order lines, drawn in NumPy, for benchmarks and for measuring
defaults (the XYZ thresholds) on data shaped like a travel agency's: sparse, seasonal,
heterogeneous.

`travel_lines(customers, as_of=, years=, seed=)` → one row per order line:
  order_id Int64, contact_id Int64, ordered_at Date, product_id Int64, category_id Int64,
  value Float64
About 10 lines per customer over three years (1M customers ≈ 10M lines, the `large` size).

The process: each customer's first booking falls uniformly in the history; later bookings
follow a Poisson process in "seasonal time" (more in June-July and December) with a
gamma-distributed rate per customer (mean 3 a year) and a beta-distributed chance to drop out
after every booking (the BG/NBD story). One booking in ten is two orders on the same day.
An order has a main product (40 % from the customer's favourite category, else by season and
popularity), often insurance and a transfer (basket affinities), sometimes excursions.
"""

import datetime as dt

import numpy as np
import polars as pl

SEASON = np.array([0.9, 0.8, 0.85, 0.95, 1.15, 1.4, 1.45, 1.2, 0.8, 0.7, 0.95, 1.35])
CATEGORIES = 20
PRODUCTS = 400  # main products; ids 0..399, category = id % CATEGORIES
INSURANCE = PRODUCTS
TRANSFER = PRODUCTS + 1
EXCURSIONS = np.arange(PRODUCTS + 2, PRODUCTS + 2 + CATEGORIES)  # one per category


def _booking_days(
    rng: np.random.Generator, customers: int, start: int, end: int
) -> tuple[np.ndarray, np.ndarray]:
    """(customer, day) of every booking, days counted from the epoch."""
    days = np.arange(start, end + 1)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    weight = SEASON[months] / SEASON[months].mean()
    clock = np.concatenate([[0.0], np.cumsum(weight)])[:-1]
    first = rng.integers(start, end + 1, customers)
    rate = rng.gamma(1.5, 3.0 / 1.5, customers)
    dropout = rng.beta(1.0, 7.0, customers)
    at = np.interp(first, days, clock)
    who, when = [np.arange(customers)], [first]
    active = np.arange(customers)
    while len(active):
        active = active[rng.random(len(active)) >= dropout[active]]
        at[active] += rng.exponential(1.0, len(active)) * 365.0 / rate[active]
        active = active[at[active] <= clock[-1]]
        who.append(active)
        when.append(np.interp(at[active], clock, days).astype(np.int64))
    return np.concatenate(who), np.concatenate(when)


def _popularity(rng: np.random.Generator, n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** 0.9
    rng.shuffle(weights)
    return weights / weights.sum()


def travel_lines(
    customers: int, *, as_of: dt.date, years: float = 3.0, seed: int = 0
) -> pl.DataFrame:
    """Order lines of `customers` customers over `years` years up to `as_of`."""
    rng = np.random.default_rng(seed)
    end = (as_of - dt.date(1970, 1, 1)).days
    start = end - int(years * 365)
    who, day = _booking_days(rng, customers, start, end)
    twice = rng.random(len(who)) < 0.1  # two orders on the same day
    who = np.concatenate([who, who[twice]])
    day = np.concatenate([day, day[twice]])
    n = len(who)
    order_id = np.arange(1, n + 1)
    favourite = rng.integers(0, CATEGORIES, customers)
    popularity = _popularity(rng, PRODUCTS)
    # Seasonal categories: the first five peak in summer, the next five in winter.
    month = day.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    category_season = np.ones((CATEGORIES, 12))
    category_season[:5] = [0.2, 0.2, 0.3, 0.5, 1.0, 4.0, 5.0, 4.0, 1.0, 0.4, 0.2, 0.2]
    category_season[5:10] = [4.0, 3.0, 1.5, 0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 1.0, 4.0]
    main = np.empty(n, np.int64)
    for m in range(12):
        mask = month == m
        weights = popularity * category_season[np.arange(PRODUCTS) % CATEGORIES, m]
        main[mask] = rng.choice(PRODUCTS, mask.sum(), p=weights / weights.sum())
    loyal = rng.random(n) < 0.4
    in_category = rng.integers(0, PRODUCTS // CATEGORIES, n) * CATEGORIES
    main = np.where(loyal, in_category + favourite[who], main)
    category = main % CATEGORIES
    parts = [(order_id, main, np.exp(rng.normal(7.0, 0.5, n)))]
    insured = rng.random(n) < 0.55
    parts.append(
        (order_id[insured], np.full(insured.sum(), INSURANCE), np.full(insured.sum(), 25.0))
    )
    transfer = rng.random(n) < np.where(category < 10, 0.6, 0.2)
    parts.append(
        (order_id[transfer], np.full(transfer.sum(), TRANSFER), np.full(transfer.sum(), 40.0))
    )
    excursions = rng.poisson(0.8, n)
    rows = np.repeat(np.arange(n), excursions)
    parts.append((order_id[rows], EXCURSIONS[category[rows]], rng.uniform(20, 120, len(rows))))
    line_order = np.concatenate([p[0] for p in parts])
    product = np.concatenate([p[1] for p in parts])
    value = np.round(np.concatenate([p[2] for p in parts]), 2)
    index = line_order - 1
    product_category = np.where(product < PRODUCTS, product % CATEGORIES, CATEGORIES)
    product_category = np.where(
        (product >= EXCURSIONS[0]), product - EXCURSIONS[0], product_category
    )
    return pl.DataFrame(
        {
            "order_id": line_order,
            "contact_id": who[index] + 1,
            "ordered_at": day[index].astype("datetime64[D]"),
            "product_id": product,
            "category_id": product_category,
            "value": value,
        }
    ).sort("order_id")


def orders_of(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per order: order_id, contact_id, ordered_at, value (its lines summed)."""
    return lines.group_by("order_id").agg(
        pl.col("contact_id").first(), pl.col("ordered_at").first(), pl.col("value").sum()
    )
