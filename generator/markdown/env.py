"""The markdown-it ``env`` of one document: what the pipeline puts in, what plugins put back.

markdown-it passes one mutable ``env`` dict through every rule of a parse and a
render.  These are its keys; a plugin that needs another one documents it
here, so the contract between the pipeline and the plugins stays in one place.
Keys starting with ``_`` are a plugin's private scratch space.
"""

from __future__ import annotations

from typing import Any, TypedDict


class DocumentEnv(TypedDict, total=False):
    # ---- set by the pipeline before parsing (generator.render.document_env)
    #: The source shown in messages: ``content/posts/x.md``.
    path: str
    #: File line (1-based) of the body's first line; lines in ``diagnostics`` are relative to it.
    body_line: int
    #: The document's front matter, as its reader normalised it.
    meta: dict[str, Any]
    #: Absolute folder of the source file (relative paths in a post resolve against it).
    source_dir: str
    #: Absolute site folder.
    site_root: str
    #: config.yml's ``vars:``, for ``{{< var key >}}``.
    site_vars: dict[str, Any]
    #: config.yml's ``bibliography:`` (paths relative to the site) and ``csl:``; a post's own
    #: ``bibliography``/``csl`` front matter (in ``meta``) wins.
    bibliography: list[str]
    csl: str
    #: Default of the ``error`` option: show cell and diagram errors in the page instead of failing.
    allow_errors: bool
    #: The post's execution results (a ``generator.kernel.PostResult``), when it has cells.
    exec: Any
    #: Cell option defaults (site < post) for rendering cells that have no result.
    exec_defaults: dict[str, Any]
    #: A notebook's payload, source and the site's ``notebooks:`` settings (see generator.markdown.notebook).
    notebook: dict[str, Any]
    #: Keep ``<script>`` in HTML outputs of cells and notebooks (config ``notebooks: {scripts: true}``).
    output_scripts: bool

    # ---- filled by plugins while parsing and rendering, read by the pipeline
    #: Warnings: ``(line, message, hint)``, line 0-based in the parsed text (None: unknown).
    diagnostics: list[tuple[int | None, str, str | None]]
    #: Page features that need CSS or JavaScript: "mermaid", "plantuml-fallback", ...
    features: set[str]
    #: Number of formulas: a page with math loads MathJax.
    math: int
    #: Headings for the table of contents: dicts with "level", "id", "children" (inline tokens).
    toc: list[dict[str, Any]]
    #: Files read while rendering (a bibliography, an included file): their content is part
    #: of the page's cache key (absolute paths).
    dependencies: set[str]

    # ---- plugin scratch space
    _inline_line: int | None           # diagnostics: first line of the inline run being parsed
    kramdown_alds: dict[str, Any]      # jekyll: kramdown attribute list definitions ({:name: ...})
    _kramdown_math: tuple[str, Any]    # math (kramdown dialect): the inline run analysed last, and its analysis
    _nb_links: bool                    # notebook: the links header was added (nested parses add none)
