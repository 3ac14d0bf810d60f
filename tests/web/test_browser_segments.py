"""In a real browser: build a rule with the keyboard (field picker, operator, value), see the
live count follow it, add a group, and save the segment."""

import pytest

from rapport.accounts.models import Role
from rapport.contacts import services as contacts
from tests.factories import UserFactory
from tests.web.browser_kit import MARKS, browser_page, sign_in
from tests.web.test_browser_a11y import axe_violations

pytestmark = MARKS


@pytest.fixture
def setup(transactional_db):
    marketer = UserFactory(username="rasa", role=Role.MARKETER)
    for first, city in (("Olena", "Vilnius"), ("Ieva", "Vilnius"), ("Taras", "Kyiv")):
        contacts.contact_create(actor=marketer, data={"first_name": first, "city": city})
    return {"marketer": marketer}


@pytest.fixture
def page(live_server, setup):
    yield from browser_page(viewport={"width": 1400, "height": 900})


def test_build_a_rule_and_watch_the_count(page, live_server, setup):
    from playwright.sync_api import expect

    sign_in(page, live_server.url, "rasa")
    page.goto(f"{live_server.url}/segments/new/")
    expect(page.locator("#preview")).to_contain_text("Name the field to compare.")
    assert axe_violations(page) == []

    picker = page.locator("#r-0-field")
    picker.press_sequentially("city", delay=40)
    options = page.locator("#r-0-field-listbox [role=option][data-value]")
    expect(options).to_have_count(1)  # the search's answer, not the first list of all fields
    expect(options).to_have_attribute("data-value", "city")
    picker.press("ArrowDown")
    picker.press("Enter")
    value = page.locator("input[name='r-0:value']")
    expect(value).to_be_visible()
    value.fill("Vilnius")
    expect(page.locator("#preview")).to_contain_text("2 contacts match now.")
    expect(page.locator("#preview")).to_contain_text("Olena")
    assert axe_violations(page) == []

    page.get_by_role("button", name="+ Group").click()
    expect(page.locator("[data-place='r-1']")).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("Name the field to compare.")
    page.get_by_role("button", name="Remove this group").click()
    expect(page.locator("[data-place='r-1']")).to_have_count(0)
    expect(page.locator("#preview")).to_contain_text("2 contacts match now.")

    page.fill("#segment-name", "Vilnius people")
    page.get_by_role("button", name="Save segment").click()
    expect(page.locator("h1")).to_contain_text("Vilnius people")
    expect(page.locator("#member-results")).to_contain_text("Ieva")
    assert axe_violations(page) == []
    page.goto(f"{live_server.url}/segments/")
    assert axe_violations(page) == []
