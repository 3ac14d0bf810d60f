"""The arithmetic of survey answers (no Django): exit reasons counted and shared, the Net
Promoter Score and the average of 1–5 scores.

Inputs are plain values read by rapport.service.survey_report: the reasons of the answered
exit surveys, the 0–10 recommendation scores and the 1–5 scores, or how many answers gave
each (counted by the database).
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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
    return reason_shares(Counter(reasons), order)


def reason_shares(counts: Mapping[str, int], order: Sequence[str]) -> list[ReasonCount]:
    """`reason_counts` from counts already made (reason → answers)."""
    counts = Counter(counts)
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
    return nps_of_counts(Counter(scores))


def nps_of_counts(answers: Mapping[int, int]) -> Nps:
    """`nps` from counts already made (score → answers)."""
    counts: Counter[str] = Counter()
    for score, count in answers.items():
        counts[bucket(score)] += count
    answered = sum(counts.values())
    value = (
        round(100 * (counts["promoter"] - counts["detractor"]) / answered, 1) if answered else None
    )
    return Nps(answered, counts["promoter"], counts["passive"], counts["detractor"], value)


def mean_of_counts(counts: Mapping[int, int]) -> float | None:
    """The mean score to two decimals, from how many answers gave each score (None when
    there were none)."""
    answers = sum(counts.values())
    if not answers:
        return None
    return round(sum(score * n for score, n in counts.items()) / answers, 2)
