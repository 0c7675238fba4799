"""One Chromium for the Jekyll browser tests (the harness is shared with tests/browser)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def jekyll_browser_context():
    from tests.browser.harness import launch, new_context, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        context = new_context(browser)
        yield context
        context.close()
        browser.close()
