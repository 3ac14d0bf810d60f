"""What browser tests share: a headless Chromium page and signing in (see test_browser.py
for the Chromium flags). Use `browser_page` from a fixture that depends on `live_server` and
creates its records first: Playwright's event loop makes the ORM refuse sync calls."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS

# A browser test module's `pytestmark`.
MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no `chromium` on PATH: install Debian's chromium package to run browser tests",
    ),
]

PASSWORD = "pass-W0rd-123"  # tests.factories.UserFactory's


def browser_page(**context: Any) -> Iterator[Any]:
    """A fresh page in a new browser context (`context`: Playwright's new_context options)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        ctx = browser.new_context(**context)
        ctx.set_default_timeout(15_000)
        yield ctx.new_page()
        browser.close()


def sign_in(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
