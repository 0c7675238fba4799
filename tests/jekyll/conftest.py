"""A browser context for the Jekyll browser tests (the browser is shared: tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def jekyll_browser_context(browser):
    from tests.browser.harness import close_context, new_context

    context = new_context(browser)
    yield context
    close_context(context)
