"""In a real browser: pick a customer and a tour with the keyboard and record the order."""

import datetime as dt
import re

import pytest

from rapport.accounts.models import Role
from rapport.catalog import services as catalog
from rapport.contacts import services as contacts
from tests.factories import UserFactory
from tests.web.browser_kit import MARKS, browser_page, sign_in

pytestmark = MARKS


@pytest.fixture
def setup(transactional_db):
    # Created before Playwright starts: its event loop makes the ORM refuse sync calls.
    manager = UserFactory(username="oksana", role=Role.SALES_MANAGER)
    admin = UserFactory(username="boss", role=Role.ADMIN)
    contact = contacts.contact_create(
        actor=manager, data={"first_name": "Ганна", "last_name": "Литвин", "city": "Львів"}
    )
    today = dt.date.today()
    tours = {}
    for key, name, days in (("past", "Crete, spring", -20), ("next", "Crete, summer", 20)):
        day = (today + dt.timedelta(days=days)).isoformat()
        tours[key] = catalog.product_create(
            actor=admin,
            data={"kind": "tour", "name": name, "destination": "Crete", "price": "900",
                  "currency": "EUR", "departure_date": day, "return_date": day},
        )  # fmt: skip
    return {"contact": contact, "tours": tours}


@pytest.fixture
def page(live_server, setup):
    yield from browser_page(viewport={"width": 1400, "height": 900})


@pytest.fixture
def phone(live_server, setup):
    yield from browser_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)


def test_pick_customer_and_tour_with_the_keyboard_and_record_the_order(page, live_server, setup):
    from playwright.sync_api import expect

    sign_in(page, live_server.url, "oksana")
    page.goto(f"{live_server.url}/orders/new/")

    customer = page.locator("#id_contact")
    with page.expect_response(lambda r: "q=%D0%BB%D0%B8%D1%82%D0%B2" in r.url):
        customer.press_sequentially("литв", delay=50)
    expect(customer).to_have_attribute("aria-expanded", "true")
    found = page.locator("#id_contact-listbox [role=option][data-value]")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("Ганна Литвин")
    customer.press("ArrowDown")
    expect(customer).to_have_attribute("aria-activedescendant", "id_contact-listbox-0")
    customer.press("Enter")
    expect(customer).to_have_value("Ганна Литвин")
    expect(customer).to_have_attribute("aria-expanded", "false")
    hidden = page.locator("input[type=hidden][name=contact]")
    expect(hidden).to_have_value(str(setup["contact"].pk))

    # Escape closes a list without choosing
    other = page.locator("#line-product-1")
    other.press_sequentially("cre", delay=50)
    expect(other).to_have_attribute("aria-expanded", "true")
    other.press("Escape")
    expect(other).to_have_attribute("aria-expanded", "false")
    expect(page.locator("input[type=hidden][name=line_product]").nth(1)).to_have_value("")
    other.fill("")

    tour = page.locator("#line-product-0")
    with page.expect_response(lambda r: "q=crete" in r.url):
        tour.press_sequentially("crete", delay=50)
    options = page.locator("#line-product-0-listbox [role=option]")
    expect(options.nth(0)).to_contain_text("Crete, summer")
    expect(options).to_have_count(2)
    expect(options.nth(1)).to_contain_text("departed")
    tour.press("ArrowDown")
    tour.press("ArrowDown")
    tour.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    tour.press("Enter")
    expect(tour).to_have_value("Crete, summer")

    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    # the order page (the ORM cannot be read inside Playwright's event loop) shows both picks
    main = page.locator("main")
    expect(main).to_contain_text("Crete, summer")
    expect(main).to_contain_text("Ганна Литвин")
    expect(main).to_contain_text("900.00")


def test_pick_a_tour_with_a_tap_on_a_phone(phone, live_server, setup):
    from playwright.sync_api import expect

    page = phone
    sign_in(page, live_server.url, "oksana")
    page.goto(f"{live_server.url}/deals/new/")

    tour = page.locator("#line-product-0")
    tour.tap()
    with page.expect_response(lambda r: "q=cre" in r.url):
        tour.press_sequentially("cre", delay=50)
    option = page.locator("#line-product-0-listbox [role=option]", has_text="Crete, summer")
    option.tap()

    expect(tour).to_have_value("Crete, summer")
    expect(tour).to_have_attribute("aria-expanded", "false")
    hidden = page.locator("input[type=hidden][name=product]").first
    expect(hidden).to_have_value(str(setup["tours"]["next"].pk))
