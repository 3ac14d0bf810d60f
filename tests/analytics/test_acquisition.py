"""The acquisition maths on hand-checked data (no database)."""

import datetime as dt

import polars as pl
import pytest

from rapport.analytics import acquisition as acq

D = dt.datetime


def leads(*rows):
    return pl.DataFrame(
        rows,
        schema={
            "lead_id": pl.Int64,
            "contact_id": pl.Int64,
            "created_at": pl.Datetime,
            "source_id": pl.Int64,
            "campaign": pl.String,
            "owner_id": pl.Int64,
            "status": pl.String,
        },
        orient="row",
    )


def orders(*rows):
    return pl.DataFrame(
        rows,
        schema={
            "order_id": pl.Int64,
            "contact_id": pl.Int64,
            "order_date": pl.Datetime,
            "total": pl.Float64,
        },
        orient="row",
    )


DEALS = pl.DataFrame(
    [(1, True), (2, False), (3, True)],
    schema={"lead_id": pl.Int64, "won": pl.Boolean},
    orient="row",
)

# Contact 10 came through Google (source 1) in January, then Instagram (2) in February,
# and ordered 900 in March. Contact 20 came through Instagram and ordered twice.
LEADS = leads(
    (1, 10, D(2026, 1, 5), 1, "winter", 7, "converted"),
    (2, 10, D(2026, 2, 1), 2, "", 7, "qualified"),
    (3, 20, D(2026, 2, 3), 2, "", 8, "converted"),
    (4, None, D(2026, 2, 9), 1, "winter", 8, "new"),
)
ORDERS = orders(
    (100, 10, D(2026, 3, 1), 900.0),
    (101, 20, D(2026, 2, 20), 300.0),
    (102, 20, D(2026, 4, 2), 100.0),
    (103, 30, D(2026, 4, 2), 50.0),  # a customer without a lead is not attributed
)
SPEND = pl.DataFrame(
    [
        (1, dt.date(2026, 1, 1), dt.date(2026, 1, 31), 310.0),
        (2, dt.date(2026, 2, 1), dt.date(2026, 3, 31), 590.0),
    ],
    schema={
        "source_id": pl.Int64,
        "period_start": pl.Date,
        "period_end": pl.Date,
        "amount": pl.Float64,
    },
    orient="row",
)


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("first_touch", {1: 900.0, 2: 400.0}),
        ("last_touch", {1: 0.0, 2: 1300.0}),
        ("linear", {1: 450.0, 2: 850.0}),
    ],
)
def test_attribution_models(model, expected):
    facts = acq.monthly_facts(LEADS, DEALS, ORDERS)

    table = acq.report(
        facts,
        SPEND,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        by="source_id",
        model=model,
    )

    assert dict(zip(table["source_id"], table["revenue"], strict=True)) == expected


def test_counts_spend_and_ratios_by_source():
    facts = acq.monthly_facts(LEADS, DEALS, ORDERS)

    table = acq.report(
        facts, SPEND, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), by="source_id"
    )
    rows = {r["source_id"]: r for r in table.iter_rows(named=True)}

    assert {
        k: (r["leads"], r["qualified"], r["converted"], r["deals_won"], r["new_customers"])
        for k, r in rows.items()
    } == {
        1: (2, 1, 1, 1, 1),
        2: (2, 2, 1, 1, 1),
    }
    assert rows[1]["spend"] == pytest.approx(310.0)
    assert rows[1]["cost_per_lead"] == pytest.approx(155.0)
    assert rows[1]["cac"] == pytest.approx(310.0)
    assert rows[1]["romi_pct"] == pytest.approx((900 - 310) / 310 * 100)
    assert rows[2]["romi_pct"] == pytest.approx((400 - 590) / 590 * 100)


def test_spend_is_prorated_to_the_window():
    spend = acq.prorated_spend(SPEND, dt.date(2026, 3, 1), dt.date(2026, 3, 31))

    # source 2 spent 590 over Feb (28 days) + Mar (31 days); March holds 31/59 of it
    assert dict(zip(spend["source_id"], spend["spend"], strict=True)) == pytest.approx(
        {1: 0.0, 2: 590 * 31 / 59}
    )


def test_window_filters_by_month():
    facts = acq.monthly_facts(LEADS, DEALS, ORDERS)

    table = acq.report(
        facts, SPEND.clear(), start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31), by="campaign"
    )

    assert table.select("campaign", "leads", "revenue").rows() == [("winter", 1, 0.0)]


def test_funnel_counts_deals_that_got_at_least_that_far():
    stages = pl.DataFrame(
        [
            (1, "Enquiry", 0, "open"),
            (2, "Offer", 1, "open"),
            (3, "Won", 2, "won"),
            (4, "Lost", 3, "lost"),
        ],
        schema={"stage_id": pl.Int64, "name": pl.String, "position": pl.Int64, "kind": pl.String},
        orient="row",
    )
    day = 86400
    changes = pl.DataFrame(
        [
            (1, None, 1, None),
            (1, 1, 2, 2 * day),
            (1, 2, 3, 4 * day),  # won via offer
            (2, None, 1, None),
            (2, 1, 3, 1 * day),  # won directly, skipping the offer
            (3, None, 1, None),
            (3, 1, 4, 3 * day),  # lost
            (4, None, 1, None),  # still open
        ],
        schema={
            "deal_id": pl.Int64,
            "from_stage_id": pl.Int64,
            "to_stage_id": pl.Int64,
            "seconds_in_previous": pl.Int64,
        },
        orient="row",
    )

    funnel = acq.stage_funnel(changes, stages)

    assert funnel.select("name", "reached", "conversion_to_next").rows() == [
        ("Enquiry", 4, 0.5),
        ("Offer", 2, 1.0),
        ("Won", 2, None),
        ("Lost", 1, None),
    ]
    assert funnel["median_days"][0] == pytest.approx(2.0)


def test_each_ratio_divides_what_its_name_says_and_channels_sum_their_sources():
    rows = pl.DataFrame(
        {
            "source_id": [1, 2, 3],
            "leads": [10, 30, 5],
            "qualified": [6, 9, 1],
            "converted": [5, 6, 1],
            "deals_won": [4, 3, 1],
            "new_customers": [2, 3, 1],
            "revenue": [4000.0, 2000.0, 500.0],
            "spend": [500.0, 1500.0, None],
        }
    )

    table = acq.by_channel(rows, {1: "google_ads", 2: "google_ads", 3: "walk_in"})

    google, walk_in = table.to_dicts()
    assert (google["channel"], google["leads"], google["new_customers"]) == ("google_ads", 40, 5)
    assert (google["spend"], google["revenue"]) == (2000.0, 6000.0)
    assert google["conversion_rate"] == 11 / 40  # leads converted
    assert google["customer_rate"] == 5 / 40  # lead → customer
    assert (google["cost_per_lead"], google["cac"], google["romi_pct"]) == (50.0, 400.0, 200.0)
    assert walk_in["spend"] is None  # no source of the channel had any: unknown, not 0
    assert (walk_in["cac"], walk_in["romi_pct"], walk_in["customer_rate"]) == (None, None, 0.2)
