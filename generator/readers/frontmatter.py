"""YAML front matter between ``---`` lines, read with line numbers for messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import BuildError
from ..limits import TOO_LARGE_HINT, describe, too_large

_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.M)
_TOP_KEY = re.compile(r"^([A-Za-z_][^:#\n]*?)[ \t]*:", re.M)


@dataclass
class FrontMatter:
    meta: dict                     # the parsed mapping ({} when there is none)
    body: str                      # the text after it
    body_line: int                 # file line (1-based) of the body's first line
    lines: dict[str, int]          # file line of each top-level key


def split_front_matter(text: str, rel: str) -> tuple[dict, str, int]:
    """Return (front matter, body, first body line).  No front matter: ({}, text, 1)."""
    parsed = read_front_matter(text, rel)
    return parsed.meta, parsed.body, parsed.body_line


def read_front_matter(text: str, rel: str, *, first_line: int = 1) -> FrontMatter:
    """Split ``text`` into its front matter and body; ``first_line``: the file line ``text`` starts on."""
    if not (text.startswith("---\n") or text == "---"):
        return FrontMatter({}, text, first_line, {})
    end = _END.search(text, 4)
    if end is None:
        raise BuildError("front matter opened with '---' on line 1 is never closed", path=rel, line=first_line,
                         hint="add a line with just '---' after the front matter")
    yaml_text = text[4: end.start()]
    body_start = end.end() + 1
    body_line = text.count("\n", 0, min(body_start, len(text))) + first_line
    body = text[body_start:] if body_start <= len(text) else ""
    lines = {m.group(1): yaml_text.count("\n", 0, m.start()) + first_line + 1 for m in _TOP_KEY.finditer(yaml_text)}
    meta = parse_yaml_mapping(yaml_text, rel, first_line + 1) if yaml_text.strip() else {}
    if "*" in yaml_text and too_large(meta):   # only aliases (*name) can make it large
        key = next((k for k in meta if too_large(meta[k])), None)
        raise BuildError(describe("the front matter" if key is None else f"the front matter value of {key!r}"),
                         path=rel, line=lines.get(key, first_line) if isinstance(key, str) else first_line,
                         hint=TOO_LARGE_HINT)
    return FrontMatter(meta, body, body_line, lines)


def parse_yaml_mapping(yaml_text: str, rel: str, first_line: int) -> dict:
    """A YAML mapping (dates kept as text), or a BuildError at the line of the problem."""
    import yaml

    try:
        meta = yaml.load(yaml_text, Loader=_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise BuildError(f"invalid YAML in front matter: {problem}", path=rel,
                         line=mark.line + first_line if mark else first_line,
                         hint="check quoting: values with ':' or starting with '[', '{', '*' need quotes") from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise BuildError(f"invalid front matter: {exc}", path=rel, line=first_line) from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise BuildError("front matter must be key: value lines", path=rel, line=first_line)
    return meta


@lru_cache(maxsize=1)
def _loader():
    """YAML's safe loader, but dates stay strings: :func:`generator.readers.fields.parse_date`
    reads them and reports a bad one with its line, instead of YAML raising a bare error."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = {first: [r for r in found if r[0] != "tag:yaml.org,2002:timestamp"]
                 for first, found in base.yaml_implicit_resolvers.items()}
    return type("FrontMatterLoader", (base,), {"yaml_implicit_resolvers": resolvers})


def front_matter_line(text: str, key: str) -> int | None:
    """Line of ``key:`` in the front matter, for error messages."""
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None
