"""The scholarly layer in headless Chromium: the fixture post with every feature (tests/sites/scholarly),
at desktop and phone widths.

Every cross-reference and citation link lands on its target; the numbers are right; hovering or
focusing a link shows its preview (caption, equation, entry); tabs switch by mouse and keyboard;
callouts, margin notes and asides are visible and inside the screen at both widths, and margin
content sits beside the text on a wide screen.
"""

from __future__ import annotations

import pytest

from tests.browser.harness import close_context, new_context, page_problems, serve, visit
from tests.helpers import html
from tests.scholarly_site import build_post
from tests.scholarly_site import page_problems as layer_problems

pytestmark = pytest.mark.browser

WIDTHS = {"wide": 1400, "desktop": 1100, "phone": 390}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    report, out = build_post(tmp_path_factory.mktemp("scholarly"), "md")
    assert [str(w) for w in report.warnings] == []
    page = out / "posts" / "scholarly-md" / "index.html"
    assert layer_problems(html(page)) == []
    with serve(out) as root:
        yield root + "posts/scholarly-md/", page


@pytest.fixture(scope="module", params=list(WIDTHS))
def opened(request, browser, site):
    url, path = site
    width = WIDTHS[request.param]
    # reduced motion: the theme then jumps to a link's target instead of scrolling smoothly, so each
    # link has landed when the test looks (headless Chromium cut smooth fragment scrolls short here)
    context = new_context(browser, viewport={"width": width, "height": 900}, is_mobile=width < 600,
                          has_touch=width < 600, reduced_motion="reduce")
    with visit(context, url) as v:
        assert page_problems(v, path.read_text(encoding="utf-8")) == []
        yield v.page, request.param, width
    close_context(context)


LINKS = "a.quarto-xref, a[role=doc-biblioref]"


def test_every_reference_lands_on_its_target(opened):
    page, _, _ = opened
    hrefs = page.eval_on_selector_all(LINKS, "links => links.map(a => a.getAttribute('href'))")
    assert len(hrefs) == 19  # 13 cross-references, 6 citation items
    for i, href in enumerate(hrefs):
        # Enter on the focused link follows it as a click does, without the pointer's race with the
        # page's smooth scrolling (the link can move between aiming and pressing)
        page.locator(LINKS).nth(i).focus()
        page.keyboard.press("Enter")
        page.wait_for_function("""href => {
          const el = document.getElementById(decodeURIComponent(href.slice(1)));
          if (!el || location.hash !== href) return false;
          const box = el.getBoundingClientRect();
          return box.top < innerHeight && box.bottom > 0;
        }""", arg=href, timeout=10000)
        landed = page.evaluate("""href => {
          const el = document.getElementById(decodeURIComponent(href.slice(1)));
          if (!el) return "missing";
          const box = el.getBoundingClientRect();
          return [location.hash === href, box.height > 0, box.top < innerHeight && box.bottom > 0];
        }""", href)
        assert landed == [True, True, True], (href, landed)


def test_numbers_and_previews(opened):
    page, _, _ = opened
    page.evaluate("scrollTo(0, 0)")
    link = page.locator('a.quarto-xref[href="#fig-sine"]').first
    assert link.inner_text().replace("\u00a0", " ") == "Figure 1"
    link.hover()
    preview = page.locator("#xref-preview")
    preview.wait_for(state="visible")
    assert "Figure 1: A sine wave" in preview.inner_text().replace("\u00a0", " ")
    assert link.get_attribute("aria-describedby") == "xref-preview"
    page.mouse.move(0, 0)
    preview.wait_for(state="hidden")

    equation = page.locator('a.quarto-xref[href="#eq-mse"]').first
    assert equation.inner_text().replace("\u00a0", " ") == "Equation 1"
    equation.focus()  # the keyboard shows previews too
    preview.wait_for(state="visible")
    assert preview.locator("mjx-container").count() == 1  # the typeset equation, with its tag
    assert "(1)" in preview.inner_text()
    page.keyboard.press("Escape")
    preview.wait_for(state="hidden")

    citation = page.locator('a[role=doc-biblioref][href="#ref-kingma2015"]').first
    citation.hover()
    preview.wait_for(state="visible")
    assert "Adam: A Method for Stochastic Optimization" in preview.inner_text()
    box, screen = preview.bounding_box(), page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= screen["width"] + 1


def test_tabs_switch_with_mouse_and_keyboard(opened):
    page, _, _ = opened
    tabs = page.locator(".panel-tabset [role=tab]")
    panels = page.locator(".panel-tabset [role=tabpanel]")
    assert [tabs.nth(i).inner_text() for i in range(2)] == ["Python", "Math"]
    assert panels.nth(0).is_visible() and not panels.nth(1).is_visible()
    tabs.nth(1).click()
    assert panels.nth(1).is_visible() and not panels.nth(0).is_visible()
    assert tabs.nth(1).get_attribute("aria-selected") == "true"
    tabs.nth(1).focus()
    page.keyboard.press("ArrowRight")  # wraps around to the first tab
    assert panels.nth(0).is_visible() and not panels.nth(1).is_visible()
    assert page.evaluate("document.activeElement.textContent") == "Python"
    page.keyboard.press("End")
    assert panels.nth(1).is_visible()
    assert panels.nth(1).locator("mjx-container").count() == 1


def test_callouts_and_margin_content_are_visible(opened):
    page, name, width = opened
    for selector in (".callout-note", ".callout-warning", ".callout-important", ".callout-caution",
                     ".column-margin", "span.aside", ".margin-note"):
        element = page.locator(selector).first
        element.scroll_into_view_if_needed()
        box = element.bounding_box()
        assert box is not None and box["width"] > 0 and box["height"] > 0, selector
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (selector, box)
    collapsed = page.locator("details.callout-tip")
    assert not collapsed.locator(".callout-body").is_visible()
    collapsed.locator("summary").click()
    assert collapsed.locator(".callout-body").is_visible()
    text = page.locator(".content").bounding_box()
    margin = page.locator("div.column-margin").bounding_box()
    if name == "wide":   # beside the text
        assert margin["x"] >= text["x"] + text["width"] - 1
    else:                # within the text column
        assert margin["x"] + margin["width"] <= text["x"] + text["width"] + 1
