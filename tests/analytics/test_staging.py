"""Staged writes (SQLite in a file): the rows SQLite copies from the scratch file are the rows
`executemany` binds, value for value and type for type, in the same order."""

import datetime as dt
import sqlite3

import polars as pl
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from rapport.analytics import loaders, staging, writers
from rapport.analytics.models import CrossSellPair, CustomerMetrics, ReportSnapshot
from rapport.core.bulk import insert_from_sql
from tests.api.sales_data import make_product

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 6, 1, 3, 0, tzinfo=dt.UTC)
CONSTANTS = {"as_of": dt.date(2025, 6, 1), "computed_at": NOW, "currency": "EUR"}


def metrics_frame() -> pl.DataFrame:
    """Every kind of value a refresh writes: nulls, NaN and infinities, whole and fractional
    money in decimal columns, floats that do not print short, empty and non-ASCII text, and a
    column of nulls only."""
    return pl.DataFrame(
        {
            "contact_id": [7, 3, 11],
            "orders": [1, 3, 2],
            "first_purchase": [dt.date(2025, 1, 1), dt.date(2024, 5, 2), dt.date(2023, 2, 28)],
            "last_purchase": [dt.date(2025, 1, 1), dt.date(2025, 5, 2), dt.date(2025, 2, 28)],
            "recency_days": [151, 30, 93],
            "frequency": [0, 2, 1],
            "T_days": [151, 395, 824],
            "total_revenue": [100.0, 2500.5, 16845.0],
            "monetary": [0.0, 1200.25, 0.1 + 0.2],
            "r_score": [1, None, 5],
            "rfm_segment": ["", "loyal", "can't_lose"],
            "abc_class": ["C", "A", "B"],
            "xyz_class": ["Z", "Y", ""],
            "p_alive": [float("nan"), 0.7500000000000001, 1e-300],
            "expected_purchases_90d": [None, 1 / 3, 2.0],
            "clv_365d": [None, float("inf"), 4766.26],
            "churn_risk": [0.016408689280372868, None, 0.0],
            "churn_reason_code": ["", "overdue", "on_track"],
            "usual_interval_days": [None, 63.4, 1 / 7],
            "offer_label": ["", "Šiauliai „X“", "o'k"],
            "offer_customers": [None, 12780, 0],
            "next_best_offer_id": pl.Series([None, None, None], dtype=pl.Null),
        }
    )


def snapshots_frame() -> pl.DataFrame:
    """JSON structs with nulls, non-ASCII text and quotes inside."""
    return pl.DataFrame(
        {
            "report": ["rfm", "clv"],
            "variant": ["", "revenue:12"],
            "scope": ["all", "team:1"],
            "payload": [
                {"code": "overdue", "params": {"days": 40, "label": "Šiauliai „X“"}},
                {"code": "on_track", "params": {"days": None, "label": "o'k"}},
            ],
        }
    )


def table_sql(model: type) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s",
            [model._meta.db_table],
        )
        return str(cursor.fetchone()[0])


def stored(path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        typed = ", ".join(f'"{c}", typeof("{c}")' for c in columns)
        return db.execute(f"SELECT {typed} FROM {table} ORDER BY rowid").fetchall()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="staging is SQLite's")
@pytest.mark.parametrize(
    ("model", "frame", "json_columns", "constants"),
    [
        (CustomerMetrics, metrics_frame(), [], CONSTANTS),
        (ReportSnapshot, snapshots_frame(), ["payload"], {"as_of": NOW.date(), "computed_at": NOW}),
    ],
)
def test_staged_rows_are_the_rows_executemany_binds(
    tmp_path, model, frame, json_columns, constants
):
    table = model._meta.db_table
    rows = writers.database_form(frame, json_columns=json_columns)
    constants = {k: writers.constant(v) for k, v in constants.items()}
    bound, copied, scratch = (tmp_path / f"{n}.sqlite3" for n in ("bound", "copied", "scratch"))
    for path in (bound, copied):
        with sqlite3.connect(path) as db:
            db.execute(table_sql(model))
    # what bulk_insert does on SQLite
    marks = ", ".join(["?"] * len(rows.columns) + [f"'{v}'" for v in constants.values()])
    names = ", ".join(f'"{c}"' for c in [*rows.columns, *constants])
    with sqlite3.connect(bound) as db:
        db.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows.iter_rows())

    with sqlite3.connect(scratch) as db:  # as staged_later makes it
        db.execute(staging.table_sql("main", "rows", [*rows.columns, "unused"]))
    assert staging._ingest(scratch, {"rows": rows}) == {"rows": len(frame)}
    with sqlite3.connect(copied) as db:
        db.execute("ATTACH DATABASE ? AS staged", [str(scratch)])
        db.execute(insert_from_sql(table, rows.columns, 'staged."rows"', constants))

    assert stored(copied, table) == stored(bound, table)
    if model is CustomerMetrics:
        first = stored(copied, table)[0]
        assert first[:2] == (7, "integer")  # in the frame's order, not the primary key's


def test_staging_applies_to_a_sqlite_file_outside_a_transaction_only():
    # the tests run inside a transaction (and on an in-memory SQLite or on PostgreSQL)
    assert staging.can_stage() is False
    with staging.staged_later("staged", {"rows": ["contact_id"]}) as stage:
        assert stage is None


@pytest.mark.django_db(transaction=True)
def test_replace_rows_copies_a_staged_frame_in_the_callers_transaction(tmp_path):
    """Through the default connection, as the refresh's writer does: attached outside the
    transaction, filled and written inside it, detached after it."""
    if connection.vendor != "sqlite":
        pytest.skip("staging is SQLite's")
    product, other = make_product(), make_product()
    pairs = pl.DataFrame(
        {
            "scope": ["all", "team:1"],
            "product_id": [product.pk, other.pk],
            "also_bought_id": [other.pk, product.pk],
            "support": [0.25, 0.5],
            "confidence": [1 / 3, 0.5],
            "lift": [2.4, 1.0],
            "customers": [4, 2],
            "basis": ["basket", "basket"],
        }
    )
    scratch = tmp_path / "scratch.sqlite3"
    with sqlite3.connect(scratch) as db:
        db.execute(staging.table_sql("main", "pairs", pairs.columns))
    with connection.cursor() as cursor:
        cursor.execute("ATTACH DATABASE %s AS staged", [str(scratch)])
    try:
        with transaction.atomic():
            tables = staging._ingest(scratch, {"pairs": writers.database_form(pairs)})
            written = writers.replace_rows(
                CrossSellPair,
                pairs,
                where=("basis = %s", ["basket"]),
                stage=staging.Stage(tables, "staged"),
                staged_as="pairs",
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DETACH DATABASE staged")

    assert written == 2
    assert list(
        CrossSellPair.objects.order_by("pk").values_list(
            "scope", "basis", "product_id", "also_bought_id", "confidence", "lift", "customers"
        )
    ) == [
        ("all", "basket", product.pk, other.pk, 1 / 3, 2.4, 4),
        ("team:1", "basket", other.pk, product.pk, 0.5, 1.0, 2),
    ]


def test_scratch_files_go_to_the_ram_disk_only_while_it_has_room(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "RAM_DISK", tmp_path)
    monkeypatch.setattr(loaders, "RAM_DISK_FREE", 1)
    assert loaders.scratch_dir() == str(tmp_path)

    monkeypatch.setattr(loaders, "RAM_DISK_FREE", 1 << 62)  # more room than any disk has
    assert loaders.scratch_dir() is None

    monkeypatch.setattr(loaders, "RAM_DISK", tmp_path / "absent")
    monkeypatch.setattr(loaders, "RAM_DISK_FREE", 1)
    assert loaders.scratch_dir() is None


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite page cache")
@pytest.mark.django_db
def test_write_cache_is_set_for_the_block_and_restored_after(monkeypatch, tmp_path):
    monkeypatch.setattr(staging, "sqlite_file", lambda: tmp_path / "db.sqlite3")

    def cache_size():
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache_size()
    with staging.write_cache(kib=12345):
        assert cache_size() == -12345
    assert cache_size() == before


@pytest.mark.django_db
def test_write_cache_leaves_other_databases_alone(monkeypatch):
    monkeypatch.setattr(staging, "sqlite_file", lambda: None)
    with CaptureQueriesContext(connection) as queries, staging.write_cache(kib=12345):
        pass
    assert queries.captured_queries == []
