"""MathJax set-up a Jekyll post carries in its body, dropped: the site loads MathJax once.

The ``html`` plugin drops script tags whose attributes name MathJax (the
MathJax 2 loader, ``text/x-mathjax-config``, MathJax 3's ``id="MathJax-script"``)
and bare ``<script>`` blocks mentioning MathJax.  Posts copied from Jekyll
also carry the forms it lets through:

* an inline configuration with attributes, ``<script type="text/javascript">
  window.MathJax = {...}</script>`` or ``MathJax.Hub.Config(...)``: left in,
  it would replace the site's configuration before MathJax starts;
* the polyfill line of MathJax 3's copy-paste snippet
  (``polyfill.io/v3/polyfill.min.js?features=es6``), which only served the
  post's own MathJax and loads a script from a third party;
* ``<script type="math/tex">`` is *kept*: that is math (MathJax 2 syntax), not set-up.

This rule runs before the ``html`` plugin's and warns the same way.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore

from ..diagnostics import warn
from ..rules import place_core

_SCRIPT = re.compile(r"<script\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>(.*?)</script\s*>[ \t]*\n?",
                     re.IGNORECASE | re.DOTALL)
_CONFIGURES = re.compile(r"\bwindow\.MathJax\s*=|\bMathJax\s*=\s*\{|\bMathJax\.Hub\.(?:Config|Register)|"
                         r"\bMathJax\.startup\b")
_POLYFILL = re.compile(r"polyfill(?:\.io|\.min\.js)[^\"']*features=es6", re.IGNORECASE)


def mathjax_scripts_plugin(md: MarkdownIt, *, drop_polyfill: bool = True) -> None:
    """Drop in-body MathJax configuration scripts the ``html`` plugin keeps.

    :param drop_polyfill: also drop MathJax 3's es6 polyfill loader.
    """
    place_core(md, "jekyll_mathjax_scripts", lambda state: _drop(state, drop_polyfill))


def _drop(state: StateCore, drop_polyfill: bool) -> None:
    for token in state.tokens:
        if token.type != "html_block" or "<script" not in token.content.lower():
            continue
        line = token.map[0] if token.map else None

        def drop(match: re.Match, line=line) -> str:
            attrs, body = match.group(1), match.group(2)
            if "math/tex" in attrs.lower():
                return match.group(0)
            if _CONFIGURES.search(body) or (drop_polyfill and _POLYFILL.search(attrs)):
                warn(state.env, line, "dropped a MathJax <script> from the post body",
                     "the site loads MathJax 3 itself on pages with math; remove the tag to silence this")
                return ""
            return match.group(0)

        content = _SCRIPT.sub(drop, token.content)
        if content != token.content:
            token.content = content if content.strip() else ""
