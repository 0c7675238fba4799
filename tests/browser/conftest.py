"""One shared browser context (routes set up once); the browser itself is in tests/conftest.py."""

from __future__ import annotations

import pytest

from tests.browser.harness import close_context, new_context


@pytest.fixture(scope="session")
def browser_context(browser):
    context = new_context(browser)
    yield context
    close_context(context)
