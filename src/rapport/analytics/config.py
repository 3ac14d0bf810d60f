"""The customer-analytics settings: windows, thresholds, the RFM map, the CLV horizon.

Every value has a documented default here; a deployment overrides any of them in
`settings.RAPPORT_ANALYTICS` (a dict with the same keys), and `current()` checks the result
so that a bad setting stops a refresh with a message naming the key instead of producing
wrong figures. The reporting currency is `settings.RAPPORT_DEFAULT_CURRENCY`: orders in other
currencies are converted with the stored exchange rates (`analytics.models.ExchangeRate`).
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class AnalyticsSettings:
    """What a refresh computes with. Defaults and the reasons for them:"""

    # ABC/XYZ window: the last N months of complete periods before as_of (12: one full
    # season cycle, so a summer-only customer is not judged on the winter).
    window_months: int = 12
    # ABC: an item is A while the cumulative revenue share before it is below `abc_a`,
    # then B while below `abc_b`, else C (INTERFACES.md; the classic 80 / 15 / 5 %).
    abc_a: float = 0.80
    abc_b: float = 0.95
    # XYZ: the coefficient of variation of revenue per period ("month" or "quarter").
    # Thresholds None = `analytics.maths.abcxyz.XYZ_DEFAULTS` per entity and period, measured
    # on travel-shaped data (its docstring says why: the classic 0.10 / 0.25 put nearly
    # every travel customer in Z, since they buy a few times a year).
    xyz_period: str = "month"
    xyz_x_customers: float | None = None
    xyz_y_customers: float | None = None
    xyz_x_products: float | None = None
    xyz_y_products: float | None = None
    # RFM: segment key → its R × F cells ("RF" strings such as "54"); None = the map of
    # `analytics.maths.rfm.DEFAULT_SEGMENT_MAP` (Champions … Lost, 11 segments). The refresh
    # checks a map given here (every one of the 25 cells in exactly one segment).
    rfm_map: Mapping[str, tuple[str, ...]] | None = None
    # CLV: horizon in months and the monthly discount rate (1 %: about 12.7 % a year, a
    # usual cost of capital for a small business).
    clv_months: int = 12
    monthly_discount_rate: float = 0.01
    # The CLV models need enough repeat buyers to say anything; below this they are not
    # fitted (the metrics stay empty and the run says why).
    min_repeat_buyers: int = 20
    # Cross-sell: a pair is kept when at least this many transactions hold it and it is at
    # least this share of them (None = `analytics.maths.crosssell` defaults: 3 and 0).
    cross_sell_min_count: int | None = None
    cross_sell_min_support: float | None = None
    # Pairs kept per product, best lift first: what "customers who bought X also bought"
    # lists show (a catalogue of dated departures has millions of rare pairs otherwise).
    cross_sell_pairs_per_product: int = 20
    # Forecasts: months ahead.
    forecast_months: int = 12

    @property
    def currency(self) -> str:
        return str(settings.RAPPORT_DEFAULT_CURRENCY)

    def as_json(self) -> dict[str, Any]:
        """The settings a run used, for its record (AnalyticsRun.settings)."""
        data = dataclasses.asdict(self)
        if self.rfm_map is not None:
            data["rfm_map"] = {k: list(v) for k, v in self.rfm_map.items()}
        data["currency"] = self.currency
        return data


def current() -> AnalyticsSettings:
    """The defaults overridden by `settings.RAPPORT_ANALYTICS`, checked."""
    overrides = dict(getattr(settings, "RAPPORT_ANALYTICS", {}) or {})
    known = {f.name for f in dataclasses.fields(AnalyticsSettings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ImproperlyConfigured(
            f"RAPPORT_ANALYTICS has unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    if "rfm_map" in overrides:
        overrides["rfm_map"] = {k: tuple(v) for k, v in overrides["rfm_map"].items()}
    config = AnalyticsSettings(**overrides)
    _check(config)
    return config


def _check(c: AnalyticsSettings) -> None:
    problems = []
    if not 0 < c.abc_a < c.abc_b <= 1:
        problems.append("abc_a and abc_b must satisfy 0 < abc_a < abc_b ≤ 1")
    for entity in ("customers", "products"):
        x, y = getattr(c, f"xyz_x_{entity}"), getattr(c, f"xyz_y_{entity}")
        if (x is None) != (y is None) or (x is not None and not 0 <= x < y):
            problems.append(f"xyz_x_{entity} and xyz_y_{entity}: give both, 0 ≤ x < y")
    if c.xyz_period not in ("month", "quarter"):
        problems.append("xyz_period must be 'month' or 'quarter'")
    if c.xyz_period == "quarter" and c.window_months % 3:
        problems.append("window_months must be a whole number of quarters (xyz_period)")
    if c.cross_sell_pairs_per_product < 1:
        problems.append("cross_sell_pairs_per_product must be at least 1")
    if c.window_months < 1 or c.clv_months < 1 or c.forecast_months < 1:
        problems.append("window_months, clv_months and forecast_months must be at least 1")
    if not 0 <= c.monthly_discount_rate < 1:
        problems.append("monthly_discount_rate must be in [0, 1)")
    if problems:
        raise ImproperlyConfigured("RAPPORT_ANALYTICS: " + "; ".join(problems))
