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
    labels: np.ndarray | None = None  # one per row: the label its purchases carried

    @property
    def groups(self) -> int:
        return int(self.matrix.shape[0])

    def where(self, rows: np.ndarray) -> "PurchaseMatrix":
        """The rows selected by the boolean mask `rows`, over the same columns (so the
        counts of disjoint selections add up, as sparse matrices)."""
        labels = None if self.labels is None else self.labels[rows]
        return PurchaseMatrix(self.matrix[rows], self.group_ids[rows], self.item_ids, labels)

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


def purchase_matrix(
    groups: np.ndarray, items: np.ndarray, labels: np.ndarray | None = None
) -> PurchaseMatrix:
    """X from one (group, item) pair per purchase (see the module docstring). `labels`, one
    per purchase and the same for all of a group's (its team, say), label the rows."""
    if len(groups) != len(items) or (labels is not None and len(labels) != len(groups)):
        raise ValueError("groups, items and labels must have the same length")
    group_codes, group_ids = _codes(np.asarray(groups))
    item_codes, item_ids = _codes(np.asarray(items))
    shape = (len(group_ids), len(item_ids))
    ones = np.ones(len(group_codes), dtype=np.int64)
    # COO → CSR sums the repeats (a counting sort by row, then each row's columns sorted)
    matrix = sp.coo_matrix((ones, (group_codes, item_codes)), shape=shape).tocsr()
    matrix.sum_duplicates()
    matrix.data[:] = 1
    row_labels = None
    if labels is not None:
        row_labels = np.zeros(shape[0], dtype=np.asarray(labels).dtype)
        row_labels[group_codes] = labels  # a group's purchases all carry its label
    bought = np.diff(matrix.indptr) > 0
    if not bought.all():  # ids used as codes leave empty rows: drop them
        matrix = matrix[bought]
        group_ids = group_ids[bought]
        row_labels = None if row_labels is None else row_labels[bought]
    return PurchaseMatrix(matrix, group_ids, item_ids, row_labels)


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


def gram(purchases: PurchaseMatrix) -> sp.csr_matrix:
    """Xᵀ·X: groups that bought both items of each pair (the diagonal: each item)."""
    x = purchases.matrix
    return (x.T.tocsr() @ x).tocsr()


def co_counts(
    purchases: PurchaseMatrix, product: sp.csr_matrix | None = None, *, min_both: int = 1
) -> CoCounts:
    """How many groups bought each item and each pair of items (Xᵀ·X, upper triangle);
    `product` is Xᵀ·X when already computed (`gram`, or the sum of those of disjoint row
    selections of one matrix: then `purchases` is their union). Pairs bought by fewer than
    `min_both` groups are left out before their ids are looked up (most pairs, at scale)."""
    counts = (gram(purchases) if product is None else product).tocoo()
    n = counts.diagonal()  # X is 0/1: Xᵀ·X[i, i] counts the groups that bought i
    upper = (counts.row < counts.col) & (counts.data >= min_both)
    held = n > 0
    ids = purchases.item_ids
    return CoCounts(
        groups=purchases.groups,
        item_ids=ids[held],
        n=n[held].astype(np.int64),
        a=ids[counts.row[upper]],
        b=ids[counts.col[upper]],
        both=counts.data[upper].astype(np.int64),
    )
