"""One headless Chromium for the whole test session, and one shared context (routes set up once)."""

from __future__ import annotations

import pytest

from tests.browser.harness import close_context, launch, new_context, require_browser


@pytest.fixture(scope="session")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def browser_context(browser):
    context = new_context(browser)
    yield context
    close_context(context)
