"""In a real browser, on a phone-wide screen: import a static segment's members through the
preview (the guessed mapping's check, a corrected mapping checked again, then the import)."""

import pytest

from rapport.accounts.models import Role
from rapport.contacts import services as contacts
from rapport.segments import services
from tests.factories import UserFactory
from tests.web.browser_kit import MARKS, browser_page, sign_in
from tests.web.test_browser_a11y import axe_violations

pytestmark = MARKS

FILE = "Client code,E-mail,Remark\ncrm-1,,first\n,petro@example.com,in\ncrm-9,,unknown\n"


@pytest.fixture
def setup(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    marketer = UserFactory(username="rasa", role=Role.MARKETER)
    contacts.contact_create(actor=marketer, data={"first_name": "Olena", "external_id": "crm-1"})
    petro = contacts.contact_create(
        actor=marketer, data={"first_name": "Petro", "email": "petro@example.com"}
    )
    segment = services.segment_create(
        actor=marketer, data={"name": "Called back", "kind": "static"}
    )
    services.members_add(actor=marketer, segment=segment, contact_ids=[petro.pk])
    upload = tmp_path / "list.csv"
    upload.write_text(FILE)
    return {"segment": segment, "file": str(upload)}


@pytest.fixture
def page(live_server, setup):
    yield from browser_page(viewport={"width": 390, "height": 844})


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_upload_check_correct_the_mapping_and_import(page, live_server, setup):
    from playwright.sync_api import expect

    sign_in(page, live_server.url, "rasa")
    page.goto(f"{live_server.url}/segments/{setup['segment'].pk}/members/import/")
    page.set_input_files("input[type=file]", setup["file"])
    page.get_by_role("button", name="Upload and check").click()

    check = page.locator("#member-check")
    expect(check.locator(".stat")).to_have_text(
        ["3rows", "0would be added", "1already members", "0contacts would be created", "2errors"]
    )
    expect(page.locator("#col_1")).to_have_value("email")
    assert (_fits(page), axe_violations(page)) == (True, [])

    page.select_option("#col_0", "external_id")
    page.get_by_role("button", name="Check again").click()
    expect(check.locator(".stat")).to_have_text(
        ["3rows", "1would be added", "1already members", "0contacts would be created", "1errors"]
    )
    expect(check.locator("table.errors tbody tr")).to_have_text(
        ["4Client codeNo contact you may see has Client code crm-9."]
    )

    page.check("input[name=skip_invalid]")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator(".verdict")).to_contain_text("Imported.")
    expect(page.locator(".stats .stat")).to_have_text(
        ["3rows", "1added to the segment", "1already members", "0contacts created",
         "1skipped", "1errors"]
    )  # fmt: skip
    assert (_fits(page), axe_violations(page)) == (True, [])
    page.get_by_role("link", name="Back to the segment").click()
    expect(page.locator("#member-results")).to_contain_text("Olena")
    expect(page.locator("#member-results")).to_contain_text("Petro")
