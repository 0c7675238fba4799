"""Read the literal parts of a JavaScript object, as MathJax configurations are written.

A blog configures MathJax with an object literal in a script
(``MathJax.Hub.Config({...})``, ``window.MathJax = {...}``).  Only its
literal values matter to an import: strings, numbers, booleans, arrays and
nested objects.  Anything else (a function, a variable, an expression) is
read as :data:`OPAQUE` and skipped up to the next ``,`` or closing bracket at
its level, so one clever entry never hides the rest.

Strings follow JavaScript's rules: ``"\\\\mathbb{R}"`` is ``\\mathbb{R}``, and
an unknown escape drops its backslash (``"\\mathbb"`` is ``mathbb``, which is
what MathJax received from such a configuration).
"""

from __future__ import annotations

import re
from typing import Any

#: A value that is not a literal (a function, a variable, an expression).
OPAQUE = object()

_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_$][\w$]*")
_SPACE_AND_COMMENTS = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.DOTALL)


class _Reader:
    def __init__(self, text: str, pos: int):
        self.text, self.pos = text, pos

    def skip(self) -> None:
        match = _SPACE_AND_COMMENTS.match(self.text, self.pos)
        if match:
            self.pos = match.end()

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos: self.pos + 1]

    def value(self) -> Any:
        ch = self.peek()
        if ch == "{":
            return self.obj()
        if ch == "[":
            return self.array()
        if ch in "\"'`":
            return self.string()
        number = _NUMBER.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            if self.peek() in (",", "}", "]", ""):
                return float(number.group(0)) if "." in number.group(0) else int(number.group(0))
        word = _WORD.match(self.text, self.pos)
        if word and word.group(0) in ("true", "false", "null"):
            self.pos = word.end()
            if self.peek() in (",", "}", "]", ""):
                return {"true": True, "false": False, "null": None}[word.group(0)]
        self.opaque()
        return OPAQUE

    def opaque(self) -> None:
        """Skip an expression up to the ``,`` or closing bracket that ends it."""
        depth = 0
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in "\"'`":
                self.string()
                continue
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    return
                depth -= 1
            elif ch == "," and depth == 0:
                return
            self.pos += 1

    def string(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        out: list[str] = []
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == quote:
                self.pos += 1
                return "".join(out)
            if ch == "\\" and self.pos + 1 < len(text):
                nxt = text[self.pos + 1]
                if nxt == "u" and re.match(r"[0-9a-fA-F]{4}", text[self.pos + 2: self.pos + 6]):
                    out.append(chr(int(text[self.pos + 2: self.pos + 6], 16)))
                    self.pos += 6
                    continue
                if nxt == "x" and re.match(r"[0-9a-fA-F]{2}", text[self.pos + 2: self.pos + 4]):
                    out.append(chr(int(text[self.pos + 2: self.pos + 4], 16)))
                    self.pos += 4
                    continue
                if nxt != "\n":             # a backslash before a line break continues the string
                    out.append(_SIMPLE_ESCAPES.get(nxt, nxt))
                self.pos += 2
                continue
            out.append(ch)
            self.pos += 1
        raise ValueError("unterminated string")

    def array(self) -> list:
        self.pos += 1
        items: list = []
        while True:
            ch = self.peek()
            if ch == "]":
                self.pos += 1
                return items
            if ch == "":
                raise ValueError("unterminated array")
            items.append(self.value())
            if self.peek() == ",":
                self.pos += 1

    def key(self) -> str | None:
        ch = self.peek()
        if ch in "\"'":
            return self.string()
        word = re.compile(r"[\w$]+").match(self.text, self.pos)
        if word:
            self.pos = word.end()
            return word.group(0)
        return None

    def obj(self) -> dict:
        self.pos += 1
        result: dict[str, Any] = {}
        while True:
            ch = self.peek()
            if ch == "}":
                self.pos += 1
                return result
            if ch == "":
                raise ValueError("unterminated object")
            key = self.key()
            if key is None or self.peek() != ":":
                self.opaque()            # a method or spread: not a key we can read
                key = None
            else:
                self.pos += 1
                value = self.value()
                result[key] = value
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() not in ("}", ""):
                self.pos += 1           # something we do not understand: move on


def parse_object(text: str, pos: int) -> tuple[dict, int]:
    """The object literal starting at ``text[pos] == "{"`` and the offset just after it.

    Raises ValueError when it is not closed."""
    reader = _Reader(text, pos)
    if reader.peek() != "{":
        raise ValueError("not an object literal")
    value = reader.obj()
    return value, reader.pos


def lookup(obj: Any, *path: str) -> Any:
    """``obj[path[0]][path[1]]...``, or None when any step is missing (keys compared exactly)."""
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return None
        obj = obj[key]
    return obj
