"""The arithmetic of survey answers (no Django): exit reasons counted and shared, the Net
Promoter Score and the average of 1–5 scores.

Inputs are plain values read by rapport.service.survey_report: the reason of each answered
exit survey, the 0–10 recommendation scores, the 1–5 scores.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PROMOTER_FROM = 9  # 9 and 10: promoters
PASSIVE_FROM = 7  # 7 and 8: passives; 0 to 6: detractors


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int
    share: float  # of the answers, 0–1


def reason_counts(reasons: Iterable[str], order: Sequence[str]) -> list[ReasonCount]:
    """Every reason of `order` with how many answers gave it and its share of them, the most
    given first (ties in `order`'s order); reasons nobody gave are listed with 0."""
    counts = Counter(reasons)
    total = sum(counts.values())
    rank = {reason: i for i, reason in enumerate(order)}
    listed = sorted(order, key=lambda r: (-counts[r], rank[r]))
    return [
        ReasonCount(reason, counts[reason], round(counts[reason] / total, 4) if total else 0.0)
        for reason in listed
    ]


def bucket(score: int) -> str:
    """promoter (9–10), passive (7–8) or detractor (0–6)."""
    if score >= PROMOTER_FROM:
        return "promoter"
    if score >= PASSIVE_FROM:
        return "passive"
    return "detractor"


@dataclass(frozen=True)
class Nps:
    answered: int
    promoters: int
    passives: int
    detractors: int
    score: float | None  # % promoters − % detractors, −100 to 100; None without answers


def nps(scores: Iterable[int]) -> Nps:
    """The Net Promoter Score of 0–10 answers: the percentage of promoters minus the
    percentage of detractors, to one decimal."""
    counts = Counter(bucket(score) for score in scores)
    answered = sum(counts.values())
    value = (
        round(100 * (counts["promoter"] - counts["detractor"]) / answered, 1) if answered else None
    )
    return Nps(answered, counts["promoter"], counts["passive"], counts["detractor"], value)


def average(scores: Iterable[int | None]) -> float | None:
    """The mean of the given scores to two decimals (None when none was given)."""
    given = [s for s in scores if s is not None]
    return round(sum(given) / len(given), 2) if given else None


def distribution(scores: Iterable[int | None], values: Sequence[int]) -> list[tuple[int, int]]:
    """(value, how many answers gave it) for each possible value."""
    counts = Counter(s for s in scores if s is not None)
    return [(value, counts[value]) for value in values]
