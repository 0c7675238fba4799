"""kramdown's extensions: ``{::comment}``, ``{::nomarkdown}`` and ``{::options /}``.

* ``{::comment}...{:/comment}`` (or ``{:/}``) disappears from the page;
* ``{::nomarkdown}...{:/nomarkdown}`` passes its content through as raw HTML,
  unparsed, as kramdown does for the HTML converter;
* ``{::options key="value" /}`` changes kramdown's parser options for the
  rest of the file.  Our parser has no such switches, so the line is dropped;
  this matters for ``parse_block_html``, see the README's "Moving from Jekyll".

Both the block form (the tags on lines of their own, the content on the
lines between) and the span form inside a paragraph are recognised.  Any
other ``{::name}`` stays text, as it does under Jekyll's kramdown.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

_OPEN = re.compile(r"\{::([a-z]+)((?:[^}\"'/\n]|\"[^\"\n]*\"|'[^'\n]*')*)(/)?\}")
KNOWN = ("comment", "nomarkdown", "options")


def _closer(name: str) -> re.Pattern:
    return re.compile(r"\{:/(?:" + re.escape(name) + r")?\}")


def extensions_plugin(md: MarkdownIt, *, nomarkdown: bool = True) -> None:
    """Handle kramdown's ``{::name}`` extensions.

    :param nomarkdown: pass ``{::nomarkdown}`` content through as raw HTML;
        when False it is dropped like a comment.
    """
    md.block.ruler.before("paragraph", "kramdown_extension",
                          lambda s, a, b, silent: _block(s, a, b, silent, nomarkdown),
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.inline.ruler.after("image", "kramdown_span_extension",
                          lambda s, silent: _span(s, silent, nomarkdown))
    md.add_render_rule("kramdown_extension", lambda *args: "")


def _block(state: StateBlock, startLine: int, endLine: int, silent: bool, nomarkdown: bool) -> bool:
    if state.sCount[startLine] - state.blkIndent >= 4:
        return False
    start = state.bMarks[startLine] + state.tShift[startLine]
    line = state.src[start: state.eMarks[startLine]]
    match = _OPEN.match(line)
    if not match:
        return False
    name, self_closing = match.group(1), match.group(3)
    if name not in KNOWN:
        return False    # kramdown keeps an unknown extension as text (with a warning of its own)
    if self_closing:
        if line[match.end():].strip():
            return False
        last, content = startLine, ""
    else:
        # the closing tag: on this line or a later one, with nothing after it
        closer = _closer(name)
        text = line[match.end():]
        last = startLine
        found = closer.search(text)
        pieces = []
        while found is None:
            pieces.append(text)
            last += 1
            if last >= endLine:
                return False
            text = state.src[state.bMarks[last]: state.eMarks[last]]
            found = closer.search(text)
        if text[found.end():].strip():
            return False
        pieces.append(text[: found.start()])
        content = "\n".join(pieces).strip("\n")
    if silent:
        return True
    if name == "nomarkdown" and nomarkdown:
        token = state.push("html_block", "", 0)
        token.content = content + "\n" if content else ""
    else:
        token = state.push("kramdown_extension", "", 0)
        token.hidden = True
        token.meta = {"name": name}
    token.map = [startLine, last + 1]
    token.block = True
    state.line = last + 1
    return True


def _span(state: StateInline, silent: bool, nomarkdown: bool) -> bool:
    if not state.src.startswith("{::", state.pos):
        return False
    match = _OPEN.match(state.src, state.pos, state.posMax)
    if not match:
        return False
    name = match.group(1)
    if name not in KNOWN:
        return False
    if match.group(3):
        end, content = match.end(), ""
    else:
        found = _closer(name).search(state.src, match.end(), state.posMax)
        if found is None:
            return False
        end, content = found.end(), state.src[match.end(): found.start()]
    if not silent and name == "nomarkdown" and nomarkdown:
        token = state.push("html_inline", "", 0)
        token.content = content
    state.pos = end
    return True
