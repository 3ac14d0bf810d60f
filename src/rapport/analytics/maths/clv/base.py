"""What the CLV models share: the array types, the customer summary's columns, the settings,
a model's fit (`Fit`) and its reasons in English, and identical customers collapsed into
weighted rows.
"""

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

COLUMNS = ("contact_id", "frequency", "recency", "T", "monetary")
DAYS_PER_MONTH = 365.25 / 12

REASONS = {
    "missing_columns": "The customer summary lacks the columns {columns}.",
    "no_customers": "There are no customers with purchases to fit.",
    "not_finite": "{rows} customers have a missing, non-numeric or infinite {column}.",
    "negative": "{rows} customers have a negative {column}.",
    "fractional_frequency": "{rows} customers have a frequency that is not a whole number.",
    "recency_exceeds_age": "{rows} customers have a recency larger than their age T.",
    "recency_without_repeat": "{rows} customers have a recency but no repeat purchase.",
    "too_few_repeat_buyers": (
        "Only {repeat_buyers} customers bought more than once; the {model} model needs at "
        "least {minimum}."
    ),
    "not_converged": "The {model} model did not converge ({detail}).",
    "degenerate_parameters": (
        "The {model} model's parameters run off to 0 or infinity ({detail}): the customers are "
        "too alike to estimate how they differ."
    ),
    "spend_mean_undefined": (
        "The spend model's q is {q:.3g}; at q ≤ 1 the mean order value is undefined."
    ),
}


@dataclass(frozen=True)
class Fit:
    """One model's fit: parameters (original time and money units) or why there are none."""

    model: str
    ok: bool
    params: dict[str, float] | None = None
    log_likelihood: float | None = None
    customers: int = 0  # customers fitted
    rows: int = 0  # weighted rows after collapsing identical customers
    seconds: float = 0.0
    optimizer: str | None = None  # the method that converged ("BFGS", "Nelder-Mead+BFGS")
    evaluations: int = 0
    reason: str | None = None
    reason_params: dict[str, object] = field(default_factory=dict)

    @property
    def message(self) -> str | None:
        return describe(self.reason, self.reason_params)


@dataclass(frozen=True)
class ClvSettings:
    """Time units and horizons. `period_days` is the length of the data's period (1 = days,
    7 = weeks); horizons are in days whatever the period."""

    period_days: float = 1.0
    horizons_days: tuple[int, ...] = (90, 365)
    clv_months: int = 12
    monthly_discount_rate: float = 0.01
    days_per_month: float = DAYS_PER_MONTH
    min_repeat_buyers: int = 20
    penalizer: float = 0.0

    @property
    def clv_column(self) -> str:
        return f"clv_{self.clv_months * 365 // 12}d"


def describe(reason: str | None, params: dict[str, object]) -> str | None:
    """The English sentence for a reason code (for logs and the command line)."""
    return None if reason is None else REASONS[reason].format(**params)


def group_ids(*columns: FloatArray) -> tuple[IntArray, int]:
    """A group number per row (equal rows share one) and the number of groups. The columns
    become one integer key, sorted once (5× faster than a lexicographic sort of floats): whole
    non-negative numbers (Rapport's days) as digits of a mixed-radix number, anything else by
    its rank among the column's distinct values."""
    n = len(columns[0])
    if n == 0:
        return np.zeros(0, dtype=np.intp), 0
    key = np.zeros(n, dtype=np.int64)
    size = 1  # key < size
    for column in columns:
        top = float(column.max())
        if float(column.min()) >= 0 and top < 2**31 and np.array_equal(column, np.floor(column)):
            codes, count = column.astype(np.int64), int(top) + 1
        else:
            values, codes = np.unique(column, return_inverse=True)
            count = len(values)
        if size * count >= 2**62:  # renumber the key so far to keep it within int64
            _, key = np.unique(key, return_inverse=True)
            size = int(key.max()) + 1
        key = key * count + codes
        size *= count
    _, ids = np.unique(key, return_inverse=True)
    return ids.astype(np.intp), int(ids.max()) + 1


@dataclass(frozen=True)
class Collapsed:
    """Distinct (x, t_x, T) rows with the number of customers on each, and each customer's row."""

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    weight: FloatArray
    row_of: IntArray


def collapse(
    x: FloatArray, t_x: FloatArray, T: FloatArray, weight: FloatArray | None = None
) -> Collapsed:
    row_of, rows = group_ids(x, t_x, T)
    first = np.zeros(rows, dtype=np.intp)
    first[row_of] = np.arange(len(x))
    w = np.ones(len(x)) if weight is None else np.asarray(weight, dtype=float)
    return Collapsed(x[first], t_x[first], T[first], np.bincount(row_of, w, rows), row_of)


def dot(a: FloatArray, b: FloatArray) -> float:
    """Σ a·b without BLAS: for one vector its threads cost more than they save (100× here,
    on a busy two-core machine)."""
    return float(np.einsum("i,i->", a, b))


def floats(summary: pl.DataFrame, column: str) -> FloatArray:
    return summary.get_column(column).cast(pl.Float64, strict=False).to_numpy().astype(float)
