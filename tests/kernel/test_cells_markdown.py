"""The Markdown side of cells: parsing, the program, and rendering with fake results."""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from exec_testutils import PROJECT_ROOT
from generator.errors import BuildError
from generator.kernel import CellResult, Output, PostResult, resolve_defaults
from generator.markdown.cells import cells_plugin, extract_program, repro_note_html

FIXTURES = PROJECT_ROOT / "tests" / "fixtures"


def image(filename: str, mime: str) -> Output:
    return Output("image", file=Path("/cache") / filename, filename=filename, mime=mime)


# Results keyed by fixture title: what execute_posts would have returned.
FAKE = {
    "outputs": ([("ran", [Output("stream", "a < b\n", "stdout"),
                          Output("stream", "warning & more\n", "stderr"),
                          Output("text", "[1, 2]"),
                          Output("html", "<table><tr><td>1</td></tr></table>"),
                          Output("error", "Traceback (most recent call last):\nValueError: <bad>\n")])], []),
    "figures": ([("ran", [image("fig-fit-1.svg", "image/svg+xml"), image("fig-fit-2.png", "image/png"),
                          image("fig-fit-3.gif", "image/gif")])], []),
    "display-options": ([("ran", [Output("text", "shown output")]),
                         ("ran", [Output("text", "not shown")]),
                         ("ran", [Output("text", "never shown")])], []),
    "inline": ([("cached", [])], ["0.1235", "<b>"]),
    "missing": ([("missing", [])], []),
    "skipped": ([("skipped", [])], []),
}


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark").use(cells_plugin)


def fake_result(tokens, title: str) -> PostResult | None:
    if title not in FAKE:
        return None
    cells, _ = extract_program(tokens)
    spec, inline = FAKE[title]
    results = []
    for cell, (status, outputs) in zip(cells, spec, strict=True):
        reason = "not executed (no-exec mode) and no valid cached output: no cache entry" \
            if status == "missing" else status
        results.append(CellResult(cell.index, status, reason, outputs, dict(cell.options)))
    return PostResult(results, inline, repro={}, warnings=[], files_read={}, fingerprint="f")


@pytest.mark.param_file(FIXTURES / "cells.md")
def test_render(file_params):
    md = parser()
    tokens = md.parse(file_params.content)
    env = {}
    result = fake_result(tokens, file_params.title)
    if result is not None:
        env["exec"] = result
    file_params.assert_expected(md.renderer.render(tokens, md.options, env), rstrip_lines=True)


def test_tokens_carry_options_code_and_lines():
    tokens = parser().parse("Intro `{python} a` here.\n\n```{python}\n#| echo: false\n#| fig-cap: Cap\nx = 1\n```\n\n"
                            "Then\n`{python} x + 1`.\n")
    [cell] = [t for t in tokens if t.type == "exec_cell"]
    assert cell.meta == {"index": 0, "options": {"echo": False, "fig-cap": "Cap"}, "code": "x = 1\n",
                         "line": 6, "problems": [], "option_lines": {"echo": 4, "fig-cap": 5}}
    inline = [c for t in tokens if t.type == "inline" for c in t.children if c.type == "exec_inline"]
    assert [c.meta for c in inline] == [
        {"index": 0, "expr": "a", "line": 1, "cells_before": 0},
        {"index": 1, "expr": "x + 1", "line": 10, "cells_before": 1}]


def test_program_merges_defaults_and_offsets_lines():
    tokens = parser().parse("```{python}\n#| timeout: 5\na = 1\n```\n\n`{python} a`\n\n"
                            "```{python}\n#| eval: false\nb = 2\n```\n")
    defaults = resolve_defaults({"timeout": 60, "echo": False}, {"timeout": 120, "seed": 7})
    assert defaults.seed == 7
    cells, inline = extract_program(tokens, line_offset=4, defaults=defaults, path="p.md")
    assert [(c.index, c.source, c.line, c.options["timeout"], c.options["echo"], c.options["eval"])
            for c in cells] == [(0, "a = 1", 7, 5, False, True), (1, "b = 2", 14, 120, False, False)]
    assert [(i.expr, i.line, i.cells_before) for i in inline] == [("a", 10, 1)]


def test_invalid_options_are_errors_unknown_ones_warnings():
    """An unknown option is a warning (Quarto knows options that mean nothing here); a bad value
    of a known one stops the build.  Both name the line."""
    env: dict = {}
    tokens = parser().parse("# T\n\n```{python}\n#| echo: false\n#| fig-caption: X\n#| timeout: soon\nx = 1\n```\n",
                            env)
    with pytest.raises(BuildError) as info:
        extract_program(tokens, line_offset=3, path="content/posts/x.md")
    [error] = info.value.errors
    assert str(error) == ("content/posts/x.md:9: option 'timeout' must be a positive number "
                          "of seconds, not 'soon'")
    [(line, message, hint)] = env["diagnostics"]
    assert (line + 1 + 3, message) == (8, "unknown cell option 'fig-caption' (ignored)")
    assert hint.startswith("did you mean 'fig-cap'? valid options: echo, output, eval, include, error, label")


def test_quartos_everyday_options_are_known():
    env: dict = {}
    source = ("```{python}\n#| code-fold: true\n#| code-summary: Show it\n#| warning: false\n#| message: false\n"
              "#| fig-width: 4\n#| fig-height: 3\n#| layout-ncol: 2\n#| tbl-cap: T\nx = 1\n```\n")
    cells, _ = extract_program(parser().parse(source, env), path="p.md")
    assert env.get("diagnostics", []) == []
    options = cells[0].options
    assert (options["code-fold"], options["warning"], options["fig-width"], options["layout-ncol"]) == (True, False, 4, 2)


def test_bad_yaml_and_duplicate_labels_are_errors():
    tokens = parser().parse("```{python}\n#| label: [oops\nx = 1\n```\n")
    with pytest.raises(BuildError, match=r"p.md:2: cell options are not valid YAML"):
        extract_program(tokens, path="p.md")
    tokens = parser().parse("```{python}\n#| label: fig-a\n```\n\n```{python}\n#| label: fig-a\n```\n")
    with pytest.raises(BuildError, match=r"p.md:7: label 'fig-a' is used by two cells"):
        extract_program(tokens, path="p.md")


def test_front_matter_settings_are_validated():
    with pytest.raises(BuildError, match=r"content/x.md: unknown exec option 'sed'"):
        resolve_defaults(None, {"sed": 1}, post_path="content/x.md")
    with pytest.raises(BuildError, match=r"option 'seed' must be a non-negative integer"):
        resolve_defaults({"seed": "x"}, None, site_path="config.yml")


def test_highlighter_is_used_like_for_fences():
    md = MarkdownIt("commonmark", {"highlight": lambda code, lang, attrs: f"<pre class=\"hl\">{lang}:{code}</pre>"})
    md.use(cells_plugin)
    html = md.render("```{python}\nx = 1\n```\n")
    assert html.startswith('<div class="cell">\n<pre class="hl">python:x = 1\n</pre>\n')


def test_defaults_from_env_apply_without_results():
    md = parser()
    html = md.render("```{python}\nx = 1\n```\n", {"exec_defaults": {"echo": False}})
    assert html == '<div class="cell">\n<p class="cell-note">not executed</p>\n</div>\n'


def test_repro_note():
    html = repro_note_html({"gdcore": "abc123", "python": "3.11.7", "numpy": "2.4.6",
                            "matplotlib": "3.11.2", "seed": 0})
    assert html == ('<p class="exec-repro">Executed with gdcore <code>abc123</code>, Python 3.11.7, '
                    'numpy 2.4.6, matplotlib 3.11.2, seed 0.</p>\n')
