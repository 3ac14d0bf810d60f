"""In a real browser: open a scenario's editor, add a step after the first one (choose its
kind, fill it in, save: HTMX swaps the flow), delete the first (confirming), and publish."""

import pytest

from rapport.accounts.models import Role
from rapport.automation import services
from tests.factories import UserFactory
from tests.web.browser_kit import MARKS, browser_page, sign_in
from tests.web.test_browser_a11y import axe_violations

pytestmark = MARKS


@pytest.fixture
def setup(transactional_db):
    marketer = UserFactory(username="rasa", role=Role.MARKETER)
    scenario = services.scenario_create(
        actor=marketer,
        data={
            "name": "Welcome",
            "trigger": {"type": "order_paid"},
            "steps": [{"type": "wait", "days": 1}],
        },
    )
    return {"marketer": marketer, "scenario": scenario}


@pytest.fixture
def page(live_server, setup):
    yield from browser_page(viewport={"width": 1280, "height": 900})


def test_add_a_step_and_publish(page, live_server, setup):
    from playwright.sync_api import expect

    scenario = setup["scenario"]
    sign_in(page, live_server.url, "rasa")
    page.goto(f"{live_server.url}/scenarios/{scenario.pk}/")
    expect(page.locator("#trigger-card")).to_contain_text("An order is paid")
    expect(page.locator("#step-0")).to_contain_text("1 day")
    assert axe_violations(page) == []

    page.locator("#step-0 ~ li.add-slot").get_by_role("link", name="+ Add a step here").click()
    page.get_by_label("Kind of step").select_option("tag_add")
    page.get_by_role("button", name="Next").click()
    page.locator("input[name='p.tag']").fill("welcomed")
    page.get_by_role("button", name="Save step").click()
    expect(page.locator("#scenario .notices")).to_contain_text("Step saved.")
    expect(page.locator("#step-1")).to_contain_text("Add a tag")
    expect(page.locator("#step-1")).to_contain_text("“welcomed”")
    assert axe_violations(page) == []

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#step-0").get_by_role("button", name="Delete").click()
    expect(page.locator("#scenario .notices")).to_contain_text("Step deleted.")
    expect(page.locator("#step-0")).to_contain_text("“welcomed”")
    expect(page.locator("#step-1")).to_have_count(0)

    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Published as version 1")
    expect(page.locator(".version-line")).to_contain_text("Version 1")
    page.get_by_role("button", name="Switch on").click()
    expect(page.locator("h1 .badge")).to_have_text("Active")
