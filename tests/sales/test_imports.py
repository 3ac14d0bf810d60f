"""Importing leads (through the capture rules) and orders (customers found or created)."""

from decimal import Decimal

from rapport.catalog.models import Product
from rapport.contacts.models import Contact
from rapport.contacts.services import contact_create
from rapport.core.imports import import_file
from rapport.sales.models import Lead, LeadSource, Order, OrderLine
from rapport.timeline.models import Interaction


def run(kind, actor, text, **options):
    return import_file(kind=kind, data=text.encode(), actor=actor, **options)


def errors_of(result):
    return [(e.row, e.column, e.message) for e in result.errors]


def test_leads_are_captured_with_source_status_and_date(users):
    LeadSource.objects.create(name="Instagram", kind="instagram")
    text = (
        "Имя,Email,Телефон,Источник,utm_campaign,status,disqualify_reason,created\n"
        "Olena,olena@example.com,,instagram,summer,qualified,,2025-03-01 10:00\n"
        "Taras,,+380671234567,Instagram,,disqualified,spam,\n"
        "Again,OLENA@example.com,,,,,,\n"
    )
    result = run("leads", users["manager"], text)
    assert (result.created, result.updated, result.error_count) == (2, 1, 0)
    olena = Lead.objects.get(email="olena@example.com")
    assert (olena.source.name, olena.utm_campaign, olena.status, olena.created_at.isoformat()) == (
        "Instagram",
        "summer",
        "qualified",
        "2025-03-01T08:00:00+00:00",
    )
    assert Lead.objects.get(phone="+380671234567").disqualify_reason == "spam"
    assert Lead.objects.count() == 2


def test_bad_lead_rows_commit_nothing(users):
    text = (
        "email,phone,source,status\n"
        "ok@example.com,,,\n"
        "broken,,,\n"
        "x@example.com,,Nowhere,\n"
        "y@example.com,,,disqualified\n"
    )
    result = run("leads", users["admin"], text)
    assert errors_of(result) == [
        (3, "email", "Enter a valid e-mail address (An email address must have an @-sign.)."),
        (4, "source", "No lead source Nowhere. Known: ."),
        (5, "disqualify_reason", "Say why the lead is disqualified."),
    ]
    assert Lead.objects.count() == 0


def test_one_order_per_row_finds_or_creates_the_customer(users):
    known = contact_create(
        actor=users["admin"],
        data={"first_name": "Ann", "email": "ann@example.com", "external_id": "c-1"},
    )
    text = (
        "customer_external_id,email,phone,first_name,order_date,total,currency,order_external_id\n"
        "c-1,,,,2025-01-10,100.00,EUR,o-1\n"
        ",ANN@example.com,,,10.01.2025 12:00,50,EUR,o-2\n"
        ",,+380671234567,Taras,2025-02-01,70,UAH,o-3\n"
    )
    result = run("orders", users["admin"], text)
    assert (result.created, result.error_count) == (3, 0)
    assert list(known.orders.order_by("external_id").values_list("external_id", "total")) == [
        ("o-1", Decimal("100.00")),
        ("o-2", Decimal("50.00")),
    ]
    taras = Contact.objects.get(phone="+380671234567")
    assert (taras.first_name, taras.lifecycle_stage) == ("Taras", "customer")
    assert Interaction.objects.filter(channel="order").count() == 3
    known.refresh_from_db()
    assert known.lifecycle_stage == "customer"
    # importing the same file again changes nothing
    again = run("orders", users["admin"], text)
    assert (again.created, again.unchanged, Order.objects.count()) == (0, 3, 3)


def test_order_lines_are_grouped_priced_from_the_catalog_and_totals_checked(users):
    Product.objects.create(name="Antalya", sku="ANT", price=Decimal("500.00"), currency="EUR")
    Product.objects.create(name="Insurance", sku="INS", price=Decimal("20.00"), currency="EUR")
    text = (
        "order_external_id,email,order_date,currency,sku,quantity,unit_price,discount,total\n"
        "o-1,ann@example.com,2025-01-10,EUR,ANT,2,,50,990\n"
        "o-1,ann@example.com,2025-01-10,EUR,INS,2,,,990\n"
        "o-2,bob@example.com,2025-01-11,EUR,ANT,1,,,400\n"
        "o-3,cid@example.com,2025-01-12,EUR,NOPE,1,,,\n"
        "o-4,dan@example.com,2025-01-12,USD,ANT,1,,,\n"
    )
    result = run("orders", users["admin"], text)
    assert errors_of(result) == [
        (4, "total", "The total 400 differs from the sum of the lines 500.00."),
        (5, "sku", "No product with code NOPE."),
        (6, "sku", "Antalya is priced in EUR, the order in USD."),
    ]
    assert (Order.objects.count(), Contact.objects.count()) == (0, 0)


def test_skip_invalid_imports_the_valid_orders_with_their_lines(users):
    Product.objects.create(name="Antalya", sku="ANT", price=Decimal("500.00"), currency="EUR")
    Product.objects.create(name="Insurance", sku="INS", price=Decimal("20.00"), currency="EUR")
    text = (
        "order_external_id,email,order_date,currency,sku,quantity,discount,total\n"
        "o-1,ann@example.com,2025-01-10,EUR,ANT,2,50,990\n"
        "o-1,ann@example.com,2025-01-10,EUR,INS,2,,990\n"
        "o-2,bob@example.com,2025-01-11,EUR,NOPE,1,,\n"
    )
    result = run("orders", users["admin"], text, skip_invalid=True)
    assert (result.created, result.skipped, result.error_count) == (1, 1, 1)
    order = Order.objects.get()
    assert (order.external_id, order.total, order.contact.email) == (
        "o-1",
        Decimal("990.00"),
        "ann@example.com",
    )
    assert list(
        OrderLine.objects.order_by("id").values_list("description", "quantity", "line_total")
    ) == [
        ("Antalya", 2, Decimal("950.00")),
        ("Insurance", 2, Decimal("40.00")),
    ]
    placed = Interaction.objects.get(channel="order")
    assert (placed.kind, placed.params, placed.summary) == (
        "order.placed",
        {"order": order.pk, "total": "990.00", "currency": "EUR"},
        "",
    )
    assert placed.text == f"Order #{order.pk}: 990.00\u00a0EUR"
