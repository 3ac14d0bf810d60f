"""In a real browser: write a campaign (a language tab, the live preview), see whom it would
reach, and launch it after the confirm that names the count."""

import pytest
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.segments.models import Segment, SegmentMember
from tests.campaigns.conftest import person
from tests.factories import UserFactory
from tests.web.browser_kit import MARKS, browser_page, sign_in
from tests.web.test_browser_a11y import axe_violations

pytestmark = MARKS


@pytest.fixture
def setup(transactional_db):
    marketer = UserFactory(username="rasa", role=Role.MARKETER, email="rasa@travel.example")
    people = [
        person("olena@example.com", first_name="Olena"),
        person("ieva@example.com", first_name="Ieva"),
        person("taras@example.com", first_name="Taras", consents=()),
    ]
    segment = Segment.objects.create(name="Sun seekers", kind="static", owner=marketer)
    SegmentMember.objects.bulk_create(
        SegmentMember(segment=segment, contact=c, since=timezone.now()) for c in people
    )
    return {"marketer": marketer, "segment": segment}


@pytest.fixture
def page(live_server, setup):
    yield from browser_page(viewport={"width": 1280, "height": 900})


def test_write_preview_and_launch_a_campaign(page, live_server, setup):
    from playwright.sync_api import expect

    sign_in(page, live_server.url, "rasa")
    page.goto(f"{live_server.url}/campaigns/")
    page.get_by_role("button", name="New campaign").click()
    expect(page.locator("h1")).to_have_text("New campaign")

    page.fill("#campaign-name", "Spring in Crete")
    page.select_option("#campaign-segment", label="Sun seekers")
    english = page.get_by_role("tab", name="English")
    expect(english).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-uk")).to_be_hidden()
    page.fill("#campaign-subject_en", "Hello {{ first_name }}")
    page.fill("#campaign-text_en", "Dear {{ first_name }}, spring fares start at 199 EUR.")
    preview = page.locator("#content-preview")
    expect(preview).to_contain_text("Dear Olena, spring fares start at 199 EUR.")
    expect(preview).to_contain_text("Hello Olena")

    english.press("ArrowRight")  # the keyboard moves between languages
    expect(page.get_by_role("tab", name="Русский")).to_be_focused()
    page.get_by_role("tab", name="Українська").click()
    expect(page.locator("#panel-uk")).to_be_visible()
    expect(page.locator("#panel-en")).to_be_hidden()
    page.fill("#campaign-text_uk", "Весна, {{ first_name }}!")
    expect(preview).to_contain_text("Весна, Olena!")
    assert axe_violations(page) == []

    page.get_by_role("button", name="Save campaign").click()
    expect(page.locator("h1")).to_contain_text("Spring in Crete")
    expect(page.locator("#audience")).to_contain_text("would get it")
    expect(page.locator("#audience .stat.eligible strong")).to_have_text("2")
    assert axe_violations(page) == []

    page.get_by_text("Launch…").click()
    expect(page.locator(".launch form")).to_contain_text("This sends the message to 2 people now.")
    page.get_by_role("button", name="Launch to 2 people").click()
    expect(page.locator(".messages")).to_contain_text("Campaign launched")
    expect(page.locator("h1 .badge")).to_have_text("Sending")
    expect(page.locator("#message-results tbody tr")).to_have_count(3)
    assert axe_violations(page) == []
