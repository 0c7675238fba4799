"""The reader's side in headless Chromium, on tests/sites/reader (a site using every feature):
no serious accessibility violations in light and dark mode, search with tag filters, the copy
button, the dark figure variant, and keyboard access to what scrolls.

The example site's own accessibility and search tests are in tests/test_example_site.py.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from generator import BuildOptions, build
from tests.browser.harness import axe_violations, close_context, new_context, page_urls, serve, visit
from tests.helpers import PROJECT

pytestmark = pytest.mark.browser

READER = PROJECT / "tests" / "sites" / "reader"


@pytest.fixture(scope="module")
def reader_site(tmp_path_factory):
    """The reader fixture site built at / (its one cell runs): the output folder."""
    root = tmp_path_factory.mktemp("reader-browser") / "site"
    shutil.copytree(READER, root, ignore=shutil.ignore_patterns(".cache", "_site*"))
    now = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
    return build(BuildOptions(source=root, jobs=1, now=now)).out_dir


def accessibility_problems(browser, out, base: str = "/") -> dict[str, list[str]]:
    """axe-core's serious and critical violations on every page, in light and in dark mode,
    after MathJax and Mermaid have drawn (one page per colour scheme, visited in turn)."""
    problems: dict[str, list[str]] = {}
    for scheme in ("light", "dark"):
        context = new_context(browser, color_scheme=scheme)
        try:
            page = context.new_page()
            with serve(out, base) as root:
                for url, _ in page_urls(out, root):
                    with visit(page, url) as v:
                        found = ([f"rendering did not finish: {v.render_error}"] if v.render_error
                                 else axe_violations(page))
                        if found:
                            problems[f"{scheme} {url}"] = found
        finally:
            close_context(context)
    return problems


def test_no_serious_accessibility_violations_in_light_or_dark(reader_site, browser):
    problems = accessibility_problems(browser, reader_site)
    assert not problems, "\n".join(f"{url}:\n  " + "\n  ".join(p) for url, p in problems.items())


def test_axe_sees_a_violation(tmp_path, browser_context):
    """The accessibility check must see a real problem (else the test above could pass vacuously)."""
    (tmp_path / "content" / "posts").mkdir(parents=True)
    (tmp_path / "content" / "posts" / "a.md").write_text(
        "---\ntitle: A\ndate: 2024-01-01\n---\n<p style=\"color:#bbb\">faint text</p>\n\n<input type=\"text\">\n")
    out = build(BuildOptions(source=tmp_path, jobs=1)).out_dir
    with serve(out) as root, visit(browser_context, root + "posts/a/") as v:
        found = "\n".join(axe_violations(v.page))
    assert "serious color-contrast" in found and "critical label" in found


def search(page, word: str) -> list[dict]:
    """Type ``word`` in the header's box (reached with "/") and return the results shown."""
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "search-input"
    page.keyboard.type(word)
    page.wait_for_selector("#search-results .search-result", timeout=20_000)
    return page.evaluate("""() => Array.from(document.querySelectorAll('#search-results .search-result'), li => ({
        title: li.querySelector('.search-link').textContent, href: li.querySelector('.search-link').href,
        date: (li.querySelector('.search-date') || {}).textContent || '',
        marked: Array.from(li.querySelectorAll('mark'), m => m.textContent.toLowerCase()) }))""")


def test_search_with_a_tag_filter(reader_site, browser_context):
    with serve(reader_site) as root, visit(browser_context, root + "about/") as v:
        page = v.page
        results = search(page, "momentum")
        assert results[0]["title"] == "Momentum and friends" and results[0]["date"] == "February 1, 2024"
        assert "momentum" in results[0]["marked"]
        # math and code are indexed as text
        page.fill("#search-input", "")
        assert any(r["title"] == "Descent basics" for r in search(page, "lr"))
        page.fill("#search-input", "optimizer")
        page.wait_for_selector(".search-filter")
        filters = page.evaluate("() => Array.from(document.querySelectorAll('.search-filter'), b => b.textContent)")
        assert any(f.startswith("math") for f in filters) and any(f.startswith("optimization") for f in filters)
        page.fill("#search-input", "")
        page.click("body")
        page.fill("#search-input", "the")
        page.wait_for_selector(".search-filter")
        page.click(".search-filter >> text=/^math/")
        page.wait_for_function("() => document.querySelector('.search-filter[aria-pressed=true]') !== null")
        page.wait_for_function("() => document.querySelectorAll('#search-results .search-result').length === 1")
        assert page.text_content("#search-results .search-link") == "Momentum and friends"
        page.keyboard.press("Escape")
        assert page.is_hidden("#search-results")


def test_the_copy_button_copies_the_code_without_prompts_or_output(reader_site, browser):
    context = new_context(browser, permissions=["clipboard-read", "clipboard-write"])
    try:
        with serve(reader_site) as root, visit(context, root + "posts/descent-basics/") as v:
            page = v.page
            buttons = page.locator("button.copy-code")
            assert buttons.count() == 2
            buttons.nth(0).click()
            page.wait_for_function("() => document.querySelector('button.copy-code').textContent === 'Copied'")
            assert page.evaluate("() => navigator.clipboard.readText()") == "w = 2.0\nw - 0.1 * 4.0"
            buttons.nth(1).click()
            copied = page.evaluate("() => navigator.clipboard.readText()")
            assert copied == "def step(w, grad, lr=0.1):\n    return w - lr * grad"  # no line numbers
            assert page.text_content(".copy-status") == "Copied"  # said to screen readers too
    finally:
        close_context(context)


VISIBLE_FIGURE = """() => Array.from(document.querySelectorAll('figure.cell-figure img'))
    .filter(img => getComputedStyle(img).display !== 'none').map(img => img.currentSrc.split('/').pop())"""


def test_dark_mode_shows_the_dark_figure(reader_site, browser):
    contexts = {scheme: new_context(browser, color_scheme=scheme) for scheme in ("light", "dark")}
    try:
        with serve(reader_site) as root:
            with visit(contexts["dark"], root + "posts/momentum/") as v:
                assert v.page.evaluate(VISIBLE_FIGURE) == ["cell1-1-dark.svg"]
            with visit(contexts["light"], root + "posts/momentum/") as v:
                assert v.page.evaluate(VISIBLE_FIGURE) == ["cell1-1.svg"]
                v.page.click(".theme-toggle")  # the reader's choice wins over the system's
                assert v.page.evaluate(VISIBLE_FIGURE) == ["cell1-1-dark.svg"]
    finally:
        for context in contexts.values():
            close_context(context)


def test_what_scrolls_is_reachable_by_keyboard(reader_site, browser_context):
    with serve(reader_site) as root, visit(browser_context, root + "posts/momentum/") as v:
        page = v.page
        assert page.get_attribute("main table", "tabindex") == "0"  # wider than the page
        link = page.locator("mjx-container[role=link]")
        assert link.count() == 1 and link.get_attribute("tabindex") == "0"
        assert link.get_attribute("aria-label") == "Equation (1)"
        assert page.evaluate("() => Array.from(document.querySelectorAll('[aria-hidden=true] a[href]'))"
                             ".every(a => a.tabIndex === -1)")
        link.focus()
        page.keyboard.press("Enter")
        assert page.evaluate("() => decodeURIComponent(location.hash)") == "#mjx-eqn:eq:velocity"
        # the skip link is the first stop and moves focus to the content
        page.goto(root + "posts/momentum/")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.className") == "skip"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "content"
