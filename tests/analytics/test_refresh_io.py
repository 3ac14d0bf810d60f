"""The refresh's bulk reads and writes: what is read (counted orders, local days), the Arrow
path equal to the cursor path, tables replaced without NaN, segment stays diffed."""

import datetime as dt
import sqlite3
import subprocess
import zoneinfo

import polars as pl
import pytest
from django.db import connection

from rapport.analytics import inputs, loaders, writers
from rapport.analytics.models import CustomerMetrics, RfmSegmentHistory
from rapport.sales.models import Order
from tests.api.sales_data import make_order, make_product
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

VILNIUS = zoneinfo.ZoneInfo("Europe/Vilnius")


def at(day: str, time: str = "12:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=VILNIUS)


@pytest.fixture
def customer(users):
    return ContactFactory(owner=users["manager"])


@pytest.mark.parametrize("settings_zone", ["Europe/Vilnius"])
def test_orders_read_are_counted_ones_up_to_the_end_of_the_local_day(
    users, customer, settings, settings_zone
):
    settings.TIME_ZONE = settings_zone
    manager = users["manager"]
    booked = make_order(manager, customer, "100.00", order_date=at("2025-03-01", "00:30"))
    paid = make_order(manager, customer, "50.50", order_date=at("2025-03-01", "23:59"),
                      status="paid")  # fmt: skip
    make_order(manager, customer, "70.00", order_date=at("2025-03-01"), status="cancelled")
    make_order(manager, customer, "80.00", order_date=at("2025-03-01"), status="refunded")
    make_order(manager, customer, "90.00", order_date=at("2025-03-02", "00:00"))  # too late

    orders = inputs.load_orders(dt.date(2025, 3, 1)).sort("order_id")

    assert orders.rows(named=True) == [
        {"order_id": booked.pk, "contact_id": customer.pk, "value": 100.0, "currency": "EUR",
         "ordered_at": dt.date(2025, 3, 1)},
        {"order_id": paid.pk, "contact_id": customer.pk, "value": 50.5, "currency": "EUR",
         "ordered_at": dt.date(2025, 3, 1)},
    ]  # fmt: skip


def test_lines_are_read_whole_and_joined_with_counted_orders_later(users, customer):
    tour = make_product()
    line = {"product": tour.pk, "quantity": 2, "unit_price": "300.00"}
    order = make_order(users["manager"], customer, None, lines=[line],
                       order_date=at("2025-01-05"))  # fmt: skip
    cancelled = make_order(users["manager"], customer, None, lines=[line],
                           order_date=at("2025-01-05"), status="cancelled")  # fmt: skip

    lines = inputs.load_lines().sort("order_id")

    assert lines.rows() == [(order.pk, tour.pk, 600.0), (cancelled.pk, tour.pk, 600.0)]


def test_bulk_frame_reads_what_the_cursor_reads(users, customer):
    for k in range(3):
        make_order(users["manager"], customer, f"{10 + k}.25", order_date=at(f"2025-01-0{k + 1}"))
    sql = f"SELECT id, contact_id, CAST(total AS REAL), currency FROM {Order._meta.db_table}"
    schema = {"id": pl.Int64, "contact_id": pl.Int64, "total": pl.Float64, "currency": pl.String}

    bulk = loaders.bulk_frame(sql, [], schema)

    assert bulk.sort("id").equals(loaders.frame(sql, [], schema).sort("id"))
    assert bulk["total"].to_list() == [10.25, 11.25, 12.25]


def test_bulk_frame_parses_dates(users, customer):
    make_order(users["manager"], customer, "10.00", order_date=at("2025-01-02"))
    sql = f"SELECT order_date FROM {Order._meta.db_table}"

    days = loaders.bulk_frame(sql, [], {"day": pl.Date})

    assert days.rows() == [(dt.date(2025, 1, 2),)]


def test_arrow_reads_a_sqlite_file_like_the_sqlite3_module(tmp_path):
    path = tmp_path / "orders.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE o (id INTEGER, owner INTEGER, total DECIMAL, code TEXT)")
        # a NULL integer first, then integers; a decimal stored as integer, then as real
        db.executemany(
            "INSERT INTO o VALUES (?, ?, ?, ?)",
            [(1, None, 1500, "EUR"), (2, 7, 12.5, "USD"), (3, 8, 0, "EUR")],
        )
    sql = (
        "SELECT id, owner, CAST(total AS REAL), code FROM o WHERE code IN (%s, %s) AND total >= %s"
    )
    schema = {"id": pl.Int64, "owner": pl.Int64, "total": pl.Float64, "code": pl.String}

    table = loaders.arrow_frame(path, sql, ["EUR", "USD", 0], schema)

    assert table.rows() == [(1, None, 1500.0, "EUR"), (2, 7, 12.5, "USD"), (3, 8, 0.0, "EUR")]
    assert table.schema == pl.Schema(schema)


def test_qmark_turns_django_placeholders_into_sqlite_ones():
    assert loaders.qmark("strftime('%%s', d) = %s AND x LIKE '50%%'") == (
        "strftime('%s', d) = ? AND x LIKE '50%'"
    )


def test_replace_rows_writes_nulls_for_nan_and_replaces_the_table(users):
    a, b = ContactFactory(owner=users["manager"]), ContactFactory(owner=users["manager"])
    now = dt.datetime(2025, 6, 1, 3, 0, tzinfo=dt.UTC)
    frame = pl.DataFrame(
        {
            "contact_id": [a.pk, b.pk],
            "orders": [1, 3],
            "first_purchase": [dt.date(2025, 1, 1), dt.date(2024, 5, 2)],
            "last_purchase": [dt.date(2025, 1, 1), dt.date(2025, 5, 2)],
            "recency_days": [151, 30],
            "frequency": [0, 2],
            "T_days": [151, 395],
            "total_revenue": [100.0, 2500.5],
            "monetary": [0.0, 1200.25],
            "p_alive": [float("nan"), 0.75],
            "clv_365d": [None, float("inf")],
            "rfm_segment": ["", "loyal"],
            "abc_class": ["C", "A"],
            "xyz_class": ["Z", "Y"],
            "churn_reason_code": ["", "overdue"],
            "usual_interval_days": [None, 12.04],
            "interval_source": ["", "own"],
        }
    )
    constants = {"as_of": dt.date(2025, 6, 1), "computed_at": now, "currency": "EUR"}

    for _ in range(2):  # the second run replaces the first's rows
        written = writers.replace_rows(CustomerMetrics, frame, constants=constants)

    assert written == 2
    first, second = CustomerMetrics.objects.order_by("pk")
    assert (first.p_alive, first.clv_365d, first.churn_reason) == (None, None, None)
    assert (second.p_alive, str(second.monetary), second.rfm_segment) == (0.75, "1200.25", "loyal")
    assert second.churn_reason == {  # put together from its columns
        "code": "overdue",
        "params": {
            "days_since_last": 30,
            "usual_interval_days": 12.0,
            "interval_source": "own",
            "overdue_ratio": 2.49,
            "p_alive": 0.75,
        },
    }
    assert (second.as_of, second.computed_at, second.currency) == (dt.date(2025, 6, 1), now, "EUR")


def segments(*pairs):
    return pl.DataFrame(
        list(pairs), schema={"contact_id": pl.Int64, "rfm_segment": pl.String}, orient="row"
    )


def stays():
    return list(
        RfmSegmentHistory.objects.order_by("contact_id", "entered_on").values_list(
            "contact_id", "rfm_segment", "entered_on", "left_on"
        )
    )


def test_segment_history_records_entries_and_exits(users):
    a, b, c = (ContactFactory(owner=users["manager"]) for _ in range(3))
    d1, d2 = dt.date(2025, 1, 1), dt.date(2025, 2, 1)

    first = writers.record_segment_history(segments((a.pk, "new"), (b.pk, "champions")), d1)
    second = writers.record_segment_history(
        segments((a.pk, "promising"), (b.pk, "champions"), (c.pk, "new")), d2
    )

    assert (first, second) == ({"entered": 2, "left": 0}, {"entered": 2, "left": 1})
    assert stays() == [
        (a.pk, "new", d1, d2),
        (a.pk, "promising", d2, None),
        (b.pk, "champions", d1, None),
        (c.pk, "new", d2, None),
    ]


def test_a_customer_without_a_segment_leaves_theirs(users):
    a = ContactFactory(owner=users["manager"])
    d1, d2 = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
    writers.record_segment_history(segments((a.pk, "new")), d1)

    writers.record_segment_history(segments((a.pk, "")), d2)

    assert stays() == [(a.pk, "new", d1, d2)]


def test_refreshing_the_same_day_again_changes_nothing_twice(users):
    a = ContactFactory(owner=users["manager"])
    d1, d2 = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
    writers.record_segment_history(segments((a.pk, "new")), d1)
    writers.record_segment_history(segments((a.pk, "promising")), d2)

    again = writers.record_segment_history(segments((a.pk, "new")), d2)  # data corrected

    assert again == {"entered": 0, "left": 0}
    assert stays() == [(a.pk, "new", d1, None)]
    assert writers.latest_history_day() == d1


def test_connection_is_the_one_the_tests_use():
    # the IO tests above run inside the test transaction: bulk_frame must then use the cursor
    assert connection.in_atomic_block
    assert loaders.bulk_method() in ("cursor", "copy")


def test_database_form_writes_json_and_dates_as_text():
    frame = pl.DataFrame(
        {
            "ids": [[1, 2], None],
            "why": [{"code": "a", "n": 1}, None],
            "day": [dt.date(2025, 1, 2), None],
            "share": [0.5, float("nan")],
        }
    )

    rows = writers.database_form(frame, json_columns=["ids", "why"]).rows()

    assert rows == [("[1,2]", '{"code":"a","n":1}', "2025-01-02", 0.5), (None, None, None, None)]


def test_a_same_day_rerun_keeps_the_stays_it_would_record_again(users):
    a, b, c = (ContactFactory(owner=users["manager"]) for _ in range(3))
    d1, d2 = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
    writers.record_segment_history(segments((a.pk, "new"), (b.pk, "new"), (c.pk, "new")), d1)
    now = segments((a.pk, "promising"), (b.pk, "champions"), (c.pk, "new"))
    first = writers.record_segment_history(now, d2)
    ids = set(RfmSegmentHistory.objects.values_list("id", flat=True))

    again = writers.record_segment_history(now, d2)

    assert again == first == {"entered": 2, "left": 2}
    # the same rows, ids included: automation copies each stay into an event once, by id
    assert set(RfmSegmentHistory.objects.values_list("id", flat=True)) == ids
    assert stays() == [
        (a.pk, "new", d1, d2),
        (a.pk, "promising", d2, None),
        (b.pk, "new", d1, d2),
        (b.pk, "champions", d2, None),
        (c.pk, "new", d1, None),
    ]


def test_a_same_day_rerun_with_other_figures_records_only_them(users):
    a, b, c, d = (ContactFactory(owner=users["manager"]) for _ in range(4))
    d1, d2 = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
    writers.record_segment_history(segments((a.pk, "new"), (b.pk, "new"), (c.pk, "new")), d1)
    writers.record_segment_history(
        segments((a.pk, "promising"), (b.pk, "champions"), (c.pk, "new"), (d.pk, "new")), d2
    )
    kept = RfmSegmentHistory.objects.get(contact=b, left_on=None).pk

    # corrected data: a is back in "new", b stays a champion, c moves, d had no purchase
    again = writers.record_segment_history(
        segments((a.pk, "new"), (b.pk, "champions"), (c.pk, "at_risk")), d2
    )

    assert again == {"entered": 2, "left": 2}
    assert stays() == [
        (a.pk, "new", d1, None),
        (b.pk, "new", d1, d2),
        (b.pk, "champions", d2, None),
        (c.pk, "new", d1, d2),
        (c.pk, "at_risk", d2, None),
    ]
    assert RfmSegmentHistory.objects.get(contact=b, left_on=None).pk == kept


def test_arrow_reads_several_queries_side_by_side_like_one_by_one(tmp_path):
    path = tmp_path / "sales.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE o (id INTEGER, total DECIMAL)")
        db.execute("CREATE TABLE l (order_id INTEGER, product TEXT)")
        db.executemany("INSERT INTO o VALUES (?, ?)", [(1, 10.5), (2, 7)])
        db.executemany("INSERT INTO l VALUES (?, ?)", [(1, "tour"), (1, "insurance"), (2, "")])
    queries = {
        "orders": ("SELECT id, total FROM o WHERE id >= %s", [1],
                   {"id": pl.Int64, "total": pl.Float64}),
        "lines": ("SELECT order_id, product FROM l", [],
                  {"order_id": pl.Int64, "product": pl.String}),
    }  # fmt: skip

    side_by_side = loaders.arrow_frames(path, queries)
    in_one_child = loaders.arrow_frames(path, queries, together=[["lines", "orders"]])

    for frames in (side_by_side, in_one_child):
        assert list(frames) == ["orders", "lines"]
        for name, (sql, params, schema) in queries.items():
            assert frames[name].equals(loaders.arrow_frame(path, sql, params, schema))
    assert side_by_side["lines"].rows() == [(1, "tour"), (1, "insurance"), (2, "")]
    assert side_by_side["orders"].rows() == [(1, 10.5), (2, 7.0)]


@pytest.mark.parametrize("together", [[["orders"]], [["orders"], ["orders", "lines"]]])
def test_grouped_reads_must_name_each_query_once(tmp_path, together):
    queries = {
        "orders": ("SELECT 1", [], {"id": pl.Int64}),
        "lines": ("SELECT 2", [], {"id": pl.Int64}),
    }

    with pytest.raises(ValueError, match="must name each query exactly once"):
        loaders.arrow_frames(tmp_path / "any.sqlite3", queries, together=together)


def test_a_failed_side_by_side_read_says_which_file(tmp_path):
    path = tmp_path / "sales.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE o (id INTEGER)")
    queries = {
        "good": ("SELECT id FROM o", [], {"id": pl.Int64}),
        "bad": ("SELECT nothing FROM nowhere", [], {"id": pl.Int64}),
    }

    for together in (None, [["good", "bad"]]):
        with pytest.raises(RuntimeError, match=r"reading sales\.sqlite3 through Arrow failed"):
            loaders.arrow_frames(path, queries, together=together)


def test_reads_are_given_as_each_is_asked_for_and_the_rest_stop(tmp_path, monkeypatch):
    path = tmp_path / "sales.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE o (id INTEGER)")
        db.executemany("INSERT INTO o VALUES (?)", [(1,), (2,)])
    started: list[subprocess.Popen[str]] = []
    popen = subprocess.Popen

    def recording(*args, **kwargs):
        started.append(popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(loaders.subprocess, "Popen", recording)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(loaders, "scratch_dir", lambda: str(scratch))
    endless = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n",
        [],
        {"i": pl.Int64},
    )
    queries = {"orders": ("SELECT id FROM o", [], {"id": pl.Int64}), "endless": endless}

    with loaders.arrow_reads(path, queries) as read:
        orders = read("orders")
        assert started[1].poll() is None  # the other read still runs

    assert orders.rows() == [(1,), (2,)]
    assert len(started) == 2
    assert [child.poll() is not None for child in started] == [True, True]  # none left
    assert list(scratch.iterdir()) == []  # the Arrow files are gone
