"""Where each of our core rules runs, whatever order the plugins are used in.

markdown-it runs the rules of a chain in list order, so ``ruler.push`` (or a
bare ``ruler.after("inline", ...)``) makes the order of our rules depend on the
order of the ``md.use`` calls.  Instead, :data:`CORE_ORDER` names every core
rule of ours, in the order they must run, around the standard rules they
depend on; :func:`place_core` inserts a rule after every rule that precedes it
in that list and before every rule that follows it, among those present.  A
plugin with a new core rule adds its name here, at the place its work needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markdown_it import MarkdownIt
from markdown_it.ruler import RuleOptionsType, Ruler

#: Our core rules (and the standard ones they are placed around), in running order.
CORE_ORDER: tuple[str, ...] = (
    "block",                    # standard: block tokens exist
    "diagram_fences",           # diagrams: mermaid/plantuml fences become diagram tokens
    "notebook_cells",           # notebook: {nbcell K} fences become notebook cells; download links
    "inline",                   # standard: inline tokens exist
    "tabsets",                  # tabsets: ## headings inside .panel-tabset divs become tabs
    "callouts",                 # callouts: .callout-* divs take their title (kept out of the TOC)
    "pandoc_heading_attrs",     # attributes: {#id .class} at the end of a heading line
    "exec_cells",               # cells: {python} fences and inline expressions are numbered
    "kramdown_ial_apply",       # jekyll: {: .class #id} lists set attributes (heading ids included)
    "jekyll_includes",          # jekyll: {% include %} placeholders become the included content
    "linkify",                  # standard ... to
    "text_join",                # standard: the last of the standard chain
    "citations",                # citations: [@key] and @key, and the bibliography
    "xref",                     # xref: figures, tables, equations, sections numbered; @fig-x resolved
    "margin_notes",             # margin: footnotes as margin notes (reference-location: margin)
    "base_path",                # links: root-relative URLs get the base path
    "jekyll_mathjax_scripts",   # jekyll: in-body MathJax set-up scripts are dropped
    "html_repair",              # html: unclosed iframes closed, URLs in raw HTML based
    "heading_ids",              # headings: ids (explicit ones kept) and the TOC entries
    "kramdown_toc",             # jekyll: {:toc} lists filled from the heading ids
    "jekyll_html_math",         # jekyll: math inside raw HTML blocks marked for MathJax
)


def place_core(md: MarkdownIt, name: str, rule: Callable, options: RuleOptionsType | None = None) -> None:
    """Insert the core rule ``name`` (which must be in :data:`CORE_ORDER`) at its place."""
    at = CORE_ORDER.index(name)
    place(md.core.ruler, name, rule, after=CORE_ORDER[:at], before=CORE_ORDER[at + 1:], options=options)


def place(ruler: Ruler, name: str, rule: Callable, *, after: Sequence[str], before: Sequence[str] = (),
          options: RuleOptionsType | None = None) -> None:
    """Insert ``rule`` right after the last present rule of ``after``, but before every
    present rule of ``before``.  At least one name in ``after`` must be present."""
    names = [r.name for r in ruler.__rules__]
    anchors = [names.index(a) for a in after if a in names]
    if not anchors:
        raise ValueError(f"{name}: none of {list(after)} is in the chain")
    position = max(anchors) + 1
    for other in before:
        if other in names:
            position = min(position, names.index(other))
    if position >= len(names):
        ruler.push(name, rule, options)
    else:
        ruler.before(names[position], name, rule, options)
