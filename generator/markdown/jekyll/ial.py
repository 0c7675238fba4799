"""kramdown's attribute lists: ``{: .class #id key="value"}`` and header ids ``{#id}``.

kramdown (Jekyll's Markdown) lets a writer attach HTML attributes:

* a *block IAL*, a line of its own holding ``{: ...}``: directly after a
  block (no blank line between) it applies to that block, otherwise to the
  block that follows it.  After a paragraph line it ends the paragraph
  (CommonMark would read it as one more line of text);
* a *span IAL* right after an image, link, emphasis or code span applies to
  that element: ``![plot](x.png){: width="50%"}``;
* an *ALD*, ``{:name: .wide}`` on its own line, defines attributes that a
  later IAL uses by name: ``{: name}``;
* a header id at the end of a heading line: ``## Results {#results}``.

mdit-py-plugins' ``attrs`` plugins were the first choice, but they cannot be
configured for this form: they read Pandoc's ``{...}`` without the colon,
attach block attributes to the block *below* only, and reject single-quoted
values and bare ALD names; so this is a small plugin of its own.

A reference named ``toc`` is left on the target's ``meta`` for the ``toc``
plugin (``* TOC`` + ``{:toc}``); other unknown names are ignored, as kramdown
ignores them.
"""

from __future__ import annotations

import re
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

from ..rules import place_core
from ..tokens import block_open

#: ``{: body}`` / ``{:name: body}``: quoted values may hold ``}``.
IAL = re.compile(r"\{:(?!:)((?:[^}\"'\n]|\"[^\"\n]*\"|'[^'\n]*')*)\}")
_ALD_NAME = re.compile(r"([A-Za-z][\w-]*):(?=\s|$)")
_ITEM = re.compile(r"""\s*(?:\.([\w-]+)|\#([\w:-]+)|([\w-]+)=(?:"([^"]*)"|'([^']*)')|([A-Za-z][\w-]*))""")
_HEADER_ID = re.compile(r"[ \t]*\{#([A-Za-z][\w:-]*)\}[ \t]*$")


def parse_ial(body: str) -> tuple[dict[str, str], list[str]] | None:
    """``.a #b k="v" ref`` -> ({"class": "a", "id": "b", "k": "v"}, ["ref"]); None if malformed."""
    attrs: dict[str, str] = {}
    refs: list[str] = []
    pos = 0
    while pos < len(body):
        match = _ITEM.match(body, pos)
        if not match or match.end() == pos:
            if body[pos:].strip():
                return None
            break
        cls, ident, key, v1, v2, ref = match.groups()
        if cls:
            attrs["class"] = f"{attrs['class']} {cls}" if attrs.get("class") else cls
        elif ident:
            attrs["id"] = ident
        elif key:
            value = v1 if v1 is not None else v2
            if key == "class" and attrs.get("class"):
                value = f"{attrs['class']} {value}"
            attrs[key] = value
        else:
            refs.append(ref)
        pos = match.end()
    return attrs, refs


def merge_attrs(token, attrs: dict[str, str]) -> None:
    """Add ``attrs`` to a token: classes accumulate, anything else is replaced."""
    for key, value in attrs.items():
        if key == "class" and token.attrs.get("class"):
            token.attrs["class"] = f"{token.attrs['class']} {value}"
        else:
            token.attrs[key] = value


def ial_plugin(md: MarkdownIt, *, block: bool = True, span: bool = True, header_ids: bool = True) -> None:
    """kramdown inline attribute lists, attribute list definitions and header ids.

    :param block: recognise block IALs and ALDs (lines of their own).
    :param span: recognise span IALs right after images, links, emphasis and code.
    :param header_ids: recognise ``{#id}`` at the end of a heading line.
    """
    if block:
        md.block.ruler.before("paragraph", "kramdown_ial", _block_ial,
                              {"alt": ["paragraph", "reference", "blockquote", "list"]})
    if span:
        md.inline.ruler.after("image", "kramdown_span_ial", _span_ial)
        md.inline.ruler2.push("kramdown_span_ial", _attach_spans)
    place_core(md, "kramdown_ial_apply", lambda state: _apply(state, header_ids))
    md.add_render_rule("kramdown_ial", lambda *args: "")
    _wrap_self_contained(md)


# --------------------------------------------------------------------------
# parsing

def _block_ial(state: StateBlock, startLine: int, endLine: int, silent: bool) -> bool:
    if state.sCount[startLine] - state.blkIndent >= 4:
        return False
    start = state.bMarks[startLine] + state.tShift[startLine]
    line = state.src[start: state.eMarks[startLine]]
    match = IAL.match(line)
    if not match or line[match.end():].strip():
        return False
    body = match.group(1)
    ald = _ALD_NAME.match(body.strip())
    if ald:
        body = body.strip()[ald.end():]
    parsed = parse_ial(body)
    if parsed is None:
        return False
    if silent:
        return True
    token = state.push("kramdown_ial", "", 0)
    token.map = [startLine, startLine + 1]
    token.hidden = True
    token.meta = {"attrs": parsed[0], "refs": parsed[1], "ald": ald.group(1) if ald else None}
    if ald:
        # Stored now, before inline parsing, so that span IALs can use it too.
        alds = state.env.setdefault("kramdown_alds", {})
        alds[ald.group(1)] = {**_resolve(parsed[1], alds), **parsed[0]}
    state.line = startLine + 1
    return True


def _span_ial(state: StateInline, silent: bool) -> bool:
    """A ``{:...}`` right after an element becomes a ``kramdown_span_ial`` token;
    :func:`_attach_spans` moves its attributes onto the element once emphasis
    has been resolved (``*this*`` is still two delimiters at this point)."""
    if not state.src.startswith("{:", state.pos) or state.src.startswith("{::", state.pos):
        return False
    if state.pending or not state.tokens:
        return False  # after text: kramdown keeps it as text, and so do we
    match = IAL.match(state.src, state.pos, state.posMax)
    if not match:
        return False
    parsed = parse_ial(match.group(1))
    if parsed is None:
        return False
    if not silent:
        token = state.push("kramdown_span_ial", "", 0)
        token.content = match.group(0)
        token.meta = {"attrs": parsed[0], "refs": parsed[1]}
    state.pos = match.end()
    return True


def _attach_spans(state: StateInline) -> None:
    tokens = state.tokens
    if not any(t.type == "kramdown_span_ial" for t in tokens):
        return
    alds = state.env.get("kramdown_alds", {})
    out = []
    for token in tokens:
        if token.type != "kramdown_span_ial":
            out.append(token)
            continue
        target = _span_target(out) if out else None
        if target is None:
            token.type = "text"     # after plain text after all (an emphasis marker left as text)
            out.append(token)
            continue
        merge_attrs(target, _resolve(token.meta["refs"], alds))
        merge_attrs(target, token.meta["attrs"])
    tokens[:] = out


def _span_target(tokens):
    """The element a span IAL after ``tokens[-1]`` belongs to, or None after text."""
    last = tokens[-1]
    if last.type in ("image", "code_inline", "math_inline"):
        return last
    if last.nesting == -1:
        found = block_open(tokens, len(tokens) - 1)
        return tokens[found] if found >= 0 else None
    return None


# --------------------------------------------------------------------------
# applying block IALs and header ids

def _block_end(tokens, i: int) -> tuple[int, int | None]:
    """For the token before index ``i``: (index of the block's opening token, its last line)."""
    j = i - 1
    token = tokens[j]
    if token.nesting == 0:
        return j, token.map[1] if token.map else None
    if token.nesting == 1:
        return -1, None
    j = block_open(tokens, j)
    opening = tokens[j]
    return j, opening.map[1] if opening.map else None


def _lines(token) -> list[int]:
    """A block token's [first line, line after]; every IAL and block token has one."""
    return token.map or [-1, -1]


def _apply(state: StateCore, header_ids: bool) -> None:
    tokens = state.tokens
    alds = state.env.setdefault("kramdown_alds", {})
    keep = []
    pending: list[tuple[dict, list[str]]] = []   # IALs waiting for the next block (after a blank line)
    level_of_pending = 0    # the level of the block the pending IALs wait at (when any wait)
    for i, token in enumerate(tokens):
        if token.type != "kramdown_ial":
            if pending and token.nesting == -1 and token.level < level_of_pending:
                pending = []    # the container ended: nothing followed at that level
            if pending and token.nesting >= 0 and token.level == level_of_pending and token.block:
                for attrs, refs in pending:
                    _attach(token, attrs, refs, alds)
                pending = []
            keep.append(token)
            continue
        attrs, refs = token.meta["attrs"], token.meta["refs"]
        if token.meta["ald"]:
            continue                            # stored while parsing blocks
        target = None
        if i > 0 and tokens[i - 1].type == "kramdown_ial" and _lines(tokens[i - 1])[1] == _lines(token)[0]:
            # a second IAL line right under the first goes where the first went
            target = tokens[i - 1].meta.get("target")
            if target is None and not tokens[i - 1].meta["ald"]:
                pending.append((attrs, refs))
                continue
        elif i > 0:
            j, last_line = _block_end(tokens, i)
            if j >= 0 and tokens[j].level == token.level and last_line == _lines(token)[0]:
                target = tokens[j]
        if target is not None:
            token.meta["target"] = target
            _attach(target, attrs, refs, alds)
        else:
            pending.append((attrs, refs))
            level_of_pending = token.level
    state.tokens[:] = keep
    if header_ids:
        _header_ids(state.tokens)


def _resolve(refs: list[str], alds: dict) -> dict:
    merged: dict[str, str] = {}
    for name in refs:
        for key, value in alds.get(name, {}).items():
            merged[key] = f"{merged[key]} {value}" if key == "class" and merged.get(key) else value
    return merged


def _attach(token, attrs: dict, refs: list[str], alds: dict) -> None:
    if "toc" in refs:
        token.meta = {**(token.meta or {}), "kramdown_toc": True}
    if token.nesting == 0:
        # Code, math and raw HTML render as one token whose renderer may or may
        # not read token.attrs (the fence renderer puts them on <code>), so the
        # attributes wait in meta for the wrapper below, which puts them on the
        # outermost element as kramdown does.
        holder = type("Attrs", (), {"attrs": {}})()
        merge_attrs(holder, dict((token.meta or {}).get("kramdown_attrs", {})))
        merge_attrs(holder, _resolve(refs, alds))
        merge_attrs(holder, attrs)
        if holder.attrs:
            token.meta = {**(token.meta or {}), "kramdown_attrs": holder.attrs}
        return
    merge_attrs(token, _resolve(refs, alds))
    merge_attrs(token, attrs)


def _header_ids(tokens) -> None:
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1]
        match = _HEADER_ID.search(inline.content)
        if not match or not inline.children or inline.children[-1].type != "text":
            continue
        last = inline.children[-1]
        tail = _HEADER_ID.search(last.content)
        if not tail:
            continue
        last.content = last.content[: tail.start()]
        inline.content = inline.content[: match.start()]
        if not last.content:
            inline.children.pop()
        token.attrs["id"] = match.group(1)


# --------------------------------------------------------------------------
# rendering attributes on blocks that render as one token (code, math, raw HTML)

_FIRST_TAG = re.compile(r"<([a-zA-Z][\w-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")


def _with_attrs(html_text: str, attrs: dict) -> str:
    """Put ``attrs`` on the first start tag of ``html_text``."""
    from markdown_it.common.utils import escapeHtml

    match = _FIRST_TAG.search(html_text)
    if not match:
        return html_text
    existing = match.group(2)
    extra = dict(attrs)
    if "class" in extra:
        cls = re.search(r"""\sclass=(["'])(.*?)\1""", existing)
        if cls:
            merged = f' class="{cls.group(2)} {escapeHtml(extra.pop("class"))}"'
            existing = existing[: cls.start()] + merged + existing[cls.end():]
    if "id" in extra and re.search(r"\sid=", existing):
        existing = re.sub(r"""\sid=(["']).*?\1""", "", existing)
    added = "".join(f' {k}="{escapeHtml(str(v))}"' for k, v in extra.items())
    return html_text[: match.start()] + f"<{match.group(1)}{existing}{added}>" + html_text[match.end():]


def _wrap_self_contained(md: MarkdownIt) -> None:
    """Render IAL attributes on fences, code blocks and display math.

    Their renderers are installed by other plugins, possibly after this one,
    so the wrapping happens on the first render."""
    renderer: Any = md.renderer   # a RendererHTML: its rules dict and render method are replaced
    original_render = renderer.render

    def render(tokens, options, env):
        for name in ("fence", "code_block", "math_block", "html_block"):
            rule = renderer.rules.get(name)
            if rule is not None and not getattr(rule, "_kramdown_ial", False):
                renderer.rules[name] = _attr_rule(rule)
        return original_render(tokens, options, env)

    renderer.render = render


def _attr_rule(rule):
    def wrapped(tokens, idx, options, env):
        token = tokens[idx]
        out = rule(tokens, idx, options, env)
        if token.meta and token.meta.get("kramdown_attrs"):
            out = _with_attrs(out, token.meta["kramdown_attrs"])
        return out

    wrapped.__dict__["_kramdown_ial"] = True   # marks a rule already wrapped
    return wrapped
