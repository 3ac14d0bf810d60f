"""The "Why customers left" report: exact counts and shares per exit reason in the period
the answers were given, "would you come back?", the comments of the customers the viewer may
see only, NPS and trip feedback beside it, its CSVs and its API (shape, 422, visibility)."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from rapport.sales import services as sales
from rapport.service import services
from rapport.service.models import Survey
from rapport.service.services import surveys
from tests.api.conftest import API, bearer_client, make_contact
from tests.service.conftest import at

pytestmark = pytest.mark.django_db

FROM, TO = "2026-03-01", "2026-03-31"
PERIOD = f"from={FROM}&to={TO}"


def _answer(survey: Survey, when: str, **answer) -> Survey:
    services.survey_answer(token=surveys.survey_token(survey), **answer)
    Survey.objects.filter(pk=survey.pk).update(answered_at=at(when))
    return Survey.objects.get(pk=survey.pk)


def _sent(survey: Survey, when: str) -> None:
    Survey.objects.filter(pk=survey.pk).update(sent_at=at(when), sent_to="x@example.com")


@pytest.fixture
def answers(users):
    """Team North: 3 exit answers in March (2 price, 1 moved) and one in February; team South:
    one in March (competitor). NPS and trips for North in March."""
    north, south = users["manager"], users["manager2"]
    people = [make_contact(north, first_name=f"North{i}") for i in range(5)]
    southerner = make_contact(south, first_name="Jonas")
    made = {
        "a": _answer(services.survey_create(kind="exit", contact=people[0]), "2026-03-02T10:00",
                     reason="price", score=2, comment="Too dear"),
        "b": _answer(services.survey_create(kind="exit", contact=people[1]), "2026-03-31T23:30",
                     reason="price", score=4, comment=""),
        "c": _answer(services.survey_create(kind="exit", contact=people[2]), "2026-03-15T09:00",
                     reason="moved", comment="Moved to Riga"),
        "early": _answer(services.survey_create(kind="exit", contact=people[3]),
                         "2026-02-28T23:59", reason="service", score=1, comment="February"),
        "south": _answer(services.survey_create(kind="exit", contact=southerner),
                         "2026-03-10T12:00", reason="competitor", score=3,
                         comment="South's secret"),
    }  # fmt: skip
    unanswered = services.survey_create(kind="exit", contact=people[4])
    for key in ("a", "b", "c", "south"):
        _sent(made[key], "2026-03-01T08:00")
    _sent(unanswered, "2026-03-20T08:00")
    _sent(made["early"], "2026-02-20T08:00")
    for i, score in enumerate([10, 9, 7, 3]):
        _answer(services.survey_create(kind="nps", contact=people[i]), "2026-03-05T10:00",
                nps=score)  # fmt: skip
    for i, score in enumerate([5, 4]):
        order = sales.order_create(actor=north, contact=people[i], currency="EUR", total="100")
        trip = services.survey_create(kind="trip_feedback", contact=people[i], subject=order)
        _answer(trip, "2026-03-06T10:00", score=score)
    return made


def test_the_report_counts_exactly_the_answers_of_the_period(client, users, answers):
    client.force_login(users["admin"])

    body = bearer_client(users["admin"]).get(f"{API}/analytics/exit-reasons?{PERIOD}").json()

    assert {k: body[k] for k in ("from", "to", "answered", "sent", "would_return_avg")} == {
        "from": FROM, "to": TO, "answered": 4, "sent": 5, "would_return_avg": 3.0,
    }  # fmt: skip
    assert [(r["reason"], r["label"], r["count"], r["share"]) for r in body["reasons"]] == [
        ("price", "The price", 2, 0.5),
        ("competitor", "I went to another agency", 1, 0.25),
        ("moved", "I moved away", 1, 0.25),
        ("service", "The quality of service", 0, 0.0),
        ("complaint", "A bad experience or a complaint", 0, 0.0),
        ("no_plans", "No travel plans, or my circumstances changed", 0, 0.0),
        ("other", "Other", 0, 0.0),
    ]
    assert [c["comment"] for c in body["comments"]] == ["Moved to Riga", "South's secret",
                                                        "Too dear"]  # fmt: skip


def test_a_manager_counts_and_reads_only_their_teams_customers(users, answers):
    body = bearer_client(users["manager"]).get(f"{API}/analytics/exit-reasons?{PERIOD}").json()
    south = bearer_client(users["manager2"]).get(f"{API}/analytics/exit-reasons?{PERIOD}").json()

    assert (body["answered"], body["sent"], body["would_return_avg"]) == (3, 4, 3.0)
    assert [c["comment"] for c in body["comments"]] == ["Moved to Riga", "Too dear"]
    assert [(r["reason"], r["count"]) for r in body["reasons"][:2]] == [("price", 2), ("moved", 1)]
    assert (south["answered"], [c["comment"] for c in south["comments"]]) == (
        1,
        ["South's secret"],
    )


def test_nps_and_trip_feedback(users, answers):
    api = bearer_client(users["manager"])

    nps = api.get(f"{API}/analytics/nps?{PERIOD}").json()
    trips = api.get(f"{API}/analytics/trip-feedback?{PERIOD}").json()

    # 2 promoters, 1 passive, 1 detractor of 4: 50 % − 25 % = 25
    assert nps == {"from": FROM, "to": TO, "sent": 0, "answered": 4, "promoters": 2,
                   "passives": 1, "detractors": 1, "nps": 25.0}  # fmt: skip
    assert trips == {
        "from": FROM, "to": TO, "sent": 0, "answered": 2, "average": 4.5,
        "scores": [{"score": s, "count": c} for s, c in [(1, 0), (2, 0), (3, 0), (4, 1), (5, 1)]],
    }  # fmt: skip


def test_an_empty_period_has_zero_shares_and_no_averages(users, db):
    body = bearer_client(users["admin"]).get(f"{API}/analytics/exit-reasons?{PERIOD}").json()
    nps = bearer_client(users["admin"]).get(f"{API}/analytics/nps?{PERIOD}").json()

    assert (body["answered"], body["sent"], body["would_return_avg"], body["comments"]) == (
        0, 0, None, []
    )  # fmt: skip
    assert {r["share"] for r in body["reasons"]} == {0.0}
    assert nps["nps"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2026-13-01", "from"), ("from=2026-03-10&to=2026-03-01", "to"),
     ("from=2000-01-01&to=2026-01-01", "from")],
)  # fmt: skip
def test_a_bad_period_is_a_422_naming_the_field(users, db, query, field):
    response = bearer_client(users["admin"]).get(f"{API}/analytics/exit-reasons?{query}")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_page_shows_the_figures_and_only_visible_comments(client, users, answers):
    client.force_login(users["manager"])

    page = client.get(f"/surveys/why-customers-left/?{PERIOD}")

    html = page.content.decode()
    assert page.status_code == 200
    assert "3 answers, 4 exit surveys sent" in html
    assert "would come back: 3.0 of 5 on average" in html
    assert ("Too dear" in html, "Moved to Riga" in html) == (True, True)
    assert ("South's secret" in html, "February" in html) == (False, False)
    assert html.count("<progress ") == 7
    assert f'href="/contacts/{answers["a"].contact_id}/"' in html


def test_a_bad_period_on_the_page_is_a_message_and_the_default_period(client, users, db):
    client.force_login(users["analyst"])

    page = client.get("/surveys/why-customers-left/?from=2026-03-10&to=2026-03-01")

    assert page.status_code == 200
    assert "The end of the period comes before its start." in page.content.decode()


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csvs_hold_the_pages_figures(client, users, answers):
    client.force_login(users["manager"])

    reasons = client.get(f"/surveys/why-customers-left.csv?{PERIOD}")
    comments = client.get(f"/surveys/why-customers-left/comments.csv?{PERIOD}")

    assert reasons["Content-Disposition"] == (
        'attachment; filename="exit-reasons-20260301-20260331.csv"'
    )
    assert _csv(reasons)[:3] == [
        ["reason", "Why the customer left", "Answers", "Share"],
        ["price", "The price", "2", "0.67"],
        ["moved", "I moved away", "1", "0.33"],
    ]
    assert len(_csv(reasons)) == 8
    rows = _csv(comments)
    assert [row[2:] for row in rows[1:]] == [
        ["North2", "moved", "I moved away", "", "Moved to Riga"],
        ["North0", "price", "The price", "2", "Too dear"],
    ]
    answered = timezone.localtime(answers["c"].answered_at)
    assert dt.datetime.fromisoformat(rows[1][0]) == answered


def test_a_formula_in_a_comment_is_not_run_by_a_spreadsheet(client, users):
    person = make_contact(users["manager"], first_name="Eve")
    _answer(services.survey_create(kind="exit", contact=person), "2026-03-03T10:00",
            reason="other", comment="=HYPERLINK(\"http://x\")")  # fmt: skip
    client.force_login(users["manager"])

    rows = _csv(client.get(f"/surveys/why-customers-left/comments.csv?{PERIOD}"))

    assert rows[1][-1] == '\'=HYPERLINK("http://x")'


def test_the_report_needs_a_login(client, db):
    page = client.get("/surveys/why-customers-left/")

    assert (page.status_code, page["Location"]) == (
        302,
        "/login/?next=/surveys/why-customers-left/",
    )
