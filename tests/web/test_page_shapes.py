"""Every page of the navigation (and each analytics tab) is well formed where no status code
would tell: each table row has as many cells as its header has columns (the acquisition
table once had a "Lead → customer" heading over nothing, every figure after it shifted under
the wrong title), and the title is words, not markup (the profile's once held its whole
calendar-feed section, secret address and all, which browsers keep in their history)."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

from rapport.analytics.refresh import refresh_customers
from rapport.analytics.services import refresh_acquisition
from rapport.demo.staff import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


class Tables(HTMLParser):
    """Each table's header width and its body rows' widths (a cell counts its colspan)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.stack: list[dict] = []
        self.section = ""
        self.row: list[int] | None = None
        self.links: list[str] = []
        self.title = ""
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self.in_title:
            self.title += f"<{tag}>"
        if tag == "title":
            self.in_title = True
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"] or "")
        if tag == "table":
            table = {"id": attributes.get("id") or attributes.get("class") or "", "head": [],
                     "body": [], "spans": False}  # fmt: skip
            self.stack.append(table)
            self.tables.append(table)
        elif not self.stack:
            return
        elif tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            if attributes.get("rowspan"):
                self.stack[-1]["spans"] = True
            self.row.append(int(attributes.get("colspan") or 1))

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if not self.stack:
            return
        if tag == "tr" and self.row is not None:
            width = sum(self.row)
            if self.section == "thead":
                self.stack[-1]["head"].append(width)
            elif self.section != "tfoot":
                self.stack[-1]["body"].append(width)
            self.row = None
        elif tag in ("thead", "tbody", "tfoot"):
            self.section = ""
        elif tag == "table":
            self.stack.pop()


def parsed(client, url: str) -> Tables:
    response = client.get(url)
    assert response.status_code == 200, url
    tables = Tables()
    tables.feed(response.content.decode())
    return tables


@pytest.fixture
def demo(db, client):
    call_command("demo", size="tiny", seed=7, stdout=None, verbosity=0)
    refresh_customers()
    refresh_acquisition()
    assert client.login(username="admin", password=DEMO_PASSWORD)
    return client


def _pages(client) -> list[str]:
    """The navigation's pages and the analytics tabs, as the owner sees them."""
    pages: dict[str, str] = {}  # one page of each shape: /contacts/46/ stands for every contact
    for start in ("/", "/analytics/", "/profile/"):
        for href in parsed(client, start).links:
            path = urlsplit(href).path
            if (
                path.startswith("/")
                and path.endswith("/")
                and not path.startswith(("/static/", "/logout", "/i18n", "/admin"))
            ):
                pages.setdefault(re.sub(r"/\d+/", "/N/", path), path)
    return list(pages.values())


def test_every_row_of_every_table_fills_its_header_and_every_title_is_words(demo):
    pages = _pages(demo)
    assert {"/analytics/", "/analytics/rfm/", "/contacts/", "/orders/", "/profile/"} <= set(pages)

    checked = 0
    for url in pages:
        page = parsed(demo, url)
        title = " ".join(page.title.split())
        assert title.endswith(" · Rapport"), (url, title)
        assert "<" not in title, (url, title)
        assert len(title) <= 80, (url, title)
        for table in page.tables:
            if not table["head"] or table["spans"]:
                continue
            width = table["head"][-1]
            wrong = [w for w in table["body"] if w != width]
            assert not wrong, f"{url} table {table['id']!r}: header {width}, rows {wrong}"
            checked += 1
    assert checked >= 10, pages
