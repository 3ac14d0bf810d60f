"""Who bought what as a sparse binary matrix, and the co-purchase counts it gives.

`purchase_matrix(groups, items)` takes two integer arrays of the same length, one row per
purchase (a customer id and an item id, repeats harmless), and gives X: one row per group
(customer), one column per item, 1 where the group bought the item. Then

  Xᵀ·X[i, j] = the groups that bought both i and j;  Xᵀ·X[i, i] = the groups that bought i,

which is every customer-level co-purchase count at once (`co_counts`). SciPy's sparse product
does the same pair enumeration a self-join would (Σ over customers of their items squared),
but in compiled loops over int arrays, without building or hashing a row per pair: measured on
6.5M distinct (customer, product) purchases of 664k customers, a busy 2-core machine, 0.5 s of
CPU against 1.6 s for Polars' sorted self-join and group-by. Building X from unsorted rows is a
counting sort (scipy's COO → CSR), which also removes the repeats, cheaper than sorting keys.

Ids must be non-negative integers: database ids are. Ids are their own row and column codes
when they are not too sparse (so no sort is needed to encode them), else they are ranked.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

SPARSE_IDS = 4  # ids are their own codes while the largest is at most this × their count…
SPARSE_SLACK = 1 << 16  # … plus this much (small tests, id gaps left by deleted rows)


@dataclass(frozen=True)
class PurchaseMatrix:
    """X (groups × items, CSR, canonical: sorted, no repeats, every stored value 1), the id of
    each non-empty row, and the item id of each column (`item_ids[code]`)."""

    matrix: sp.csr_matrix
    group_ids: np.ndarray  # one per non-empty row, in row order (ascending)
    item_ids: np.ndarray  # one per column, ascending

    @property
    def groups(self) -> int:
        return int(self.matrix.shape[0])

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(group id, item id) of every stored 1, sorted by group then item."""
        counts = np.diff(self.matrix.indptr)
        return np.repeat(self.group_ids, counts), self.item_ids[self.matrix.indices]


def _codes(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code of each id, id of each code): the ids themselves when dense enough, else ranks."""
    if len(ids) == 0:
        return ids.astype(np.int64), np.zeros(0, np.int64)
    low, high = int(ids.min()), int(ids.max())
    if low < 0:
        raise ValueError("purchase_matrix takes non-negative integer ids")
    if high <= SPARSE_IDS * len(ids) + SPARSE_SLACK:
        return ids.astype(np.int64, copy=False), np.arange(high + 1, dtype=np.int64)
    uniques, codes = np.unique(ids, return_inverse=True)
    return codes.astype(np.int64, copy=False), uniques.astype(np.int64, copy=False)


def purchase_matrix(groups: np.ndarray, items: np.ndarray) -> PurchaseMatrix:
    """X from one (group, item) pair per purchase (see the module docstring)."""
    if len(groups) != len(items):
        raise ValueError("groups and items must have the same length")
    group_codes, group_ids = _codes(np.asarray(groups))
    item_codes, item_ids = _codes(np.asarray(items))
    shape = (len(group_ids), len(item_ids))
    ones = np.ones(len(group_codes), dtype=np.int64)
    # COO → CSR sums the repeats (a counting sort by row, then each row's columns sorted)
    matrix = sp.coo_matrix((ones, (group_codes, item_codes)), shape=shape).tocsr()
    matrix.sum_duplicates()
    matrix.data[:] = 1
    bought = np.diff(matrix.indptr) > 0
    if not bought.all():  # ids used as codes leave empty rows: drop them
        matrix = matrix[bought]
        group_ids = group_ids[bought]
    return PurchaseMatrix(matrix, group_ids, item_ids)


@dataclass(frozen=True)
class CoCounts:
    """Customer-level counts: `n[k]` groups bought item `item_ids[k]` (only items with n > 0);
    `a`, `b`, `both`: the item ids of every pair with a < b bought together by `both` groups
    (> 0), in no particular order."""

    groups: int
    item_ids: np.ndarray
    n: np.ndarray
    a: np.ndarray
    b: np.ndarray
    both: np.ndarray


def co_counts(purchases: PurchaseMatrix) -> CoCounts:
    """How many groups bought each item and each pair of items (Xᵀ·X, upper triangle)."""
    x = purchases.matrix
    gram = (x.T.tocsr() @ x).tocoo()
    n = np.asarray(x.sum(axis=0)).ravel()
    upper = gram.row < gram.col
    held = n > 0
    ids = purchases.item_ids
    return CoCounts(
        groups=purchases.groups,
        item_ids=ids[held],
        n=n[held].astype(np.int64),
        a=ids[gram.row[upper]],
        b=ids[gram.col[upper]],
        both=gram.data[upper].astype(np.int64),
    )
