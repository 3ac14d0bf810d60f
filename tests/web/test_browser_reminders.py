"""In a real browser: plan a meeting with a reminder, see the bell pick it up without a
reload when the reminder is delivered, open it from the notifications page and complete it;
on a phone-width screen."""

import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import pytest

from rapport.accounts.models import Role
from tests.factories import UserFactory
from tests.web.browser_kit import MARKS, browser_page, sign_in

pytestmark = MARKS
VILNIUS = ZoneInfo("Europe/Vilnius")


@pytest.fixture
def setup(transactional_db):
    # Created before Playwright starts: its event loop makes the ORM refuse sync calls.
    return UserFactory(
        username="oksana", role=Role.SALES_MANAGER, time_zone="Europe/Vilnius", language="en"
    )


@pytest.fixture
def phone(live_server, setup):
    yield from browser_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)


def _deliver_at(moment: dt.datetime) -> None:
    """Run the reminder job as at `moment`, in a thread of its own (the ORM refuses calls from
    the thread Playwright's event loop runs in)."""
    from rapport.activities.services.reminders import deliver_due

    sent: list[int] = []
    worker = threading.Thread(target=lambda: sent.append(deliver_due(moment).sent))
    worker.start()
    worker.join()
    assert sent == [1]


def test_plan_a_meeting_see_its_reminder_in_the_bell_and_complete_it(phone, live_server):
    from playwright.sync_api import expect

    page = phone
    sign_in(page, live_server.url, "oksana")
    bell = page.locator("#bell")
    expect(bell).to_have_attribute("aria-label", "Notifications: 0 unread")

    day = (dt.datetime.now(VILNIUS) + dt.timedelta(days=1)).date()
    page.goto(f"{live_server.url}/activities/new/")
    page.select_option("#id_kind", "meeting")
    page.fill("#id_subject", "Tour plans with Olena")
    page.fill("#id_due_date", day.isoformat())
    page.fill("#id_due_time", "10:00")
    page.fill("#id_time_zone", "Europe/Vilnius")
    page.check("input[name=reminders][value='15']")
    page.get_by_role("button", name="Plan").click()
    expect(page).to_have_url(re.compile(r"/activities/\d+/$"))
    detail = page.url

    due = dt.datetime.combine(day, dt.time(10, 0), tzinfo=VILNIUS)
    _deliver_at(due - dt.timedelta(minutes=15))

    # no reload: the bell's 30-second poll brings the count
    expect(bell).to_have_attribute("aria-label", "Notifications: 1 unread", timeout=45_000)
    expect(bell.locator(".bell-count")).to_have_text("1")
    bell.click()
    note = page.get_by_role(
        "link", name="Meeting with Tour plans with Olena at 10:00 (in 15 minutes)"
    )
    expect(note).to_be_visible()
    note.click()
    expect(page).to_have_url(detail)
    expect(bell).to_have_attribute("aria-label", "Notifications: 0 unread")

    page.fill("textarea[name=outcome]", "Agreed on Crete in June")
    page.get_by_role("button", name="Mark done").click()
    expect(page.locator(".messages")).to_contain_text("Done: Tour plans with Olena.")
    expect(page.locator("main .badge.activity-done")).to_have_text("Done")
