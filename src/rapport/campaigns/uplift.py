"""Uplift of a treated group over a holdout (control) group (no Django here).

Rates are conversions ÷ contacts. The absolute uplift is the treated rate minus the holdout
rate; its 95 % confidence interval is the two-proportion z interval (Wald, unpooled):

    d ± z · √(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂),   z = 1.959963984540054 (the 97.5 % normal quantile)

The incremental revenue estimate is what the treated group earned per contact beyond what the
holdout earned per contact, times the treated contacts: (R₁/n₁ − R₂/n₂) · n₁.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

Z95 = 1.959963984540054
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Group:
    """One group's outcome: how many contacts, how many of them converted, what they spent."""

    contacts: int
    conversions: int
    revenue: Decimal = Decimal(0)

    @property
    def rate(self) -> float | None:
        return conversion_rate(self.conversions, self.contacts)


@dataclass(frozen=True)
class Uplift:
    rate: float  # treated rate − holdout rate
    low: float  # the 95 % interval's bounds
    high: float
    incremental_revenue: Decimal


def conversion_rate(conversions: int, contacts: int) -> float | None:
    """conversions ÷ contacts; None for no contacts."""
    return conversions / contacts if contacts else None


def uplift(treated: Group, holdout: Group, *, z: float = Z95) -> Uplift | None:
    """The treated group's uplift over the holdout (module docstring); None when either
    group is empty (there is nothing to compare)."""
    if not treated.contacts or not holdout.contacts:
        return None
    n1, n2 = treated.contacts, holdout.contacts
    p1, p2 = treated.conversions / n1, holdout.conversions / n2
    difference = p1 - p2
    margin = z * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    incremental = (treated.revenue / n1 - holdout.revenue / n2) * n1
    return Uplift(
        rate=difference,
        low=difference - margin,
        high=difference + margin,
        incremental_revenue=incremental.quantize(CENT, rounding=ROUND_HALF_UP),
    )
