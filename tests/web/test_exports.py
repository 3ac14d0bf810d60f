"""Exporting list pages: the page's filters, sort and visibility; safe cells; vCard."""

import csv
import datetime as dt
import io
import re

import pytest
import vobject
from django.utils import timezone
from openpyxl import load_workbook

from rapport.catalog import services as catalog
from rapport.contacts import services
from rapport.contacts.models import Company
from rapport.sales import services as sales
from tests.web.conftest import HTMX

pytestmark = pytest.mark.django_db


def body(response):
    assert response.status_code == 200, response.status_code
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(response):
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def contact(owner, first, last, **extra):
    return services.contact_create(
        actor=owner, data={"first_name": first, "last_name": last, **extra}
    )


@pytest.fixture
def people(users):
    """Three contacts of team North (manager, manager_mate) and one of manager2 (South)."""
    return {
        "olena": contact(users["manager"], "Olena", "Koval", city="Kyiv", email="o@example.com"),
        "petro": contact(users["manager_mate"], "Petro", "Avramenko", city="Kyiv"),
        "ivan": contact(users["manager"], "Ivan", "Bondar", city="Lviv"),
        "south": contact(users["manager2"], "Sofia", "Zinchenko", city="Kyiv"),
    }


def test_contacts_csv_holds_the_filtered_visible_rows_in_the_list_order(as_user, people):
    response = as_user("manager").get("/contacts/export/csv/?city=Kyiv&sort=name&cursor=xyz")

    rows = csv_rows(response)
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="contacts-{today}.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert rows[0][:6] == ["id", "external_id", "first name", "last name", "middle name", "email"]
    assert [(r[2], r[3]) for r in rows[1:]] == [("Petro", "Avramenko"), ("Olena", "Koval")]


def test_an_admin_exports_every_contact(as_user, people):
    rows = csv_rows(as_user("admin").get("/contacts/export/csv/?sort=-name"))

    assert [r[3] for r in rows[1:]] == ["Zinchenko", "Koval", "Bondar", "Avramenko"]


def test_export_reads_in_batches_without_losing_rows(as_user, people, monkeypatch):
    from rapport.core.views import exports

    monkeypatch.setattr(exports, "BATCH", 1)

    rows = csv_rows(as_user("admin").get("/contacts/export/csv/?sort=name"))

    assert [r[3] for r in rows[1:]] == ["Avramenko", "Bondar", "Koval", "Zinchenko"]


def test_formula_cells_are_neutralised_in_csv_and_xlsx(as_user, users):
    contact(users["manager"], '=HYPERLINK("http://evil")', "+1-2", city="@SUM(A1)")
    client = as_user("manager")

    rows = csv_rows(client.get("/contacts/export/csv/"))
    sheet = load_workbook(io.BytesIO(body(client.get("/contacts/export/xlsx/")))).active
    cells = [[c.value for c in row] for row in sheet.iter_rows()]

    assert rows[1][2:4] == ['\'=HYPERLINK("http://evil")', "'+1-2"]
    assert rows[1][10] == "'@SUM(A1)"
    assert cells[1][2:4] == ['\'=HYPERLINK("http://evil")', "'+1-2"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_contacts_xlsx_is_a_workbook_with_the_visible_rows(as_user, people):
    response = as_user("manager2").get("/contacts/export/xlsx/")

    sheet = load_workbook(io.BytesIO(body(response))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert response["Content-Disposition"].endswith(f'-{timezone.localdate().isoformat()}.xlsx"')
    assert sheet.title == "Contacts"
    assert [row[2:4] for row in values[1:]] == [["Sofia", "Zinchenko"]]


def test_vcard_parses_back(as_user, users):
    contact(
        users["manager"], "Олена", "Коваль", email="olena@example.com", phone="+380671234567",
        birth_date="1990-05-01", city="Київ", country="UA",
    )  # fmt: skip
    contact(users["manager"], "Petro", "Koval")

    response = as_user("manager").get("/contacts/export/vcf/?q=Коваль")

    cards = list(vobject.readComponents(body(response).decode("utf-8")))
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert len(cards) == 1
    card = cards[0]
    assert (card.n.value.given, card.n.value.family) == ("Олена", "Коваль")
    assert card.email.value == "olena@example.com"
    assert card.tel.value == "+380671234567"
    assert card.bday.value == "1990-05-01"
    assert card.adr.value.city == "Київ"


def test_companies_export_is_scoped_and_filtered(as_user, users):
    for owner, name in [
        ("manager", "Sunny Tours"),
        ("manager2", "Sunny South"),
        ("manager", "Alpine"),
    ]:
        services.company_create(actor=users[owner], data={"name": name})

    rows = csv_rows(as_user("manager").get("/companies/export/csv/?q=sunny"))

    assert [r[2] for r in rows[1:]] == ["Sunny Tours"]
    assert Company.objects.count() == 3


def test_leads_export_follows_the_filters(as_user, users, source):
    for email, campaign, owner in [
        ("a@example.com", "summer", users["manager"]),
        ("b@example.com", "winter", users["manager"]),
        ("c@example.com", "summer", users["manager2"]),
        ("d@example.com", "=cmd|' /C calc'!A0", users["manager"]),
    ]:
        captured = sales.lead_capture(
            data={"email": email, "utm_campaign": campaign}, source=source
        )
        captured.lead.owner = owner
        captured.lead.save(update_fields=["owner"])

    summer = csv_rows(as_user("manager").get("/leads/export/csv/?campaign=summer"))
    every = csv_rows(as_user("admin").get("/leads/export/csv/?campaign=%3D"))

    header = summer[0]
    assert [r[header.index("email")] for r in summer[1:]] == ["a@example.com"]
    assert [r[header.index("utm_campaign")] for r in every[1:]] == ["'=cmd|' /C calc'!A0"]
    assert summer[1][header.index("source")] == "Website"


def test_deals_export_is_the_visible_filtered_list(as_user, users, pipeline, people):
    for owner, who, title in [("manager", "olena", "Crete"), ("manager2", "south", "Rhodes")]:
        sales.deal_create(
            actor=users[owner],
            data={"title": title, "contact": people[who].pk, "amount": "1500", "currency": "EUR"},
        )

    mine = csv_rows(as_user("manager").get("/deals/export/csv/"))
    both = csv_rows(as_user("admin").get("/deals/export/csv/?state=open"))
    sheet = load_workbook(io.BytesIO(body(as_user("admin").get("/deals/export/xlsx/")))).active

    header = mine[0]
    assert [r[header.index("title")] for r in mine[1:]] == ["Crete"]
    assert sorted(r[header.index("title")] for r in both[1:]) == ["Crete", "Rhodes"]
    assert mine[1][header.index("amount")] == "1500.00"
    assert mine[1][header.index("contact")] == "Olena Koval"
    assert sheet.title == "Deals"
    assert sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True)) == [
        "Crete",
        "Rhodes",
    ]
    assert [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)] == [1500, 1500]


def test_orders_export_is_scoped_by_the_customer_and_filtered(as_user, users, people):
    when = timezone.make_aware(dt.datetime(2025, 5, 1, 12))
    sales.order_create(
        actor=users["manager"],
        contact=people["olena"],
        currency="EUR",
        total="120.50",
        order_date=when,
        status="paid",
    )
    sales.order_create(
        actor=users["manager"],
        contact=people["ivan"],
        currency="EUR",
        total="80",
        order_date=when,
        status="booked",
    )
    sales.order_create(
        actor=users["manager2"],
        contact=people["south"],
        currency="EUR",
        total="99",
        order_date=when,
        status="paid",
    )

    paid = csv_rows(as_user("manager").get("/orders/export/csv/?status=paid"))

    header = paid[0]
    assert [(r[header.index("customer")], r[header.index("total")]) for r in paid[1:]] == [
        ("Olena Koval", "120.50")
    ]


def test_products_export_for_every_role_with_filters(as_user, users):
    for name, kind, active in [
        ("Crete", "tour", True),
        ("Insurance", "addon", True),
        ("Old", "tour", False),
    ]:
        catalog.product_create(
            actor=users["admin"],
            data={
                "name": name,
                "kind": kind,
                "price": "10",
                "currency": "EUR",
                "is_active": active,
            },
        )

    tours = csv_rows(as_user("analyst").get("/products/export/csv/?kind=tour"))
    every = csv_rows(as_user("agent").get("/products/export/csv/?active=all"))

    assert [r[2] for r in tours[1:]] == ["Crete"]
    assert [r[2] for r in every[1:]] == ["Crete", "Insurance", "Old"]


def test_read_only_roles_export_what_they_may_see(as_user, people):
    rows = csv_rows(as_user("analyst").get("/contacts/export/csv/?sort=name"))

    assert len(rows) == 5


@pytest.mark.parametrize(
    "url",
    [
        "/contacts/export/pdf/",
        "/leads/export/vcf/",
        "/orders/export/vcf/",
        "/products/export/json/",
    ],
)
def test_unknown_formats_are_404(as_user, url):
    assert as_user("admin").get(url).status_code == 404


def test_export_needs_a_login(client):
    response = client.get("/contacts/export/csv/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize(
    ("page", "export", "vcard"),
    [
        ("/contacts/", "/contacts/export/", True),
        ("/companies/", "/companies/export/", False),
        ("/leads/", "/leads/export/", False),
        ("/deals/", "/deals/export/", False),
        ("/orders/", "/orders/export/", False),
        ("/products/", "/products/export/", False),
    ],
)
def test_every_list_has_an_export_menu(as_user, page, export, vcard):
    text = as_user("admin").get(page).text

    assert f'href="{export}csv/?' in text
    assert f'href="{export}xlsx/?' in text
    assert (f'href="{export}vcf/?' in text) is vcard


def test_export_links_carry_the_current_filters_and_sort(as_user, people):
    client = as_user("manager")

    full = client.get("/contacts/?city=Kyiv&sort=name").text
    partial = client.get(
        "/contacts/?q=Ol&sort=-name", HTTP_HX_TARGET="contact-results", **HTMX
    ).text

    assert 'href="/contacts/export/csv/?city=Kyiv&amp;sort=name"' in full
    assert 'href="/contacts/export/xlsx/?q=Ol&amp;sort=-name"' in partial
    assert re.search(r'href="/contacts/export/vcf/\?q=Ol&amp;sort=-name"', partial)


def test_a_list_too_long_for_a_spreadsheet_is_refused_with_a_way_out(as_user, people, monkeypatch):
    from rapport.core.views import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 3)  # the admin sees 4 contacts
    client = as_user("admin")

    response = client.get("/contacts/export/xlsx/?sort=name", follow=True)

    assert response.redirect_chain == [("/contacts/?sort=name", 302)]
    assert "A spreadsheet holds at most 3 rows" in response.text
    assert client.get("/contacts/export/csv/?sort=name").status_code == 200
    assert as_user("manager2").get("/contacts/export/xlsx/").status_code == 200
