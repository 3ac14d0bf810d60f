"""The cohort, forecast, cross-sell, manager and refresh pages in a real browser, on a laptop
and a phone: no page wider than the screen, the forecast chart drawn, no axe violations, and
a heatmap cell that lands on the customers behind it. Screenshots go to
$RAPPORT_SCREENSHOTS when it is set (to look at them)."""

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from rapport.accounts.models import Role
from rapport.analytics.refresh import refresh_customers
from rapport.catalog.models import Category, Product
from rapport.contacts import services as contacts
from rapport.sales import services as sales
from rapport.sales.models import Lead
from tests.factories import TeamFactory, UserFactory, make_pipeline
from tests.web.test_browser_a11y import AXE, axe_violations, open_page
from tests.web.test_browser_a11y import browser as browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.environ.get("RAPPORT_CHROMIUM") and not __import__("shutil").which("chromium"),
        reason="no `chromium` on PATH: install Debian's chromium package to run browser tests",
    ),
    pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed: run `npm install`"),
]

AS_OF = dt.date(2026, 11, 30)
PAGES = {
    "cohorts": "/analytics/cohorts/",
    "cohort-revenue": "/analytics/cohorts/?metric=revenue",
    "forecast": "/analytics/forecast/",
    "cross-sell": "/analytics/cross-sell/",
    "managers": "/analytics/managers/",
    "refresh": "/analytics/refresh/status/",
}


@pytest.fixture
def world(transactional_db):
    """Two years of a small agency: 24 customers of two managers buying tours (more in
    summer) with insurance now and then, and a refresh as of 2026-11-30. Made before
    Playwright starts: its event loop makes the ORM refuse sync calls."""
    north = TeamFactory(name="North")
    UserFactory(username="root", role=Role.ADMIN)
    managers = [
        UserFactory(username="oksana", role=Role.SALES_MANAGER, team=north,
                    first_name="Oksana", last_name="Melnyk"),
        UserFactory(username="jonas", role=Role.SALES_MANAGER, team=north,
                    first_name="Jonas", last_name="Kazlauskas"),
    ]  # fmt: skip
    tours, extras = Category.objects.create(name="Tours"), Category.objects.create(name="Extras")
    eur = {"currency": "EUR"}
    crete = Product.objects.create(name="Crete, 7 nights", category=tours, price=900, **eur)
    rome = Product.objects.create(name="Rome city break", category=tours, price=600, **eur)
    cover = Product.objects.create(
        name="Travel insurance", category=extras, kind="addon", price=40, **eur
    )
    for k in range(24):
        owner = managers[k % 2]
        who = contacts.contact_create(
            actor=owner, data={"first_name": f"Customer{k:02d}", "email": f"c{k}@example.lt"}
        )
        first = dt.date(2024, 12, 1) + dt.timedelta(days=31 * (k % 12))
        for n in range(1 + k % 4):
            day = first + dt.timedelta(days=150 * n + 7 * (k % 5))
            if day > AS_OF:
                break
            tour = crete if day.month in (5, 6, 7, 8, 9) else rome
            lines = [{"product": tour.pk, "quantity": 1, "unit_price": str(tour.price)}]
            if (k + n) % 3 == 0:
                lines.append({"product": cover.pk, "quantity": 1, "unit_price": "40"})
            sales.order_create(
                actor=owner, contact=who, currency="EUR", lines=lines,
                order_date=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
            )  # fmt: skip
    # this month, Oksana turns a lead into a won deal: the league table has a trend to show
    pipeline = make_pipeline()
    lead = sales.lead_capture(data={"email": "ona@example.lt"}, source=None).lead
    Lead.objects.filter(pk=lead.pk).update(owner=managers[0])
    lead.refresh_from_db()
    won = sales.lead_convert(actor=managers[0], lead=lead, amount="1500", currency="EUR")
    sales.deal_move_stage(actor=managers[0], deal=won.deal, stage=pipeline.stages.get(kind="won"))
    refresh_customers(as_of=AS_OF)
    return {"crete": crete.pk}


def _fits_the_screen(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", [1366, 375])
def test_the_pages_fit_the_screen_and_pass_axe(browser, live_server, world, width):
    page = open_page(browser, live_server, "root", "desktop" if width > 800 else "phone")
    page.set_viewport_size({"width": width, "height": 800})
    viewport = f"{width}px"
    shots = os.environ.get("RAPPORT_SCREENSHOTS")
    found: dict[str, object] = {}
    too_wide = []
    for name, path in {**PAGES, "product": f"/products/{world['crete']}/"}.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{shots}/{name}-{viewport}.png", full_page=True)
        if not _fits_the_screen(page):
            too_wide.append(name)
        if violations := axe_violations(page):
            found[name] = violations

    assert too_wide == []
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


def test_the_forecast_chart_is_drawn(browser, live_server, world):
    page = open_page(browser, live_server, "root")
    page.goto(f"{live_server.url}/analytics/forecast/")

    box = page.locator("#forecast-chart").bounding_box()
    drawn = page.evaluate("() => Chart.getChart('forecast-chart').data.datasets.length")

    assert box is not None
    assert (box["width"] > 300, box["height"] > 200) == (True, True)
    assert drawn == 7  # two bands (lower + upper each), history, forecast, pipeline


def test_a_heatmap_cell_lands_on_its_customers(browser, live_server, world):
    page = open_page(browser, live_server, "oksana")
    page.goto(f"{live_server.url}/analytics/cohorts/?metric=customers")

    cell = page.locator("#cohort-table tbody tr").first.locator("td.heat a").first
    expected = int(cell.inner_text())
    cell.click()
    page.wait_for_url(re.compile(r"/contacts/\?cohort=\d{4}-\d{2}&bought_in=\d{4}-\d{2}$"))

    assert expected > 0
    assert page.locator("#contact-results tbody tr").count() == expected
