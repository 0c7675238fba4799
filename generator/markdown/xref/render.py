"""HTML of numbered figures and tables: ``<figure id="fig-x">`` ... ``<figcaption>Figure 1: ...</figcaption>``.

Figures carry their caption below, tables above (as Quarto places them).  A
panel of subfigures (``layout-ncol``) lays them out in a CSS grid; each
subfigure's caption starts with its letter, "(a)".
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from .targets import KIND_NAMES


def caption_html(self, meta: dict, options, env) -> str:
    """``<figcaption>`` of a float, or "" when it has no caption and no number."""
    target = meta["target"]
    text = self.renderInline(meta["caption"], options, env) if meta["caption"] else ""
    if target is not None and target.sub:
        lead = f"({target.sub})"
    elif target is not None:
        lead = f"{KIND_NAMES[target.kind]}\u00a0{target.number}:" if text else \
            f"{KIND_NAMES[target.kind]}\u00a0{target.number}"
    else:
        lead = ""
    if not text and not lead:
        return ""
    body = f"{lead} {text}".strip() if lead else text
    return f"<figcaption>{body}</figcaption>\n"


def render_float_open(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    meta = tokens[idx].meta
    kind = meta["kind"]
    classes = f"quarto-float quarto-float-{kind}" + (" quarto-subfloat" if meta["sub"] else "")
    ident = f' id="{escapeHtml(meta["label"])}"' if meta["label"] else ""
    html = f'<figure{ident} class="{classes}">\n'
    if kind == "tbl":
        html += caption_html(self, meta, options, env)
    if meta["panel"]:
        html += f'<div class="quarto-layout-panel" style="--layout-ncol: {int(meta["panel"])}">\n'
    return html


def render_float_close(self, tokens: Sequence[Token], idx: int, options, env) -> str:
    meta = tokens[idx].meta
    html = "</div>\n" if meta["panel"] else ""
    if meta["kind"] != "tbl":
        html += caption_html(self, meta, options, env)
    return html + "</figure>\n"
