"""End to end in a real browser: Playwright driving Debian's Chromium (headless)."""

import re
import shutil

import pytest

from rapport.accounts.models import Role
from tests.factories import UserFactory

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-sync",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no `chromium` on PATH: install Debian's chromium package to run browser tests",
    ),
]


@pytest.fixture
def olha(transactional_db):
    # Created before Playwright starts: its event loop makes the ORM refuse sync calls.
    return UserFactory(username="olha", role=Role.SALES_MANAGER)


@pytest.fixture
def page(live_server, olha):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 390, "height": 844})
        context.set_default_timeout(15_000)
        yield context.new_page()
        browser.close()


def test_create_contact_with_messy_phone_then_switch_to_lithuanian(page, live_server):
    from playwright.sync_api import expect

    # log in
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "olha")
    page.fill("input[name=password]", "pass-W0rd-123")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text("My day")  # a sales manager's day opens

    # create a contact with a Ukrainian name and a messy phone number
    page.goto(f"{live_server.url}/contacts/new/")
    page.fill("input[name=first_name]", "Ґанна")
    page.fill("input[name=last_name]", "Їжакевич")
    page.locator("input[name=phone_value]").first.fill("(067) 123-45-67")
    page.click("form.contact-form button[type=submit]")

    # the 360° page shows the number normalised
    expect(page).to_have_url(re.compile(r"/contacts/\d+/$"))
    expect(page.locator("h1")).to_contain_text("Ґанна Їжакевич")
    expect(page.locator("#profile a.phone")).to_have_text("+380 67 123 4567")

    # search as you type finds her by a Cyrillic prefix
    page.goto(f"{live_server.url}/contacts/")
    page.fill("input[name=q]", "їжак")
    expect(page.locator("#contact-results tbody a")).to_have_text(["Ґанна Їжакевич"])
    page.click("text=Ґанна Їжакевич")

    # switch the interface to Lithuanian
    page.click("button.lang[value=lt]")
    expect(page.locator("html")).to_have_attribute("lang", "lt")
    expect(page.locator("nav.container-fluid")).to_contain_text("Kontaktai")
    expect(page.locator("#consents h2")).to_have_text("Sutikimai")
    expect(page.locator("#profile a.phone")).to_have_text("+380 67 123 4567")
