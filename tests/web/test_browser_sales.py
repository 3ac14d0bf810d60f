"""End to end in a real browser: a web-form enquiry becomes a lead, a deal, a won order."""

import re

import pytest

from rapport.accounts.models import Role
from rapport.sales.models import LeadSource, WebForm
from tests.factories import UserFactory, make_pipeline
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no `chromium` on PATH: install Debian's chromium package to run browser tests",
    ),
]


@pytest.fixture
def setup(transactional_db):
    # Created before Playwright starts: its event loop makes the ORM refuse sync calls.
    source = LeadSource.objects.create(name="Agency website", kind=LeadSource.Kind.WEBSITE)
    WebForm.objects.create(slug="summer", name="Summer tours", source=source)
    make_pipeline()
    return UserFactory(username="oksana", role=Role.SALES_MANAGER)


@pytest.fixture
def page(live_server, setup):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.set_default_timeout(15_000)
        yield context.new_page()
        browser.close()


def drag(page, source, target):
    """A real mouse drag: press on the card, move over the column in steps, release."""
    start = source.bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 60, steps=12)
    page.mouse.up()


def test_web_form_to_lead_to_won_deal_to_order_on_the_timeline(page, live_server):
    from playwright.sync_api import expect

    # a visitor sends the public form from an ad link
    page.goto(f"{live_server.url}/forms/summer/?utm_source=google&utm_campaign=crete-july")
    page.fill("#f-first_name", "Mykola")
    page.fill("#f-last_name", "Hnatiuk")
    page.fill("#f-email", "mykola@example.com")
    page.fill("#f-message", "Crete in July for two")
    page.click("button[type=submit]")
    expect(page.locator("body")).to_contain_text("Thank")

    # the manager logs in and finds the lead in the list
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "oksana")
    page.fill("input[name=password]", "pass-W0rd-123")
    page.click("main form button[type=submit]")
    page.goto(f"{live_server.url}/leads/")
    expect(page.locator("#lead-results tbody")).to_contain_text("Mykola Hnatiuk")
    page.click("text=Mykola Hnatiuk")
    expect(page.locator("#attribution")).to_contain_text("crete-july")

    # convert it: the deal's page opens
    page.click("#convert-button")
    expect(page).to_have_url(re.compile(r"/deals/\d+/$"))
    deal_id = re.search(r"/deals/(\d+)/", page.url).group(1)
    contact_href = page.locator("#deal-info a[href^='/contacts/']").get_attribute("href")

    # drag the deal to Won on the board
    page.goto(f"{live_server.url}/pipeline/")
    card = page.locator(f"#deal-{deal_id}")
    won = page.locator("section.board-column[data-kind=won]")
    expect(card).to_be_visible()
    drag(page, card, won)
    expect(page.locator("#board .message")).to_contain_text("won: order #")
    expect(won.locator(f"#deal-{deal_id}")).to_be_visible()

    # the order is on the customer's timeline on the 360° page
    page.goto(f"{live_server.url}{contact_href}")
    expect(page.locator("#orders")).to_contain_text("Booked")
    expect(page.locator("#timeline ol.timeline")).to_contain_text("Order #")
    expect(page.locator("#journey")).to_contain_text("First order")
