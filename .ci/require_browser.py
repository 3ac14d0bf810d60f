"""A pytest plugin for CI: a browser test that skips is a failure (Chromium must be there)."""

from collections.abc import Generator
from typing import Any

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and item.get_closest_marker("browser") is not None:
        report.outcome = "failed"
        report.longrepr = (
            f"Browser tests must run in CI, but this one was skipped: {report.longrepr}"
        )
