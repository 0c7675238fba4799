"""A post using the whole scholarly layer, built through the public API, as .md and as .qmd."""

from __future__ import annotations


from tests.helpers import html
from tests.scholarly_site import build_post, page_problems


def _page(out, slug):
    return html(out / "posts" / slug / "index.html")


def test_md_post_with_every_feature_builds_cleanly(tmp_path):
    report, out = build_post(tmp_path, "md")
    assert [str(w) for w in report.warnings] == []
    tree = _page(out, "scholarly-md")
    assert page_problems(tree) == []
    head = tree.css_first("head").html
    assert "/assets/theme/scholarly.css" in head
    assert tree.css_first('script[src="/assets/theme/scholarly.js"]') is not None
    assert tree.css_first(".subtitle").text() == "Every feature, in a .md post"
    citation = tree.css_first("a[role=doc-biblioref]").text()
    assert citation == "Kingma and Ba 2015"  # the default style, Chicago author-date


def test_pages_without_the_layer_do_not_load_its_files(tmp_path):
    root = tmp_path / "plain"
    (root / "content" / "posts").mkdir(parents=True)
    (root / "content" / "posts" / "2024-01-01-plain.md").write_text("---\ntitle: Plain\n---\n\nJust text.\n")
    from generator import BuildOptions, build

    build(BuildOptions(source=root, out=root / "_site", jobs=1))
    page = (root / "_site" / "posts" / "plain" / "index.html").read_text()
    assert "scholarly" not in page


def test_qmd_post_with_every_feature_builds_cleanly(tmp_path):
    report, out = build_post(tmp_path, "qmd")
    assert [str(w) for w in report.warnings] == []
    tree = _page(out, "scholarly-qmd")
    assert page_problems(tree) == []
    assert [t.text() for t in tree.css(".meta .tag")] == ["optimization", "quarto"]  # categories
    description = tree.css_first('meta[name="description"]').attributes["content"]
    assert description.startswith("Cross-references, citations")
    assert tree.css_first("details.code-fold > summary").text() == "Show the code"
    assert tree.css_first("a[role=doc-biblioref]").text() == "Kingma & Ba, 2015"  # csl: apa
