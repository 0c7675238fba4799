"""Liquid in the carried files that a gdblog build cannot do, found before the first build.

gdblog runs the Liquid math posts use (``raw``, ``comment``, ``highlight``,
``post_url``, ``link``, ``include`` and ``{{ site.x }}``-style outputs, see
``generator/markdown/jekyll/liquid.py``).  The import reports, with file and
line: control flow (``if``, ``for``, ``assign``, ``capture``, ``case`` ...,
once per block, not for its ``else``/``end``), tags that came from plugins
(``gist``, ``cite``...), ``include_relative``, ``post_url``/``link``/
``include`` whose target is not in the site (a build would stop there), and
variables only Jekyll has (``site.data``, ``site.posts``, ``paginator``...).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .report import ImportReport

SUPPORTED = {"raw", "endraw", "comment", "endcomment", "highlight", "endhighlight", "post_url", "link", "include"}
CONTROL = {"if", "unless", "case", "for", "tablerow", "assign", "capture", "increment", "decrement", "cycle",
           "break", "continue", "liquid", "echo", "render"}
#: Tags that only continue or close a block already reported.
CONTINUATIONS = {"else", "elsif", "when", "endif", "endunless", "endcase", "endfor", "endtablerow", "endcapture"}
_TAG = re.compile(r"\{%-?\s*([A-Za-z_]\w*)(.*?)-?%\}", re.DOTALL)
_SKIPPED = re.compile(r"\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}|"
                      r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.DOTALL)
_MATH_INCLUDE = re.compile(r"math|mathjax|katex|latex", re.IGNORECASE)
#: Liquid variables only Jekyll has: in a gdblog build they render empty (site.*) or stay text.
_JEKYLL_ONLY = re.compile(r"\{\{-?\s*((?:site\.(?:data|posts|pages|categories|tags|static_files|collections|"
                          r"documents|html_pages|time|related_posts)|paginator)\b[^}]*?)\s*-?\}\}")


@dataclass
class LiquidTargets:
    """What tags in the site may point at."""

    posts: set[str] = field(default_factory=set)       # "2018-08-12-slug" and "sub/2018-08-12-slug"
    includes: set[str] = field(default_factory=set)    # names under _includes/
    files: set[str] = field(default_factory=set)       # source paths, for {% link %}


def scan_liquid(path: str, text: str, targets: LiquidTargets, report: ImportReport,
                include_used: Callable[[str], None] | None = None) -> None:
    """Report the Liquid of one carried file that a build cannot do (``path`` is relative to SRC)."""
    if "{%" not in text and "{{" not in text:
        return
    text = _SKIPPED.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for match in _JEKYLL_ONLY.finditer(text):
        report.skip(path, text.count("\n", 0, match.start()) + 1,
                    f"Liquid {{{{ {match.group(1)} }}}}: Jekyll's site data and post lists are not there in gdblog",
                    "write the value into the page")
    for match in _TAG.finditer(text):
        name, rest = match.group(1), match.group(2).strip()
        line = text.count("\n", 0, match.start()) + 1
        if name in SUPPORTED:
            _check_target(path, line, name, rest, targets, report, include_used)
        elif name in CONTROL:
            report.skip(path, line, f"Liquid {{% {name} %}}: gdblog runs no Liquid control flow "
                                    "(it is left as text, with a warning)",
                        "rewrite that part of the page without it, or remove it")
        elif name not in CONTINUATIONS and not name.startswith("end"):
            report.skip(path, line, f"Liquid tag {{% {name} %}}: a Jekyll or plugin tag gdblog does not have",
                        "replace it by what it produced (Markdown, HTML or a link)")


def _check_target(path: str, line: int, name: str, rest: str, targets: LiquidTargets, report: ImportReport,
                  include_used: Callable[[str], None] | None) -> None:
    target = rest.split()[0] if rest.split() else ""
    if name == "post_url":
        if target.strip("/") not in targets.posts:
            report.skip(path, line, f"{{% post_url {target} %}}: there is no post {target!r}",
                        "the build stops here until it names a post in _posts/ (file name without extension)")
    elif name == "link":
        if target.lstrip("/") not in targets.files:
            report.skip(path, line, f"{{% link {target} %}}: there is no file {target!r}",
                        "the build stops here until it names a source file")
    elif name == "include":
        if not target or target.startswith(("{{", "'", '"')):
            report.skip(path, line, f"{{% include {rest} %}}: the include's name is computed",
                        "write the include's file name")
        elif target in targets.includes:
            if include_used is not None:
                include_used(target)
        elif not _MATH_INCLUDE.search(target):
            report.skip(path, line, f"{{% include {target} %}}: there is no _includes/{target}",
                        "the build stops here until the include exists")


def scan_includes(names: Iterable[str], read: Callable[[str], str], targets: LiquidTargets,
                  report: ImportReport) -> None:
    """Scan the includes that carried files use, and the includes they use in turn."""
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        scan_liquid(f"_includes/{name}", read(name), targets, report, include_used=todo.append)
