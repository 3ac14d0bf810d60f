"""Exports: CSV with BOM, XLSX, formula injection neutralised, visibility kept by the caller."""

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from rapport.contacts.export import contacts_csv, contacts_vcf, contacts_xlsx
from rapport.contacts.selectors import ContactFilters, contacts_for
from rapport.contacts.services import contact_create
from rapport.core.export import Column, safe_text, write_csv, write_xlsx

COLUMNS = [
    Column("name", lambda r: r[0]),
    Column("amount", lambda r: r[1]),
    Column("day", lambda r: r[2]),
]
ROWS = [
    ("=1+2", Decimal("12.50"), dt.date(2024, 5, 1)),
    ("+380671234567", Decimal(0), None),
    ("-minus", Decimal("-3"), None),
    ("@cmd", Decimal(1), None),
    ("\tTab", Decimal(1), None),
    ("\rCR", Decimal(1), None),
    ("plain", Decimal(1), None),
]


def test_formula_prefixes_get_an_apostrophe():
    assert [safe_text(r[0]) for r in ROWS] == [
        "'=1+2",
        "'+380671234567",
        "'-minus",
        "'@cmd",
        "'\tTab",
        "'\rCR",
        "plain",
    ]


def test_csv_has_a_bom_and_neutralised_cells():
    data = write_csv(ROWS, COLUMNS)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["name", "amount", "day"]
    assert rows[1] == ["'=1+2", "12.50", "2024-05-01"]
    assert [r[0] for r in rows[1:]] == [
        "'=1+2",
        "'+380671234567",
        "'-minus",
        "'@cmd",
        "'\tTab",
        "'\rCR",
        "plain",
    ]


def test_xlsx_round_trip_keeps_values_and_never_writes_formulas():
    data = write_xlsx(ROWS, COLUMNS)
    sheet = load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["name", "amount", "day"]
    assert values[1] == ["'=1+2", 12.5, dt.datetime(2024, 5, 1)]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_xlsx_export_imports_back(users):
    from rapport.contacts.models import Contact
    from rapport.core.imports import import_file

    contact_create(
        actor=users["admin"],
        data={
            "first_name": "Олена",
            "last_name": "=Koval",
            "email": "o@example.com",
            "phone": "+380671234567",
            "tags": ["ski"],
        },
    )
    data = contacts_xlsx(contacts_for(users["admin"]))
    Contact.objects.all().delete()
    result = import_file(
        kind="contacts",
        data=data,
        filename="c.xlsx",
        actor=users["admin"],
        mapping={"id": None, "last name": None},
    )
    assert (result.created, result.error_count) == (1, 0)
    again = Contact.objects.get()
    assert (again.first_name, again.email, again.phone, [t.name for t in again.tags.all()]) == (
        "Олена",
        "o@example.com",
        "+380671234567",
        ["ski"],
    )


def test_managers_export_holds_only_their_teams_contacts(users):
    mine = contact_create(actor=users["manager"], data={"first_name": "Mine", "city": "Kyiv"})
    mates = contact_create(
        actor=users["manager_mate"], data={"first_name": "Mates", "city": "Kyiv"}
    )
    contact_create(actor=users["manager2"], data={"first_name": "Theirs", "city": "Kyiv"})
    contact_create(actor=users["manager"], data={"first_name": "Elsewhere", "city": "Lviv"})
    data = contacts_csv(contacts_for(users["manager"]), ContactFilters(city="Kyiv"))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(int(r["id"]), r["first name"]) for r in rows] == [
        (mine.pk, "Mine"),
        (mates.pk, "Mates"),
    ]


def test_vcard_export_has_one_card_per_visible_contact(users):
    contact_create(
        actor=users["manager"],
        data={
            "first_name": "Olena",
            "last_name": "Koval",
            "email": "o@example.com",
            "phone": "+380671234567",
        },
    )
    contact_create(actor=users["manager2"], data={"first_name": "Hidden"})
    text = contacts_vcf(contacts_for(users["manager"])).decode()
    assert text.count("BEGIN:VCARD") == 1
    assert "N:Koval;Olena;;;" in text
    assert "EMAIL;TYPE=INTERNET:o@example.com" in text
    assert "TEL;TYPE=CELL:+380671234567" in text
