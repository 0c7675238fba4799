"""A Jekyll blog's math set-up, read from its layouts and includes: macros and inline delimiters.

Math blogs load MathJax (or KaTeX) from ``_includes/head.html`` or a layout,
and configure it there:

* MathJax 2: ``MathJax.Hub.Config({tex2jax: {inlineMath: ...}, TeX: {Macros: {...}}})``,
  usually in a ``<script type="text/x-mathjax-config">``;
* MathJax 3: ``window.MathJax = {tex: {inlineMath: ..., macros: {...}}}``;
* KaTeX's auto-render: ``renderMathInElement(document.body, {delimiters: [...], macros: {...}})``;
* TeX definitions typeset once on every page, usually hidden:
  ``<div style="display:none">$$\\newcommand{\\R}{\\mathbb{R}}$$</div>``
  (``\\newcommand``, ``\\renewcommand``, ``\\providecommand``, ``\\def``,
  ``\\let``, ``\\DeclareMathOperator``).

:func:`read_math_setup` turns all of these into ``math_macros`` (MathJax 3's
format: ``name: body`` or ``name: [body, arguments]`` or ``[body, arguments,
default]``) and says whether ``$...$`` was inline math.  Definitions are taken
in file order, configurations first, so a later definition of the same name
wins, as it did on the page; each conflict is reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import Diagnostic
from .jsliteral import OPAQUE, lookup, parse_object

_MATHJAX2 = re.compile(r"MathJax\.Hub\.Config\s*\(\s*(?=\{)")
_MATHJAX3 = re.compile(r"(?:\bwindow\.|(?<![\w.$]))MathJax\s*=\s*(?=\{)")
_KATEX = re.compile(r"renderMathInElement\s*\([^,()]*(?:\([^()]*\))?[^,()]*,\s*(?=\{)")
_LOADER = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']([^\"']*(?:mathjax|katex)[^\"']*)[\"']", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_COMMENTS = re.compile(r"<!--.*?-->|\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.DOTALL)
_DEFINITION = re.compile(r"\\(newcommand|renewcommand|providecommand|DeclareMathOperator|def|let|newenvironment"
                         r"|renewenvironment)(?![A-Za-z])(\*?)")
_CONTROL = re.compile(r"\s*(\\(?:[A-Za-z]+|.))")
_OPTIONAL = re.compile(r"\s*\[([^\]]*)\]")
_PARAMS = re.compile(r"((?:#\d)*)\s*(?=\{)")


@dataclass
class MathSetup:
    """What a blog's pages told MathJax, gathered from every file that configures it."""

    macros: dict[str, Any] = field(default_factory=dict)
    #: Openers of inline math ("$", "\\(") when some configuration said; None: MathJax's default.
    inline: list[str] | None = None
    #: Where configurations and definitions were found: "MathJax 2 configuration (_includes/head.html:4)".
    sources: list[str] = field(default_factory=list)
    loads_math: bool = False
    #: MathJax 2 with $ inline and processEscapes off: \$ did not escape a dollar there.
    escapes_off: bool = False
    problems: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    _where: dict[str, str] = field(default_factory=dict)

    def define(self, name: str, value: Any, where: str) -> None:
        if name in self.macros and self.macros[name] != value:
            path, _, line = where.rpartition(":")
            self.notes.append(Diagnostic(path, int(line), f"macro \\{name} is defined again (also at "
                                         f"{self._where[name]}); the later definition is kept, as on the page"))
        self.macros[name] = value
        self._where[name] = where


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def read_math_setup(files: list[tuple[str, str]]) -> MathSetup:
    """The math set-up of a blog from ``(path, text)`` of its layouts, includes and scripts."""
    setup = MathSetup()
    inline: list[list[str]] = []
    for path, text in files:
        if _LOADER.search(text):
            setup.loads_math = True
        for kind, config, pos in _configurations(path, text, setup):
            where = f"{path}:{_line(text, pos)}"
            setup.sources.append(f"{kind} configuration ({where})")
            delimiters = _inline_delimiters(kind, config, path, _line(text, pos), setup)
            if delimiters is not None:
                inline.append(delimiters)
            _config_macros(kind, config, where, setup)
    for path, text in files:
        _definitions(path, text, setup)
    if inline:
        merged = [d for d in ("$", "\\(") if any(d in found for found in inline)]
        if any(found != merged for found in inline):
            setup.notes.append(Diagnostic(None, None, "the MathJax configurations disagree on inline delimiters; "
                                          f"all of them are read: {', '.join(merged)}"))
        setup.inline = merged
    if setup.sources:
        setup.loads_math = True
    return setup


def _configurations(path: str, text: str, setup: MathSetup):
    """(kind, object, offset) of each MathJax or KaTeX configuration object in ``text``."""
    text_wo_comments = _COMMENTS.sub(lambda m: " " * len(m.group(0)), text)
    found = []
    for kind, pattern in (("MathJax 2", _MATHJAX2), ("MathJax 3", _MATHJAX3), ("KaTeX", _KATEX)):
        for match in pattern.finditer(text_wo_comments):
            try:
                config, _ = parse_object(text_wo_comments, match.end())
            except ValueError as exc:
                setup.problems.append(Diagnostic(path, _line(text, match.start()),
                                                 f"cannot read this {kind} configuration ({exc})",
                                                 "copy its macros into math_macros in config.yml by hand"))
                continue
            if kind == "MathJax 3" and ("tex2jax" in config or "TeX" in config):
                kind = "MathJax 2"          # window.MathJax = {...} before MathJax 2 loads
            found.append((kind, config, match.start()))
    found.sort(key=lambda item: item[2])
    return found


def _inline_delimiters(kind: str, config: dict, path: str, line: int, setup: MathSetup) -> list[str] | None:
    if kind == "KaTeX":
        pairs = config.get("delimiters")
        if pairs is None:
            return ["\\("]                  # auto-render's defaults: \( inline, $$ and \[ display
        pairs = [[d.get("left"), d.get("right")] for d in pairs if isinstance(d, dict) and d.get("display") is False]
    else:
        section = "tex2jax" if kind == "MathJax 2" else "tex"
        pairs = lookup(config, section, "inlineMath")
        escapes = lookup(config, section, "processEscapes")
        if pairs is None:
            return ["\\("]                  # MathJax's default
        if kind == "MathJax 2" and escapes is not True and any(isinstance(p, list) and p[:1] == ["$"]
                                                              for p in pairs):
            setup.escapes_off = True
    openers: list[str] = []
    if not isinstance(pairs, list):
        setup.problems.append(Diagnostic(path, line, "cannot read the inline math delimiters of this configuration",
                                         'set math_inline in config.yml by hand, e.g. ["$", "\\\\("]'))
        return None
    for pair in pairs:
        if pair in (["$", "$"], ["\\(", "\\)"]):
            openers.append(pair[0])
        else:
            setup.problems.append(Diagnostic(path, line, f"inline math delimiters {pair!r} are not supported",
                                             "gdblog reads $...$ and \\(...\\); rewrite those formulas"))
    return openers


def _config_macros(kind: str, config: dict, where: str, setup: MathSetup) -> None:
    if kind == "KaTeX":
        macros = config.get("macros")
    else:
        macros = lookup(config, "TeX", "Macros") if kind == "MathJax 2" else lookup(config, "tex", "macros")
    if not isinstance(macros, dict):
        return
    path, _, line = where.rpartition(":")
    for name, value in macros.items():
        name = name.lstrip("\\") if kind == "KaTeX" else name
        if kind == "KaTeX" and isinstance(value, str):
            count = max((int(n) for n in re.findall(r"#(\d)", value)), default=0)
            value = [value, count] if count else value
        if _valid_macro(value):
            setup.define(name, value, where)
        else:
            setup.problems.append(Diagnostic(path, int(line), f"macro {name} is not a literal definition",
                                             "define it in math_macros in config.yml by hand"))


def _valid_macro(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return (isinstance(value, list) and 2 <= len(value) <= 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and not isinstance(value[1], bool) and value is not OPAQUE
            and (len(value) == 2 or isinstance(value[2], str)))


# --------------------------------------------------------------------------
# TeX definitions in the text of a page

def _tex_text(text: str) -> str:
    """``text`` with comments and non-math scripts blanked (same length, so offsets hold)."""
    text = _COMMENTS.sub(lambda m: " " * len(m.group(0)), text)

    def blank(match: re.Match) -> str:
        if "math/tex" in match.group(1).lower():
            return match.group(0)
        return " " * len(match.group(0))

    return _SCRIPT.sub(blank, text)


def _group(text: str, pos: int) -> tuple[str, int] | None:
    """The content of the TeX group ``{...}`` at ``pos`` (after spaces) and the offset after it."""
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    if pos >= len(text) or text[pos] != "{":
        return None
    depth, i = 0, pos
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[pos + 1: i], i + 1
        i += 1
    return None


def _name(text: str, pos: int) -> tuple[str, int] | None:
    """A control sequence given as ``\\name`` or ``{\\name}`` at ``pos``."""
    group = _group(text, pos)
    if group is not None:
        inner = _CONTROL.fullmatch(group[0].strip())
        return (inner.group(1)[1:], group[1]) if inner else None
    match = _CONTROL.match(text, pos)
    return (match.group(1)[1:], match.end()) if match else None


def _definitions(path: str, raw: str, setup: MathSetup) -> None:
    text = _tex_text(raw)
    pos, first, count = 0, 0, 0
    while True:
        match = _DEFINITION.search(text, pos)
        if match is None:
            break
        pos = match.end()
        line = _line(text, match.start())
        where = f"{path}:{line}"
        command, star = match.group(1), match.group(2)
        parsed = _definition(text, command, star, match.end())
        if parsed is None:
            setup.problems.append(Diagnostic(path, line, f"cannot read this \\{command}"
                                             + (" (environments cannot be macros)" if "environment" in command
                                                else ""),
                                             "define it in math_macros in config.yml by hand, or in the posts"))
            continue
        name, value, pos = parsed
        setup.define(name, value, where)
        first, count = first or line, count + 1
    if count:
        setup.sources.append(f"{count} TeX definition{'s' * (count > 1)} ({path}:{first})")


def _definition(text: str, command: str, star: str, pos: int) -> tuple[str, Any, int] | None:
    """(name, macro value, end) of one definition whose command ends at ``pos``; None if unreadable."""
    if command in ("newenvironment", "renewenvironment"):
        return None
    found = _name(text, pos)
    if found is None:
        return None
    name, pos = found
    if command == "let":                    # \let\a\b or \let\a=\b: \a is what \b is
        target = _CONTROL.match(text, pos + 1 if text[pos: pos + 1] == "=" else pos)
        return (name, target.group(1), target.end()) if target else None
    if command == "DeclareMathOperator":
        body = _group(text, pos)
        if body is None:
            return None
        return name, f"\\operatorname{star}{{{body[0]}}}", body[1]
    if command == "def":
        params = _PARAMS.match(text, pos)
        if params is None:
            return None                      # delimited parameters (\def\x#1.{...}): not a MathJax macro
        count = len(params.group(1)) // 2
        body = _group(text, params.end())
        if body is None:
            return None
        return name, [body[0], count] if count else body[0], body[1]
    count, default = 0, None
    optional = _OPTIONAL.match(text, pos)
    if optional:
        if not optional.group(1).strip().isdigit():
            return None
        count, pos = int(optional.group(1)), optional.end()
        second = _OPTIONAL.match(text, pos)
        if second:
            default, pos = second.group(1), second.end()
    body = _group(text, pos)
    if body is None:
        return None
    if default is not None:
        return name, [body[0], count, default], body[1]
    return name, [body[0], count] if count else body[0], body[1]
