"""The survey report: why customers left (the exit survey's reasons, their shares, "would
you come back?" and the customers' own words), the Net Promoter Score and the trips' average
score, over the surveys of the customers the viewer may see.

Answers count in the period they were given (`answered_at`), surveys sent in the period they
were sent (`sent_at`); `rapport.service.survey_maths` does the arithmetic.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from rapport.service import selectors, survey_maths
from rapport.service.models import ExitReason, Survey
from rapport.service.report import Period

COMMENTS_SHOWN = 200  # the latest comments of the period on the page and in the API


@dataclass(frozen=True)
class ReasonRow:
    reason: str
    label: str
    count: int
    share: float


@dataclass(frozen=True)
class SurveyReport:
    period: Period
    sent: int  # exit surveys sent in the period
    answered: int  # exit surveys answered in the period
    reasons: list[ReasonRow]
    would_return_avg: float | None
    would_return_answers: int
    comments: list[Survey]  # answered exit surveys with a comment, newest first
    nps_sent: int
    nps: survey_maths.Nps
    trip_sent: int
    trip_answered: int
    trip_average: float | None
    trip_scores: list[tuple[int, int]]  # (score, answers) for 1–5

    def as_json(self) -> dict[str, Any]:
        """The API's answer (GET analytics/exit-reasons)."""
        return {
            "from": self.period.start,
            "to": self.period.end,
            "answered": self.answered,
            "sent": self.sent,
            "reasons": [
                {"reason": r.reason, "label": r.label, "count": r.count, "share": r.share}
                for r in self.reasons
            ],
            "would_return_avg": self.would_return_avg,
            "would_return_answers": self.would_return_answers,
            "comments": [
                {
                    "survey": s.pk,
                    "contact": s.contact_id,
                    "answered_at": s.answered_at,
                    "reason": s.reason,
                    "score": s.score,
                    "comment": s.comment,
                }
                for s in self.comments
            ],
        }

    def nps_json(self) -> dict[str, Any]:
        """The API's answer (GET analytics/nps)."""
        nps = self.nps
        return {
            "from": self.period.start,
            "to": self.period.end,
            "sent": self.nps_sent,
            "answered": nps.answered,
            "promoters": nps.promoters,
            "passives": nps.passives,
            "detractors": nps.detractors,
            "nps": nps.score,
        }

    def trip_json(self) -> dict[str, Any]:
        """The API's answer (GET analytics/trip-feedback)."""
        return {
            "from": self.period.start,
            "to": self.period.end,
            "sent": self.trip_sent,
            "answered": self.trip_answered,
            "average": self.trip_average,
            "scores": [{"score": score, "count": count} for score, count in self.trip_scores],
        }


def _answered(surveys: QuerySet[Survey], kind: str, within: Period) -> QuerySet[Survey]:
    first, after = within.bounds()
    return surveys.filter(kind=kind, answered_at__gte=first, answered_at__lt=after)


def _sent(surveys: QuerySet[Survey], kind: str, within: Period) -> int:
    first, after = within.bounds()
    return surveys.filter(kind=kind, sent_at__gte=first, sent_at__lt=after).count()


def _counts(surveys: QuerySet[Survey], field: str) -> dict[Any, int]:
    """How many of `surveys` gave each value of `field` (one grouped query)."""
    rows = surveys.exclude(**{f"{field}__isnull": True}).values_list(field).annotate(n=Count("pk"))
    return dict(rows.order_by())


def survey_report(user: Any, within: Period) -> SurveyReport:
    """The report over the surveys of the customers `user` may see: grouped counts in the
    database (a few queries however many answers), the arithmetic in survey_maths."""
    surveys = selectors.surveys_for(user)
    exits = _answered(surveys, Survey.Kind.EXIT, within)
    by_reason = _counts(exits, "reason")
    would_return = _counts(exits, "score")
    comments = (
        exits.exclude(comment="")
        .select_related("contact")
        .order_by("-answered_at", "-pk")[:COMMENTS_SHOWN]
    )
    trips = _counts(_answered(surveys, Survey.Kind.TRIP_FEEDBACK, within), "score")
    return SurveyReport(
        period=within,
        sent=_sent(surveys, Survey.Kind.EXIT, within),
        answered=sum(by_reason.values()),
        reasons=[
            ReasonRow(row.reason, str(ExitReason(row.reason).label), row.count, row.share)
            for row in survey_maths.reason_shares(by_reason, ExitReason.values)
        ],
        would_return_avg=survey_maths.mean_of_counts(would_return),
        would_return_answers=sum(would_return.values()),
        comments=list(comments),
        nps_sent=_sent(surveys, Survey.Kind.NPS, within),
        nps=survey_maths.nps_of_counts(_counts(_answered(surveys, Survey.Kind.NPS, within), "nps")),
        trip_sent=_sent(surveys, Survey.Kind.TRIP_FEEDBACK, within),
        trip_answered=sum(trips.values()),
        trip_average=survey_maths.mean_of_counts(trips),
        trip_scores=[(score, trips.get(score, 0)) for score in range(1, 6)],
    )
