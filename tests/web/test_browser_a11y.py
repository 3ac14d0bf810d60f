"""Accessibility in a real browser: axe-core over the main pages on a laptop and a phone, and
what a keyboard user does on search, the board and consents (Playwright + Debian's Chromium)."""

import json
import re
from pathlib import Path

import pytest

from rapport.accounts.models import Role
from rapport.contacts import services as contacts
from rapport.sales import services as sales
from rapport.sales.models import LeadSource, Stage
from tests.factories import UserFactory, make_pipeline
from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS

AXE = Path(__file__).resolve().parents[2] / "node_modules/axe-core/axe.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no `chromium` on PATH: install Debian's chromium package to run browser tests",
    ),
    pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed: run `npm install`"),
]

VIEWPORTS = {"desktop": (1366, 768), "phone": (390, 844)}


@pytest.fixture
def world(transactional_db):
    """A manager with a customer who has an order, a deal, a lead; an admin for the settings.
    Made before Playwright starts: its event loop makes the ORM refuse sync calls."""
    make_pipeline()
    manager = UserFactory(username="oksana", role=Role.SALES_MANAGER)
    UserFactory(username="root", role=Role.ADMIN)
    olena = contacts.contact_create(
        actor=manager,
        data={"first_name": "Olena", "last_name": "Koval", "email": "olena@example.com"},
    )
    deal = sales.deal_create(
        actor=manager, data={"title": "Crete for two", "contact": olena.pk, "amount": "1500"}
    )
    sales.order_create(actor=manager, contact=olena, currency="EUR", total="120")
    source = LeadSource.objects.create(name="Website", kind=LeadSource.Kind.WEBSITE)
    lead = sales.lead_capture(
        actor=manager, data={"first_name": "Taras", "email": "t@example.com"}, source=source
    ).lead
    offer = Stage.objects.get(name="Offer sent")
    return {"contact": olena.pk, "lead": lead.pk, "deal": deal.pk, "offer": offer.pk}


@pytest.fixture
def browser(live_server, world):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def open_page(browser, live_server, username, viewport="desktop"):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-W0rd-123")
    page.click("main form button[type=submit]")
    # home, or "my day" for sales managers and service agents
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/(my-day/)?$"))
    return page


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3], v["help"]) for v in result["violations"]
    ]


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_main_pages_have_no_axe_violations(browser, live_server, world, viewport):
    pages = {
        "home": "/",
        "contact list": "/contacts/",
        "360° page": f"/contacts/{world['contact']}/",
        "lead list": "/leads/",
        "lead": f"/leads/{world['lead']}/",
        "board": "/pipeline/",
        "order form": "/orders/new/",
        "analytics": "/analytics/",
        "import": "/imports/",
        "profile": "/profile/",
        "search": "/search/?q=ol",
        "404": "/no-such-page/",
    }
    page = open_page(browser, live_server, "root", viewport)
    found = {}
    for name, path in pages.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        if violations := axe_violations(page):
            found[name] = violations
    # the phone menu, open
    if viewport == "phone":
        page.goto(f"{live_server.url}/contacts/")
        page.click(".navmenu > summary")
        if violations := axe_violations(page):
            found["open menu"] = violations

    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)


# Elements reaching past the screen's right edge, outside any box that scrolls sideways (the
# profile's token table was cut off at the edge: the page did not scroll, the table did not).
CUT_OFF = """(w) => {
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const out = [];
  for (const el of document.querySelectorAll('main *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= w + 1 || el.closest('.visually-hidden')) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    let box = el.parentElement;
    while (box && box !== document.body && !scrolls(box)) box = box.parentElement;
    if (!box || box === document.body) out.push(el.tagName + '.' + el.className);
  }
  return out.slice(0, 5);
}"""


def test_on_a_phone_no_page_scrolls_sideways(browser, live_server, world):
    # wide tables scroll inside their own box; the page itself stays as wide as the screen
    # (a visually hidden table heading once widened the jobs page to 693 px)
    page = open_page(browser, live_server, "root", "phone")
    wide = {}
    for path in (
        "/", "/contacts/", f"/contacts/{world['contact']}/", "/leads/", "/orders/",
        "/products/", "/complaints/", "/segments/", "/campaigns/", "/scenarios/",
        "/analytics/", "/analytics/rfm/", "/analytics/forecast/", "/analytics/managers/",
        "/jobs/", "/imports/", "/profile/", "/my-day/", "/calendar/", "/activities/",
    ):  # fmt: skip
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > VIEWPORTS["phone"][0]:
            wide[path] = width
        if cut := page.evaluate(CUT_OFF, VIEWPORTS["phone"][0]):
            wide[path] = cut

    assert wide == {}


def test_on_a_phone_every_card_of_the_360_page_is_as_wide_as_the_page(browser, live_server, world):
    page = open_page(browser, live_server, "oksana", "phone")
    page.goto(f"{live_server.url}/contacts/{world['contact']}/")
    page.wait_for_load_state("networkidle")

    widths = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.c360 article')]
             .map(a => [a.id || a.querySelector('h2')?.textContent, Math.round(a.offsetWidth)]))"""
    )

    # short cards (no complaints, nothing planned) once shrank to their text
    assert len(widths) >= 6, widths
    assert len(set(widths.values())) == 1, widths


def focused(page):
    return page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")


def test_skip_link_is_the_first_stop_and_jumps_to_the_content(browser, live_server):
    page = open_page(browser, live_server, "oksana")

    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    box = skip.bounding_box()
    page.keyboard.press("Enter")

    assert box["y"] >= 0  # visible once focused
    assert page.evaluate("() => document.activeElement.id") == "content"


def test_phone_menu_opens_with_the_keyboard(browser, live_server):
    from playwright.sync_api import expect

    page = open_page(browser, live_server, "oksana", "phone")
    assert page.locator("ul.mainnav").is_hidden()
    page.locator(".navmenu > summary").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".navmenu a[href='/leads/']")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/contacts/$"))


def test_search_with_the_keyboard(browser, live_server, world):
    from playwright.sync_api import expect

    page = open_page(browser, live_server, "oksana")
    for _ in range(4):  # skip link, brand, then the search box
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "global-q":
            break
    assert page.evaluate("() => document.activeElement.id") == "global-q"

    page.keyboard.type("olena")
    expect(page.locator("#search-panel")).to_contain_text("Olena Koval")
    expect(page.locator("#announcer")).to_have_text(re.compile(r"^\d+ results?$"))
    page.keyboard.press("Tab")
    assert "Olena Koval" in focused(page)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/contacts/{world['contact']}/$"))


def test_move_a_card_with_the_keyboard_keeps_the_focus_on_it(browser, live_server, world):
    from playwright.sync_api import expect

    page = open_page(browser, live_server, "oksana")
    page.goto(f"{live_server.url}/pipeline/")
    card = f"#deal-{world['deal']}"
    page.locator(f"{card} details.move > summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the stage
    page.keyboard.press("ArrowDown")  # Enquiry → Offer sent
    page.keyboard.press("Tab")  # the lost reason
    page.keyboard.press("Tab")  # Move
    page.keyboard.press("Enter")

    expect(page.locator(f"[data-stage='{world['offer']}'] {card}")).to_be_visible()
    expect(page.locator(f"{card} a.deal-title")).to_be_focused()


def test_grant_a_consent_with_the_keyboard_and_hear_it(browser, live_server, world):
    from playwright.sync_api import expect

    page = open_page(browser, live_server, "oksana")
    page.goto(f"{live_server.url}/contacts/{world['contact']}/")
    page.evaluate("htmx.config.defaultSettleDelay = 500")  # a slow machine's settle, made sure
    page.locator("table.consents tbody tr:first-child button", has_text="Grant").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("form.consent-form")).to_be_focused()
    # the form takes the focus only once htmx has wired it up (its settle step): keys typed at
    # once must not bypass htmx and submit the plain form (a race CI once lost)
    assert page.evaluate("'htmx-internal-data' in document.querySelector('form.consent-form')")
    for _ in range(4):  # channel, purpose, status, source
        page.keyboard.press("Tab")
    page.keyboard.type("phone call")
    page.keyboard.press("Tab")  # evidence
    page.keyboard.press("Tab")  # Record consent
    page.keyboard.press("Enter")

    expect(page.locator("#announcer")).to_have_text("Consent recorded: E-mail, Marketing: Granted.")
    expect(page.locator("table.consents .state[data-focus]")).to_be_focused()
    expect(page.locator("table.consents .state[data-focus]")).to_have_text("Granted")
