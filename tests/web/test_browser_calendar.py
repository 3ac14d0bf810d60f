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
    # htmx wires the new calendar's forms in its settle step: keys typed before that would
    # send the plain form (its fallback: the page again, the result in its messages), a race
    # a loaded CI machine once lost
    page.wait_for_function(
        "pk => 'htmx-internal-data' in document.querySelector("
        "`.calendar-item[data-activity='${pk}'] form`)",
        arg=setup["visit"].pk,
    )
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


@pytest.fixture
def weekly(transactional_db):
    user = UserFactory(username="rasa", role=Role.SALES_MANAGER)
    at = dt.datetime(2030, 1, 8, 10, 30, tzinfo=user.zone)  # Tuesday
    return services.activity_create(
        actor=user,
        data={"subject": "Weekly call", "due_at": at, "recurrence": "FREQ=WEEKLY;COUNT=3"},
    )


@pytest.fixture
def series_page(live_server, weekly):
    yield from browser_page(viewport={"width": 1400, "height": 900})


def test_a_dropped_occurrence_asks_only_this_or_the_following_by_keyboard(
    series_page, live_server, weekly
):
    from playwright.sync_api import expect

    page = series_page
    sign_in(page, live_server.url, "rasa")
    page.goto(f"{live_server.url}{WEEK}")
    tuesday = page.locator("li.calendar-day[data-day='2030-01-08']")
    thursday = page.locator("li.calendar-day[data-day='2030-01-10']")
    item = tuesday.locator(f".calendar-item[data-activity='{weekly.pk}']")
    dialog = page.get_by_role("dialog", name="Move a repeating activity")

    # Escape: nothing moves, the focus is back on the activity
    drag(page, item.locator("time"), thursday)
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Only this one")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(item.locator("a")).to_be_focused()
    expect(thursday.locator(".calendar-item")).to_have_count(0)

    # again, and the keyboard picks "this and the following"
    drag(page, item.locator("time"), thursday)
    expect(dialog.get_by_role("button", name="Only this one")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="This and the following")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#calendar [data-announce]")).to_have_text(
        "Moved: Weekly call and the following occurrences, from 2030-01-10 10:30."
    )
    expect(dialog).to_have_count(0)
    expect(thursday.locator(".calendar-item a")).to_be_focused()
    expect(tuesday.locator(".calendar-item")).to_have_count(0)
    page.goto(f"{live_server.url}/calendar/?view=week&start=2030-01-14")
    expect(page.locator("li.calendar-day[data-day='2030-01-17'] .calendar-item")).to_contain_text(
        "Weekly call"
    )
