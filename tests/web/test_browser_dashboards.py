"""The RFM grid in a real browser: a cell's number leads to the contact list holding exactly
that cell's customers."""

import pytest

from tests.analytics import dashboard_world
from tests.web.browser_kit import MARKS, browser_page, sign_in

pytestmark = MARKS


@pytest.fixture
def world(transactional_db, users):
    # Created and refreshed before Playwright starts: its event loop makes the ORM refuse
    # sync calls.
    from rapport.analytics.models import CustomerMetrics

    people = dashboard_world.build(users)
    metrics = CustomerMetrics.objects.get(contact=people["Ona"])
    cell = (metrics.r_score, metrics.f_score)
    same_cell = CustomerMetrics.objects.filter(r_score=cell[0], f_score=cell[1])
    names = sorted(same_cell.values_list("contact__first_name", flat=True))
    return {"cell": cell, "names": names}


@pytest.fixture
def page(live_server, world):
    yield from browser_page(viewport={"width": 1280, "height": 900})


def test_click_an_rfm_cell_and_land_on_its_customers(page, live_server, world):
    from playwright.sync_api import expect

    r, f = world["cell"]
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/analytics/rfm/")
    cell = page.locator(f"#rfm-grid td[data-r='{r}'][data-f='{f}']")
    expect(cell.locator("a.count")).to_have_text(str(len(world["names"])))

    cell.locator("a.count").click()

    page.wait_for_url(f"**/contacts/?r_score={r}&f_score={f}")
    rows = page.locator("#contact-results tbody tr td:first-child a")
    expect(rows).to_have_count(len(world["names"]))
    shown = sorted(name.split(" ")[0] for name in rows.all_inner_texts())
    assert shown == world["names"]
    # the filter the link set stays on the page's filter bar, so it can be seen and cleared
    expect(page.locator("#contact-filters input[name=r_score]")).to_have_value(str(r))
