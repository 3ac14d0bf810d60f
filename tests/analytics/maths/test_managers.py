"""Manager figures per period on hand-checked leads, deals, activities and complaints."""

import datetime as dt

import polars as pl
import pytest

from rapport.analytics.maths.managers import FIGURES, manager_figures, manager_performance

UTC = dt.UTC


def at(*args):
    return dt.datetime(*args, tzinfo=UTC)


FEBRUARY = {"start": at(2026, 2, 1), "end": at(2026, 3, 1)}
LEADS = pl.DataFrame(
    {
        "owner_id": [1, 1, 1, 2, None],
        "created_at": [at(2026, 2, 1, 9), at(2026, 2, 3, 9), at(2026, 2, 5, 9),
                       at(2026, 1, 5), at(2026, 2, 2)],
        "first_response_at": [at(2026, 2, 1, 9, 30), at(2026, 2, 3, 10, 30), None,
                              at(2026, 1, 5, 1), None],
        "converted": [True, False, False, True, True],
    }
)  # fmt: skip
DEALS = pl.DataFrame(
    {
        "owner_id": [1, 1, 1, 2],
        "created_at": [at(2026, 1, 1), at(2026, 2, 1), at(2026, 2, 2), at(2026, 1, 10)],
        "closed_at": [at(2026, 2, 11), at(2026, 2, 21), at(2026, 2, 10), at(2026, 1, 20)],
        "won": [True, True, False, True],
        "amount": [1000.0, 3000.0, 500.0, 500.0],
    }
)
ACTIVITIES = pl.DataFrame(
    {
        "owner_id": [1, 1, 1, 1, 2],
        "due_at": [at(2026, 2, 10), at(2026, 2, 10), at(2026, 2, 20), at(2026, 2, 25), None],
        "done_at": [at(2026, 2, 9), at(2026, 2, 12), None, None, at(2026, 2, 2)],
        "status": ["done", "done", "planned", "cancelled", "done"],
    }
)
COMPLAINTS = pl.DataFrame({"owner_id": [2, 2], "resolved_at": [at(2026, 2, 14), None]})


def test_february_figures_by_hand():
    table = manager_figures(leads=LEADS, deals=DEALS, activities=ACTIVITIES,
                            complaints=COMPLAINTS, **FEBRUARY)  # fmt: skip

    assert table.to_dicts() == [
        {
            "owner_id": 1,
            "leads": 3,
            "first_response_minutes_median": 60.0,  # 30 and 90 minutes; one never answered
            "conversion_rate": pytest.approx(1 / 3),
            "deals_won": 2,
            "revenue": 4000.0,
            "average_deal": 2000.0,
            "cycle_days_median": 30.5,  # 41 and 20 days
            "activities_done": 2,
            "activities_overdue": 2,  # one done two days late, one still open
            "complaints_resolved": 0,
        },
        {
            "owner_id": 2,
            "leads": 0,
            "first_response_minutes_median": None,
            "conversion_rate": None,
            "deals_won": 0,
            "revenue": 0.0,
            "average_deal": None,
            "cycle_days_median": None,
            "activities_done": 1,
            "activities_overdue": 0,
            "complaints_resolved": 1,
        },
    ]


def test_missing_frames_give_null_figures():
    table = manager_figures(leads=LEADS, **FEBRUARY)

    assert table["owner_id"].to_list() == [1]
    assert table.row(0, named=True)["leads"] == 3
    assert all(table[f].to_list() == [None] for f in FIGURES if f not in
               ("leads", "first_response_minutes_median", "conversion_rate"))  # fmt: skip
    assert manager_figures(**FEBRUARY).columns == ["owner_id", *FIGURES]


def test_overdue_counts_only_what_was_due_by_as_of():
    table = manager_figures(activities=ACTIVITIES, as_of=at(2026, 2, 15), **FEBRUARY)

    assert table.filter(pl.col("owner_id") == 1)["activities_overdue"].to_list() == [1]


def test_trend_against_the_previous_period():
    managers = pl.DataFrame({"owner_id": [1, 2, 3], "team_id": [5, 5, 6]})

    table = manager_performance(leads=LEADS, deals=DEALS, managers=managers, **FEBRUARY)

    rows = {r["owner_id"]: r for r in table.iter_rows(named=True)}
    assert (rows[1]["leads"], rows[1]["leads_previous"], rows[1]["leads_change"]) == (3, 0, 3)
    assert (rows[2]["revenue"], rows[2]["revenue_previous"], rows[2]["revenue_change"]) == (
        0.0, 500.0, -500.0
    )  # fmt: skip
    assert rows[3]["deals_won"] == 0
    assert rows[3]["team_id"] == 6
    assert rows[1]["activities_done"] is None
    assert rows[1]["activities_done_change"] is None
    assert table.columns[:5] == ["owner_id", "team_id", "leads", "leads_previous", "leads_change"]


def test_without_a_manager_list_everyone_active_in_either_period_is_listed():
    table = manager_performance(leads=LEADS, **FEBRUARY)

    assert table.select("owner_id", "leads", "leads_previous").rows() == [(1, 3, 0), (2, 0, 1)]


def test_a_backwards_period_is_refused():
    with pytest.raises(ValueError, match="the period must start before it ends"):
        manager_figures(start=at(2026, 3, 1), end=at(2026, 2, 1))
