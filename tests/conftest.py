from __future__ import annotations

from pathlib import Path

import pytest

from generator import BuildOptions, build
from tests.helpers import write_files


@pytest.fixture
def site(tmp_path: Path):
    """``site(files, **options)`` writes a site and builds it; returns (root, report)."""

    def make(files: dict, **options):
        write_files(tmp_path, files)
        report = build(BuildOptions(source=tmp_path, jobs=options.pop("jobs", 1), **options))
        return tmp_path, report

    return make


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session: Playwright's sync API cannot run twice at once."""
    from tests.browser.harness import launch, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
