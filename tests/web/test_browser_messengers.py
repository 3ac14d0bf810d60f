"""In a real browser, on a laptop (1366 px) and a phone (390 px): the contact page's
Messengers section lists the accounts, makes a Viber link and copies it to the clipboard,
with nothing wider than the screen and no axe violations."""

import os
import re

import pytest
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.campaigns.models import MessengerAccount
from tests.campaigns.conftest import person
from tests.factories import UserFactory
from tests.web.browser_kit import MARKS, browser_page, sign_in
from tests.web.test_browser_a11y import axe_violations

pytestmark = MARKS
SCREENSHOTS = os.environ.get("RAPPORT_SCREENSHOTS", "")


@pytest.fixture
def olena(transactional_db, settings):
    settings.RAPPORT_VIBER_URL = "viber://t0ken@chatapi.viber.com?sender=Sun%20Travel&uri=suntravel"
    UserFactory(username="root", role=Role.ADMIN)
    contact = person("olena@example.com", consents=("messenger:marketing",))
    MessengerAccount.objects.create(
        contact=contact,
        provider="whatsapp",
        external_id="380501234567",
        opted_out_at=timezone.now(),
    )
    MessengerAccount.objects.create(contact=contact, provider="telegram", external_id="5550001")
    return contact


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_make_and_copy_a_viber_link(live_server, olena, width, height):
    from playwright.sync_api import expect

    pages = browser_page(
        viewport={"width": width, "height": height},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = next(pages)
    try:
        sign_in(page, live_server.url, "root")
        page.goto(f"{live_server.url}/contacts/{olena.pk}/")
        section = page.locator("#messengers")
        expect(section.locator("li")).to_have_count(2)
        expect(section.locator("li").first).to_contain_text("Telegram 5550001 active")
        expect(section.locator("li").nth(1)).to_contain_text("WhatsApp 380501234567 stopped on")

        section.get_by_role("button", name="Make a Viber link").click()
        field = section.get_by_label("Viber link")
        expect(field).to_have_value(re.compile(r"^viber://pa\?chatURI=suntravel&context=[\w.:-]+$"))
        section.get_by_role("button", name="Copy link").click()
        copy = section.locator("button[data-copy]")  # named "Copied" for a moment
        expect(copy).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == field.input_value()

        section.scroll_into_view_if_needed()
        if SCREENSHOTS:
            section.screenshot(path=f"{SCREENSHOTS}/messengers-{width}.png")
        fits = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        assert page.evaluate(fits)
        box, button = field.bounding_box(), copy.bounding_box()
        assert box is not None
        assert button is not None
        assert box["width"] >= 120  # the link field keeps a usable width beside its button
        assert button["x"] + button["width"] <= width
        assert axe_violations(page) == []
    finally:
        pages.close()
