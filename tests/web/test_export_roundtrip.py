"""Exports speak the reader's language (labels, Excel's separators) and import back."""

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from rapport.contacts import services
from rapport.contacts.models import Contact
from rapport.core.export import Column, CsvDialect, iter_csv
from rapport.core.imports import import_file
from rapport.sales import services as sales
from rapport.sales.models.orders import OrderStatus

pytestmark = pytest.mark.django_db


def body(response) -> str:
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def test_excel_dialect_follows_the_readers_decimal_sign():
    with translation.override("uk"):
        uk = CsvDialect.for_excel()
    with translation.override("en"):
        en = CsvDialect.for_excel()

    assert (uk.delimiter, uk.decimal) == (";", ",")
    assert (en.delimiter, en.decimal) == (",", ".")


def test_excel_csv_writes_local_times_and_decimal_commas():
    when = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)
    columns = [Column("total", lambda r: r[0]), Column("at", lambda r: r[1])]
    dialect = CsvDialect(delimiter=";", decimal=",", excel=True)

    with timezone.override("Europe/Kyiv"):
        text = b"".join(iter_csv([("1420.50", when)], columns, dialect=dialect)).decode()

    assert text == "\ufefftotal;at\r\n1420.50;2026-07-01 12:30:00\r\n"


def test_excel_csv_changes_only_numbers_not_text_that_looks_like_one():
    from decimal import Decimal

    columns = [Column("total", lambda r: r[0]), Column("code", lambda r: r[1])]
    dialect = CsvDialect(delimiter=";", decimal=",", excel=True)

    text = b"".join(iter_csv([(Decimal("1420.50"), "A.1")], columns, dialect=dialect)).decode()

    assert text.splitlines()[1] == "1420,50;A.1"


@pytest.fixture
def order(users):
    customer = services.contact_create(
        actor=users["manager"], data={"first_name": "Olena", "last_name": "Koval"}
    )
    return sales.order_create(
        actor=users["manager"],
        contact=customer,
        currency="EUR",
        total="1420.50",
        order_date=timezone.make_aware(dt.datetime(2026, 5, 1, 12)),
        status="paid",
    )


def test_orders_export_for_excel_in_ukrainian(as_user, order):
    client = as_user("manager")
    client.cookies["django_language"] = "uk"

    response = client.get("/orders/export/excel/")

    text = body(response)
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="orders-{today}.csv"'
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 2
    header, row = rows
    with translation.override("uk"):
        assert row[header.index(_("total"))] == "1420,50"
        assert row[header.index(_("status"))] == str(OrderStatus.PAID.label)


def test_exports_show_labels_and_owner_names_not_codes(as_user, users, order):
    users["manager"].first_name, users["manager"].last_name = "Ivan", "Petrenko"
    users["manager"].save()
    client = as_user("manager")

    orders = body(client.get("/orders/export/csv/"))
    contacts = body(client.get("/contacts/export/csv/"))

    header, row = list(csv.reader(io.StringIO(orders.lstrip("\ufeff"))))
    assert row[header.index("status")] == "Paid"
    assert row[header.index("channel")] == "Office"
    header, row = list(csv.reader(io.StringIO(contacts.lstrip("\ufeff"))))
    assert row[header.index("owner")] == "Ivan Petrenko"
    assert row[header.index("lifecycle stage")] == "Customer"


def test_a_contacts_export_in_lithuanian_imports_back_unchanged(as_user, users):
    users["manager"].first_name, users["manager"].last_name = "Ivan", "Petrenko"
    users["manager"].save()
    services.contact_create(
        actor=users["manager"],
        data={"first_name": "Olena", "last_name": "Koval", "gender": "female"},
    )
    Contact.objects.update(lifecycle_stage="customer")
    client = as_user("admin")
    client.cookies["django_language"] = "lt"
    exported = body(client.get("/contacts/export/csv/")).lstrip("\ufeff")
    Contact.objects.all().delete()

    with translation.override("en"):
        result = import_file(kind="contacts", data=exported.encode(), actor=users["admin"])

    assert [(e.row, e.column, e.message) for e in result.errors] == []
    olena = Contact.objects.get(last_name="Koval")
    assert (olena.lifecycle_stage, olena.gender, olena.owner_id) == (
        "customer",
        "female",
        users["manager"].pk,
    )


def test_an_unknown_status_lists_the_labels_in_the_readers_language(users):
    text = "email,order_date,total,currency,status\no@example.com,2026-01-01,10,EUR,sold\n"

    with translation.override("en"):
        result = import_file(kind="orders", data=text.encode(), actor=users["admin"])

    assert [(e.row, e.column) for e in result.errors] == [(2, "status")]
    assert result.errors[0].message.startswith("Choose from: Booked, Paid")
