"""Pages never lost without a word: every output path is claimed once, and odd sources are refused.

Each case starts from the base site (built once), changes one thing, and
checks the promises of the harness: exit code, a located message, no
traceback, the previous output untouched, and a next build equal to a clean one.
"""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from tests.reliability.harness import Case, tree_files

POST = "content/posts/2024-03-01-mine.md"


@pytest.mark.parametrize(("permalink", "what"), [
    ("/tags/alpha/", "tag page"),
    ("/archive/2023/", "archive page"),
    ("/page/2/", "page 2 of the generated index"),
    ("/assets/theme/style.css", "assets/theme/style.css"),
    ("/.nojekyll", ".nojekyll"),
    ("/feed.xml/", "feed.xml"),
], ids=["tag", "archive-year", "pagination", "theme-asset", "nojekyll", "feed-folder"])
def test_permalink_onto_a_generated_page_is_an_error(base: Case, permalink: str, what: str):
    base.write({POST: f"---\ntitle: Mine\npermalink: {permalink}\n---\nMine.\n"})
    run = base.build()
    base.check_failure(run, base.before, f"error: {POST}:3:", what)
    (base.root / POST).unlink()
    base.check_next_build()


def test_static_file_onto_a_generated_page_is_an_error(base: Case):
    base.write({"content/tags/alpha/index.html": "<p>mine</p>\n"})
    run = base.build()
    base.check_failure(run, base.before, "content/tags/alpha/index.html", "tag page")
    (base.root / "content/tags/alpha/index.html").unlink()
    base.check_next_build()


def test_content_file_onto_a_site_asset_is_an_error(base: Case):
    base.write({"assets/logo.svg": "<svg/>\n", "content/assets/logo.svg": "<svg></svg>\n"})
    run = base.build()
    base.check_failure(run, base.before, "content/assets/logo.svg", "assets/logo.svg")
    (base.root / "content/assets/logo.svg").unlink()
    base.check_next_build()


FIGURE_POST = """---
title: {title}
date: 2024-0{month}-01
permalink: /notes/{name}.html
---
```{{python}}
import matplotlib.pyplot as plt
fig = plt.figure(figsize=({width}, 1))
_ = plt.plot([0, 1], [0, 1])
```
"""


def _figure_sources(page) -> list[str]:
    tree = LexborHTMLParser(page.read_text(encoding="utf-8"))
    return [img.attributes["src"] for img in tree.css("figure.cell-figure img")]


def test_two_posts_in_one_folder_keep_their_own_figures(case: Case):
    case.write({
        "content/posts/a.md": FIGURE_POST.format(title="A", month=1, name="a", width=2),
        "content/posts/b.md": FIGURE_POST.format(title="B", month=2, name="b", width=6),
    })
    run = case.build()
    case.check_success(run)
    out = case.site_out / "notes"
    a, b = _figure_sources(out / "a.html"), _figure_sources(out / "b.html")
    assert len(a) == len(b) == 1 and a != b, (a, b)
    width_a = (out / a[0]).read_text().split('width="', 1)[1].split("pt", 1)[0]
    width_b = (out / b[0]).read_text().split('width="', 1)[1].split("pt", 1)[0]
    assert float(width_a) < float(width_b), "each page must show its own figure"
    case.check_next_build()


def test_two_figure_cells_with_one_label_is_an_error(base: Case):
    base.write({POST: """---
title: Labels
exec: {label: same}
---
```{python}
import matplotlib.pyplot as plt
_ = plt.plot([0, 1])
```

```{python}
plt.figure()
_ = plt.plot([1, 0])
```
"""})
    run = base.build()
    base.check_failure(run, base.before, f"{POST}:11:", "label 'same'")
    base.write({POST: "---\ntitle: Labels\n---\nNo cells now.\n"})
    base.check_next_build()


def test_unreadable_posts_folder_is_an_error(nobody_case: Case):
    from tests.reliability.conftest import BASE
    from tests.reliability.harness import NOBODY

    case = nobody_case
    case.write(BASE)
    case.own()
    before = case.good(user=NOBODY)
    posts = case.root / "content" / "posts"
    posts.chmod(0o000)
    run = case.build(user=NOBODY)
    case.check_failure(run, before, "content/posts", "permission denied")
    posts.chmod(0o755)
    case.check_next_build(user=NOBODY)


def test_editor_backups_and_dot_files_are_not_published(base: Case):
    base.write({
        "content/posts/2024-02-01-second.md~": "---\ntitle: Old draft\ndraft: true\n---\nSecret draft.\n",
        "content/posts/#2024-02-01-second.md#": "---\ntitle: Autosave\n---\nAutosave.\n",
        "content/posts/.2024-02-01-second.md.swp": b"\x00binary swap\x00",
        "content/images/dot.svg~": "<svg/>\n",
        "assets/site.css~": "body{}\n",
    })
    run = base.build()
    base.check_success(run)
    files = tree_files(base.site_out)
    assert not [f for f in files if f.endswith("~") or "#" in f or ".swp" in f], files
    everything = "".join((base.site_out / f).read_text(errors="replace") for f in files)
    assert "Secret draft" not in everything and "Autosave" not in everything
    assert base.out_hash() == base.before
    base.check_next_build()


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_and_utf32_without_bom_are_refused(base: Case, encoding: str):
    base.write({POST: "---\ntitle: Wide\n---\nWide text.\n".encode(encoding)})
    run = base.build()
    base.check_failure(run, base.before, f"error: {POST}:", "UTF-" + encoding.split("-")[1])
    base.write({POST: "---\ntitle: Wide\n---\nWide text.\n"})
    base.check_next_build()


def test_utf16_with_bom_is_refused_with_its_name(base: Case):
    base.write({POST: "---\ntitle: Wide\n---\nWide text.\n".encode("utf-16")})
    run = base.build()
    base.check_failure(run, base.before, f"error: {POST}:", "UTF-16")
    (base.root / POST).unlink()
    base.check_next_build()


LONG = "x" * 300


@pytest.mark.parametrize(("front", "line"), [
    (f"tags: [{LONG}]", 3),
    (f"slug: {LONG}", 3),
    (f"permalink: /notes/{LONG}/", 3),
], ids=["tag", "slug", "permalink"])
def test_a_url_segment_over_255_bytes_is_an_error(base: Case, front: str, line: int):
    base.write({POST: f"---\ntitle: Long\n{front}\n---\nLong.\n"})
    run = base.build()
    base.check_failure(run, base.before, f"error: {POST}:{line}:", "255")
    (base.root / POST).unlink()
    base.check_next_build()


def test_new_with_a_300_character_title(case: Case):
    case.write({"config.yml": "title: New\n"})
    run = case.build("new", "A " + "very " * 60 + "long title")
    assert run.code == 0, run.text
    assert "Traceback" not in run.err
    made = list((case.root / "content" / "posts").glob("*.md"))
    assert len(made) == 1 and len(made[0].name.encode()) <= 255
    assert "very very" in made[0].read_text()
    case.check_next_build("--drafts")
