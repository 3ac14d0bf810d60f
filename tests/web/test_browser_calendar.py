"""The calendar in a real browser: an activity dragged onto another day of the week lands
there at the same time of day; the keyboard's "Move to…" form does the same and keeps focus."""

import datetime as dt

import pytest

from rapport.accounts.models import Role
from rapport.activities import services
from rapport.contacts import services as contacts
from tests.factories import UserFactory
from tests.web.browser_kit import MARKS, browser_page, sign_in

pytestmark = MARKS

WEEK = "/calendar/?view=week&start=2030-01-07"  # Monday 7 to Sunday 13 January 2030


@pytest.fixture
def setup(transactional_db):
    # Created before Playwright starts: its event loop makes the ORM refuse sync calls.
    user = UserFactory(username="rasa", role=Role.SALES_MANAGER)
    customer = contacts.contact_create(
        actor=user, data={"first_name": "Olena", "last_name": "Koval"}
    )
    at = dt.datetime(2030, 1, 8, 10, 30, tzinfo=user.zone)  # Tuesday
    call = services.activity_create(
        actor=user, data={"subject": "Call Olena", "contact": customer.pk, "due_at": at}
    )
    visit = services.activity_create(
        actor=user,
        data={"subject": "Visit Olena", "contact": customer.pk, "due_at": at.replace(hour=14)},
    )
    return {"call": call, "visit": visit}


@pytest.fixture
def page(live_server, setup):
    yield from browser_page(viewport={"width": 1400, "height": 900})


def drag(page, source, target):
    """A real mouse drag: press on the item, move over the day in steps, release."""
    start = source.bounding_box()
    end = target.bounding_box()
    page.mouse.move(start["x"] + 5, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()


def test_drag_an_activity_to_another_day_and_move_one_by_keyboard(page, live_server, setup):
    from playwright.sync_api import expect

    sign_in(page, live_server.url, "rasa")
    page.goto(f"{live_server.url}{WEEK}")
    tuesday = page.locator("li.calendar-day[data-day='2030-01-08']")
    thursday = page.locator("li.calendar-day[data-day='2030-01-10']")
    item = tuesday.locator(f".calendar-item[data-activity='{setup['call'].pk}']")
    expect(item).to_be_visible()
    drag(page, item.locator("time"), thursday)
    expect(page.locator("#calendar [data-announce]")).to_have_text(
        "Moved: Call Olena, now 2030-01-10 10:30."
    )
    expect(thursday.locator(".calendar-item")).to_contain_text("Call Olena")
    expect(thursday.locator("time")).to_have_attribute("datetime", "2030-01-10T10:30:00+02:00")
    expect(tuesday.locator(".calendar-item")).to_have_count(1)  # only the visit is left

    # the keyboard: open the visit's "Move to…", type a new time, press Enter
    visit = tuesday.locator(f".calendar-item[data-activity='{setup['visit'].pk}']")
    visit.locator("summary").focus()
    page.keyboard.press("Enter")
    field = visit.locator("input[name=due_at]")
    field.fill("2030-01-11T09:15")
    field.press("Enter")
    expect(page.locator("#calendar [data-announce]")).to_have_text(
        "Moved: Visit Olena, now 2030-01-11 09:15."
    )
    friday = page.locator("li.calendar-day[data-day='2030-01-11']")
    expect(friday.locator(".calendar-item a")).to_have_text("Visit Olena")
    expect(friday.locator(".calendar-item a")).to_be_focused()
