"""REST endpoints of the survey report: why customers left (the exit survey's reasons), the
Net Promoter Score and the trips' feedback, over the surveys of the customers the caller may
see."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from rapport.core import permissions
from rapport.service import report, survey_report
from rapport.service.api import RootCauseReportParams, _day

router = Router(tags=["analytics"])


class ExitReasonCount(Schema):
    reason: str = Field(..., description="price, service, complaint, competitor, no_plans, …")
    label: str = Field(..., description="The reason in the caller's language.")
    count: int
    share: float = Field(..., description="Of the answers in the period, 0–1.")


class ExitComment(Schema):
    survey: int
    contact: int
    answered_at: dt.datetime
    reason: str
    score: int | None
    comment: str


class ExitReasonReportOut(Schema):
    from_: dt.date = Field(..., alias="from")
    to: dt.date
    answered: int = Field(..., description="Exit surveys answered in the period.")
    sent: int = Field(..., description="Exit surveys sent in the period.")
    reasons: list[ExitReasonCount]
    would_return_avg: float | None = Field(
        ..., description='The mean "would you come back?" score (1–5) of those who gave one.'
    )
    would_return_answers: int
    comments: list[ExitComment] = Field(
        ..., description=f"The latest {survey_report.COMMENTS_SHOWN} comments, newest first."
    )


class NpsReportOut(Schema):
    from_: dt.date = Field(..., alias="from")
    to: dt.date
    sent: int
    answered: int
    promoters: int = Field(..., description="Answers of 9 or 10.")
    passives: int = Field(..., description="Answers of 7 or 8.")
    detractors: int = Field(..., description="Answers of 0 to 6.")
    nps: float | None = Field(..., description="% promoters − % detractors (−100 to 100).")


class TripScoreCount(Schema):
    score: int
    count: int


class TripFeedbackReportOut(Schema):
    from_: dt.date = Field(..., alias="from")
    to: dt.date
    sent: int
    answered: int
    average: float | None
    scores: list[TripScoreCount]


def _report(request: HttpRequest, params: RootCauseReportParams) -> survey_report.SurveyReport:
    user = request.auth  # type: ignore[attr-defined]
    if not permissions.allows(user, "contacts", "view"):
        raise PermissionError(_("You cannot read what customers answered."))
    within = report.period(_day(params.from_, "from"), _day(params.to, "to"))
    return survey_report.survey_report(user, within)


@router.get(
    "exit-reasons", response=ExitReasonReportOut, by_alias=True, url_name="exit_reason_report"
)
def exit_reason_report(
    request: HttpRequest, params: Query[RootCauseReportParams]
) -> dict[str, Any]:
    """Why customers left: the exit surveys answered in the period per reason, with each
    reason's share, the "would you come back?" average and the latest comments."""
    return _report(request, params).as_json()


@router.get("nps", response=NpsReportOut, by_alias=True, url_name="nps_report")
def nps_report(request: HttpRequest, params: Query[RootCauseReportParams]) -> dict[str, Any]:
    """The Net Promoter Score of the recommendation surveys answered in the period."""
    return _report(request, params).nps_json()


@router.get(
    "trip-feedback", response=TripFeedbackReportOut, by_alias=True, url_name="trip_feedback_report"
)
def trip_feedback_report(
    request: HttpRequest, params: Query[RootCauseReportParams]
) -> dict[str, Any]:
    """The trips' feedback answered in the period: the average score and how many gave each."""
    return _report(request, params).trip_json()
