"""markdown-it plugin: a notebook's code cells and the links at the top of its page.

Parsing turns each fence ```` ```{nbcell K} ```` into an ``nb_cell`` token with
``meta = {"index": K}`` and, once per page, puts an ``nb_links`` token first
("Download notebook", and Colab/Binder links when the site names its repository).

Rendering reads ``env["notebook"]`` (set by :func:`generator.render.document_env`)::

    {"payload": <the reader's payload>, "rel": "content/posts/x.ipynb",
     "config": <the site's notebooks: settings>,
     "exec": <the PostResult when the notebook was executed, else None>}

(an executed notebook's result cells are the payload's code cells, in order).  A
cell shows its code (highlighted in the notebook's language, folded in a
``<details>`` for ``hide-input``/``#collapse``), then its outputs through
:func:`generator.markdown.cells.render.outputs_html`.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from generator.markdown.cells.index import _code_html, _folded, rich_context
from generator.markdown.cells.mime import Shown
from generator.markdown.cells.options import BUILTIN, merge_options
from generator.markdown.cells.render import outputs_html
from generator.markdown.rules import place_core

_INFO = re.compile(r"^\{nbcell (\d+)\}$")
_GITHUB = re.compile(r"^https?://github\.com/([^/\s]+)/([^/\s]+?)(?:\.git)?/?$")


def notebook_plugin(md: MarkdownIt) -> None:
    """Add notebook cells to ``md`` (they render only with ``env["notebook"]``)."""
    place_core(md, "notebook_cells", _find_cells)

    def render_cell(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        notebook = (env or {}).get("notebook")
        index = tokens[idx].meta["index"]
        if notebook is None or index >= len(notebook["payload"]["cells"]):
            return _code_html(tokens[idx].content, "python", options)
        return _cell_html(md, notebook, index, options, env)

    def render_links(self, tokens: Sequence[Token], idx: int, options, env) -> str:
        return _links_html(env)

    md.add_render_rule("nb_cell", render_cell)
    md.add_render_rule("nb_links", render_links)


def _find_cells(state: StateCore) -> None:
    env = state.env if isinstance(state.env, dict) else {}
    if "notebook" not in env:
        return
    for token in state.tokens:
        if token.type == "fence":
            match = _INFO.match(token.info.strip())
            if match:
                token.type = "nb_cell"
                token.meta = {"index": int(match.group(1))}
    if not env.get("_nb_links"):  # a nested parse (a Markdown output) adds no second header
        env["_nb_links"] = True
        env.setdefault("features", set()).add("notebook")
        links = Token("nb_links", "", 0)
        links.block = True
        state.tokens.insert(0, links)


def _defaults(env: dict) -> dict:
    """Display defaults of the page: ``exec:`` and Quarto's ``execute:`` options in the front matter."""
    meta = env.get("meta") or {}
    layers = [meta.get("exec"), meta.get("execute")]
    return {k: v for layer in layers if isinstance(layer, dict) for k, v in layer.items() if k in BUILTIN}


def _cell_html(md: MarkdownIt, notebook: dict, index: int, options, env: dict) -> str:
    payload = notebook["payload"]
    cell = payload["cells"][index]
    opts = merge_options(_defaults(env), cell["options"])
    if not opts["include"]:
        return ""
    parts = []
    if opts["echo"] and cell["code"].strip():
        parts.append(_folded(_code_html(cell["code"], payload.get("language") or "python", options), opts))
    if opts["output"]:
        parts.append(_outputs(md, notebook, index, cell, opts, env))
    label = opts.get("label")
    attrs = f' id="{escapeHtml(label)}"' if isinstance(label, str) and label else ""
    return f'<div class="cell nb-cell"{attrs}>\n' + "".join(parts) + "</div>\n"


def _outputs(md: MarkdownIt, notebook: dict, index: int, cell: dict, opts: dict, env: dict) -> str:
    result = notebook.get("exec")
    if result is not None:
        ran = result.cells[index] if index < len(result.cells) else None
        if ran is None:
            return ""
        if ran.status == "missing":
            return f'<p class="cell-note cell-missing">output missing: {escapeHtml(ran.reason)}</p>\n'
        outputs = ran.outputs
    else:
        outputs = [Shown.from_json(o) for o in cell["outputs"]]
    if not outputs:
        return ""
    n = cell["n"]
    rich = rich_context(md, env, None, prefix=f"cell {n}: ")
    html = outputs_html(outputs, options=opts, cell_number=n, render_caption=lambda text: md.renderInline(text, env),
                        rich=rich)
    if cell.get("fold_output") and html:
        html = f'<details class="nb-fold"><summary>Output</summary>\n{html}</details>\n'
    return html


def badge_links(rel: str, config: dict) -> dict[str, str]:
    """Colab and Binder URLs of a notebook in the site's GitHub repository (``notebooks: {repository: ...}``)."""
    match = _GITHUB.match(str(config.get("repository") or ""))
    if match is None:
        return {}
    owner, repo = match.groups()
    branch = str(config.get("branch") or "main")
    path = "/".join(p for p in (str(config.get("path") or "").strip("/"), rel) if p)
    quoted = urllib.parse.quote(path)
    return {"colab": f"https://colab.research.google.com/github/{owner}/{repo}/blob/{branch}/{quoted}",
            "binder": f"https://mybinder.org/v2/gh/{owner}/{repo}/{branch}?labpath={urllib.parse.quote(path, safe='')}"}


def _links_html(env: dict) -> str:
    notebook = env.get("notebook") or {}
    meta = env.get("meta") or {}
    payload = notebook.get("payload") or {}
    links = []
    if payload.get("download") and meta.get("download", True) is not False:
        name = escapeHtml(payload["download"])
        links.append(f'<a class="nb-download" href="{escapeHtml(urllib.parse.quote(payload["download"]))}" '
                     f'download="{name}">Download notebook</a>')
    if meta.get("badges", True) is not False:
        found = badge_links(notebook.get("rel", ""), notebook.get("config") or {})
        if "colab" in found:
            links.append(f'<a class="nb-badge nb-colab" href="{escapeHtml(found["colab"])}">Open in Colab</a>')
        if "binder" in found:
            links.append(f'<a class="nb-badge nb-binder" href="{escapeHtml(found["binder"])}">Launch Binder</a>')
    if not links:
        return ""
    return '<p class="nb-links">' + " ".join(links) + "</p>\n"
