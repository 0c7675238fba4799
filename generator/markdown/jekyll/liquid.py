"""The Liquid that Jekyll math posts use, applied to the body before Markdown.

This is deliberately not a Liquid engine.  It knows a fixed list of forms and
touches nothing else, so TeX such as ``x^{{2}}`` or ``\\left\\{% comment`` in a
formula stays exactly as written:

* outputs: ``{{ site.X }}``, ``{{ page.X }}``, ``{{ include.X }}`` (inside an
  include) and quoted strings, with the filters in :data:`FILTERS`;
  anything else between ``{{ }}`` is left alone without a word, since it is
  more often TeX than a Liquid variable;
* tags: ``raw``, ``comment``, ``highlight``, ``post_url``, ``link`` and
  ``include``; any other ``{% tag %}`` is left as text with a warning.

Every substitution keeps the number of line breaks, so the line numbers of
later messages (Markdown warnings, cell errors) still point into the file.
That is why an include is not pasted in here: it becomes a one-line
placeholder that the Markdown plugin in :mod:`.includes` expands.
"""

from __future__ import annotations

import base64
import bisect
import datetime as dt
import difflib
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...errors import BuildError, Diagnostic

#: ``{{ ... }}`` on one line; what is inside is checked by :func:`_expression`.
_OUTPUT = re.compile(r"\{\{-?[ \t]*([^{}\n]*?)[ \t]*-?\}\}")
#: Block tags as (opening tag, closing tag): the block runs to the first closing tag after it.
_RAW = (re.compile(r"\{%-?\s*raw\s*-?%\}"), re.compile(r"\{%-?\s*endraw\s*-?%\}"))
_COMMENT = (re.compile(r"\{%-?\s*comment\s*-?%\}"), re.compile(r"\{%-?\s*endcomment\s*-?%\}"))
_HIGHLIGHT = (re.compile(r"\{%-?[ \t]*highlight[ \t]+([\w+#.-]+)([^\n%]*?)-?%\}"),
              re.compile(r"\{%-?[ \t]*endhighlight[ \t]*-?%\}"))
#: The start of any other tag (it ends at the first ``%}`` on its line).
_TAG_HEAD = re.compile(r"\{%-?[ \t]*([A-Za-z_]\w*)")
_PLACEHOLDER = re.compile(r"\x00raw(\d+)(\n*)\x00")
_VARIABLE = re.compile(r"(site|page|include)((?:\.[A-Za-z_][\w-]*|\[\d+\])+)")
_STRING = re.compile(r"'([^']*)'|\"([^\"]*)\"")
_ARG = re.compile(r"\s*(?:'([^']*)'|\"([^\"]*)\"|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w.]*))\s*")

#: Marks where an include goes; the ``includes`` Markdown plugin expands it.
INCLUDE_MARK = "gdblog-include:"


@dataclass
class LiquidContext:
    site: dict                      # site.baseurl, site.url, site.title, ...
    page: dict                      # page.title, page.url, ...
    base_path: str = "/"            # "/repo/"
    absolute_base: str = ""         # "https://user.github.io/repo"
    post_url: Callable[[str], str | None] = lambda name: None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: include name -> text, from the site's ``_includes/`` folders
    includes: dict = field(default_factory=dict)
    include: dict | None = None     # parameters of the include being rendered


def has_liquid(text: str) -> bool:
    return "{{" in text or "{%" in text


# --------------------------------------------------------------------------
# filters

def _date(value, fmt: str | None = None) -> str:
    if isinstance(value, str):
        from ...dates import parse_date

        try:
            value = parse_date(value, dt.timezone.utc)
        except ValueError:
            return value
    if not isinstance(value, (dt.date, dt.datetime)):
        return str(value)
    if fmt is None:
        return value.strftime("%d %b %Y")
    # Ruby's %-d / %-m (no padding) are common in Jekyll templates; Python on
    # glibc understands them too, but say so explicitly for portability.
    fmt = fmt.replace("%-d", str(value.day)).replace("%-m", str(value.month))
    return value.strftime(fmt)


def _url(value: str, prefix: str) -> str:
    if re.match(r"^[a-z][a-z0-9+.-]*:|^//|^#", value):
        return value
    return prefix.rstrip("/") + "/" + value.lstrip("/")


def _slugify(value: str) -> str:
    from ...urls import slugify

    return slugify(value)


#: name -> (function(value, ctx, *args)), the filters math posts use.
FILTERS: dict[str, Callable] = {
    "relative_url": lambda v, c: _url(str(v), c.base_path),
    "absolute_url": lambda v, c: _url(str(v), c.absolute_base or c.base_path),
    "escape": lambda v, c: html.escape(str(v)),
    "xml_escape": lambda v, c: html.escape(str(v)),
    "uri_escape": lambda v, c: __import__("urllib.parse").parse.quote(str(v), safe="/:?#[]@!$&'()*+,;="),
    "downcase": lambda v, c: str(v).lower(),
    "upcase": lambda v, c: str(v).upper(),
    "capitalize": lambda v, c: str(v)[:1].upper() + str(v)[1:],
    "strip": lambda v, c: str(v).strip(),
    "slugify": lambda v, c: _slugify(str(v)),
    "append": lambda v, c, s="": str(v) + str(s),
    "prepend": lambda v, c, s="": str(s) + str(v),
    "default": lambda v, c, d="": v if v not in (None, "", False, [], {}) else d,
    "date": lambda v, c, f=None: _date(v, f),
    "date_to_string": lambda v, c: _date(v, "%d %b %Y"),
    "date_to_long_string": lambda v, c: _date(v, "%d %B %Y"),
    "date_to_xmlschema": lambda v, c: _date(v, "%Y-%m-%dT%H:%M:%S%z"),
    "number_of_words": lambda v, c: str(len(str(v).split())),
    "size": lambda v, c: str(len(v)) if hasattr(v, "__len__") else "0",
    "jsonify": lambda v, c: json.dumps(v, default=str),
    "join": lambda v, c, s=" ": str(s).join(map(str, v)) if isinstance(v, (list, tuple)) else str(v),
}


def _stringify(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "".join(map(str, value))     # what Liquid prints for an array
    return str(value)


def _lookup(scope: dict, path: str):
    value: Any = scope
    for part in re.findall(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]", path):
        key, index = part
        if key and isinstance(value, dict):
            value = value.get(key)
        elif index and isinstance(value, (list, tuple)) and int(index) < len(value):
            value = value[int(index)]
        else:
            return None
    return value


def _expression(inner: str, ctx: LiquidContext, where: Callable[[], tuple[str, int]]) -> str | None:
    """The value of ``site.x | filter: 'arg'``, or None when ``inner`` is not such an expression."""
    parts = _split_pipes(inner)
    if parts is None:
        return None
    head, filters = parts[0].strip(), parts[1:]
    var = _VARIABLE.fullmatch(head)
    if var:
        scope = {"site": ctx.site, "page": ctx.page, "include": ctx.include}[var.group(1)]
        if scope is None:
            return None                     # include.x outside an include: not ours
        value = _lookup(scope, var.group(2))
        if value is None and not any(f.strip().startswith("default") for f in filters):
            path, line = where()
            ctx.diagnostics.append(Diagnostic(path, line, f"{{{{ {head} }}}} has no value here; it renders empty",
                                              "Jekyll renders it empty too; set it in config.yml or the front matter"))
    else:
        string = _STRING.fullmatch(head)
        if not string:
            return None
        value = string.group(1) if string.group(1) is not None else string.group(2)
    for text in filters:
        match = re.fullmatch(r"\s*([A-Za-z_]\w*)\s*(?::(.*))?", text, re.DOTALL)
        if not match:
            return None
        name, args_text = match.groups()
        args = _arguments(args_text, ctx) if args_text else []
        if args is None:
            return None
        function = FILTERS.get(name)
        if function is None:
            path, line = where()
            ctx.diagnostics.append(Diagnostic(path, line, f"Liquid filter '{name}' is not supported; it is skipped",
                                              f"supported filters: {', '.join(sorted(FILTERS))}"))
            continue
        try:
            value = function(value, ctx, *args)
        except (TypeError, ValueError) as exc:
            path, line = where()
            ctx.diagnostics.append(Diagnostic(path, line, f"Liquid filter '{name}' failed: {exc}"))
    return _stringify(value)


def _split_pipes(inner: str) -> list[str] | None:
    parts, current, quote = [], [], None
    for ch in inner:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            current.append(ch)
        elif ch == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if quote:
        return None
    parts.append("".join(current))
    return parts


def _arguments(text: str, ctx: LiquidContext) -> list | None:
    args, pos = [], 0
    while pos < len(text):
        match = _ARG.match(text, pos)
        if not match:
            return None
        s1, s2, number, name = match.groups()
        if s1 is not None or s2 is not None:
            args.append(s1 if s1 is not None else s2)
        elif number is not None:
            args.append(number)
        else:
            var = _VARIABLE.fullmatch(name)
            if not var:
                return None
            scope = {"site": ctx.site, "page": ctx.page, "include": ctx.include}[var.group(1)] or {}
            args.append(_lookup(scope, var.group(2)))
        pos = match.end()
        if pos < len(text):
            if text[pos] != ",":
                return None
            pos += 1
    return args


# --------------------------------------------------------------------------
# tags

def _parameters(text: str) -> dict[str, str]:
    """``key="value" key2='v' key3=word`` of an include tag."""
    params = {}
    for match in re.finditer(r"([\w-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|(\S+))", text):
        params[match.group(1)] = next(g for g in match.group(2, 3, 4) if g is not None)
    return params


def highlight_block(code: str, lang: str, options: str) -> str:
    """``{% highlight %}`` as our fenced code renders, with the same number of line breaks
    as the block it replaces (``code`` starts after the opening tag, ends before the closing one)."""
    from ..highlight import highlight_code

    breaks = code.count("\n")               # the tags hold no line break; all are in the code
    body = code.removeprefix("\n")
    body = body if body.endswith("\n") or not body else body + "\n"
    lang = lang.lower()
    rendered = highlight_code(body, lang)
    if rendered:
        inner = rendered[rendered.index(">", rendered.index("<code")) + 1: rendered.rindex("</code>")]
    else:
        inner = html.escape(body, quote=False)
    if re.search(r"\blinenos\b", options):
        lines = inner.split("\n")
        width = len(str(len(lines) - 1))
        inner = "\n".join(f'<span class="linenos">{n:>{width}}</span>{line}' if n < len(lines) else line
                          for n, line in enumerate(lines, start=1))
    # <pre> starts a raw HTML block that runs to its </pre> line, blank lines and all.
    out = f'<pre class="highlight"><code class="language-{html.escape(lang)}" data-lang="{html.escape(lang)}">'
    out += inner.rstrip("\n") + "</code></pre>"
    return out + "\n" * max(breaks - out.count("\n"), 0)


def render_liquid(text: str, ctx: LiquidContext, *, path: str, line_offset: int) -> str:
    """Apply the supported Liquid to ``text`` (a post body starting on file line ``line_offset``).

    Raises :class:`BuildError` for a ``post_url``/``link`` to nothing and a
    missing include; warns (in ``ctx.diagnostics``) about unknown tags."""
    if not has_liquid(text):
        return text
    raws: list[str] = []
    lines = _Lines()

    def line_at(source: str, pos: int) -> int:
        return line_offset + lines.count(source, pos)

    def keep_raw(opening: re.Match, inner: str, whole: str) -> str:
        raws.append(inner)
        return f"\x00raw{len(raws) - 1}" + "\n" * whole.count("\n") + "\x00"

    def unraw(source: str) -> str:
        return _PLACEHOLDER.sub(lambda m: raws[int(m.group(1))], source)

    text = _sub_blocks(text, _RAW, keep_raw)
    text = _sub_blocks(text, _COMMENT, lambda opening, inner, whole: "\n" * whole.count("\n"))

    def output(match: re.Match) -> str:
        value = _expression(match.group(1), ctx, lambda: (path, line_at(text, match.start())))
        return match.group(0) if value is None else value

    text = _OUTPUT.sub(output, text)

    def highlight(opening: re.Match, code: str, whole: str) -> str:
        lang, options = opening.groups()
        return highlight_block(unraw(code), lang, options)

    text = _sub_blocks(text, _HIGHLIGHT, highlight)

    warned: list[str] = []

    def tag(match: _Tag) -> str:
        name, rest = match.group(1), match.group(2).strip()
        line = line_at(text, match.start())
        if name in ("post_url", "link"):
            target = rest.split()[0] if rest else ""
            url = _resolve(name, target, ctx)
            if url is None:
                raise _missing(name, target, ctx, path, line)
            return url
        if name == "include":
            return _include(rest, ctx, path, line)
        if name in ("highlight", "endhighlight", "raw", "endraw", "comment", "endcomment"):
            other = "end" + name if not name.startswith("end") else name[3:]
            ctx.diagnostics.append(Diagnostic(path, line, f"{{% {name} %}} without its matching "
                                              f"{{% {other} %}}; left as text"))
            return match.group(0)
        if warned and (name.startswith("end") or name in ("else", "elsif", "when")):
            return match.group(0)   # the rest of a block whose opening tag was reported
        warned.append(name)
        ctx.diagnostics.append(Diagnostic(
            path, line, f"Liquid tag {{% {name} %}} is not supported; it is left as text",
            "supported: raw, comment, highlight, post_url, link, include; "
            "wrap literal Liquid in {% raw %}...{% endraw %}"))
        return match.group(0)

    text = _sub_tags(text, tag)
    return unraw(text) if raws else text


def _sub_blocks(text: str, tags: tuple[re.Pattern, re.Pattern], replace: Callable[[re.Match, str, str], str]) -> str:
    """Replace every block from an opening tag to the first closing tag after it, left to right.

    What ``re.sub(OPEN(.*?)CLOSE, DOTALL)`` does, in linear time: once an opening
    tag has no closing tag after it, no later one has, so the scan stops there
    instead of trying every later opening tag to the end of the text again
    (50,000 unclosed ``{% raw %}`` took minutes that way).
    """
    opening_tag, closing_tag = tags
    out, pos = [], 0
    while True:
        opening = opening_tag.search(text, pos)
        if opening is None:
            break
        closing = closing_tag.search(text, opening.end())
        if closing is None:
            break
        out.append(text[pos: opening.start()])
        out.append(replace(opening, text[opening.end(): closing.start()], text[opening.start(): closing.end()]))
        pos = closing.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


class _Tag:
    """One ``{% name rest %}`` found by :func:`_sub_tags`, with the parts of a regex match."""

    __slots__ = ("_groups", "_start")

    def __init__(self, whole: str, name: str, rest: str, start: int):
        self._groups, self._start = (whole, name, rest), start

    def group(self, n: int = 0) -> str:
        return self._groups[n]

    def start(self) -> int:
        return self._start


def _sub_tags(text: str, replace: Callable[[_Tag], str]) -> str:
    """Replace every ``{% name ... %}`` tag that ends on its own line.

    A tag runs from its name to the first ``%}`` (``-%}``) after it, if that
    comes before the end of the line.  The next ``%}`` and the next line end are
    remembered as the scan moves right, so a long line full of unclosed tags
    costs linear time (a lazy regex would scan to the end of the line from each).
    """
    out, pos, cursor = [], 0, 0
    close = newline = -1
    while True:
        start = text.find("{%", cursor)
        if start < 0:
            break
        head = _TAG_HEAD.match(text, start)
        if head is None:
            cursor = start + 2
            continue
        if close < head.end():
            close = text.find("%}", head.end())
            close = close if close >= 0 else len(text)
        if newline < head.end():
            newline = text.find("\n", head.end())
            newline = newline if newline >= 0 else len(text)
        if close >= newline:   # not closed on its line: not a tag
            cursor = head.end()
            continue
        rest_end = close - 1 if close - 1 >= head.end() and text[close - 1] == "-" else close
        out.append(text[pos:start])
        out.append(replace(_Tag(text[start: close + 2], head.group(1), text[head.end(): rest_end], start)))
        pos = cursor = close + 2
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


class _Lines:
    """Line numbers of positions in a text, from its line ends found once (a text is asked many times)."""

    def __init__(self) -> None:
        self._text: str | None = None
        self._ends: list[int] = []

    def count(self, text: str, pos: int) -> int:
        """Line breaks before ``pos``."""
        if self._text is not text:
            self._text = text
            self._ends = [m.start() for m in re.finditer("\n", text)]
        return bisect.bisect_left(self._ends, pos)


def _resolve(name: str, target: str, ctx: LiquidContext) -> str | None:
    if name == "post_url":
        # Jekyll names a post in a subfolder of _posts as /subdir/2010-07-21-name (leading slash optional)
        return ctx.post_url(target.lstrip("/"))
    # {% link _posts/2018-08-12-x.md %} or {% link about.md %}: a source file's URL
    if target.startswith("_posts/"):
        return ctx.post_url(re.sub(r"\.(md|markdown)$", "", target[len("_posts/"):]))
    return ctx.post_url("file:" + target.lstrip("/"))


def _missing(name: str, target: str, ctx: LiquidContext, path: str, line: int) -> BuildError:
    if not target:
        return BuildError(f"{{% {name} %}} needs the name of a post", path=path, line=line,
                          hint="write {% post_url 2018-08-12-my-post %}")
    known = getattr(ctx.post_url, "__self__", None)
    names = [k for k in known if not k.startswith("file:")] if isinstance(known, dict) else []
    close = difflib.get_close_matches(target, names, n=1)
    what = "post" if name == "post_url" else "file"
    hint = f"did you mean {close[0]}?" if close else (
        "name a post by its file name without the extension, e.g. 2018-08-12-my-post" if name == "post_url"
        else "give the source path, e.g. _posts/2018-08-12-my-post.md or about.md")
    return BuildError(f"{{% {name} {target} %}}: no {what} named {target!r}", path=path, line=line, hint=hint)


def _include(rest: str, ctx: LiquidContext, path: str, line: int) -> str:
    parts = rest.split(None, 1)
    name = parts[0] if parts else ""
    params: dict = _parameters(parts[1]) if len(parts) > 1 else {}
    if not name or name.startswith(("{{", "'", '"')):
        raise BuildError(f"{{% include {rest} %}}: the include name must be a plain file name", path=path, line=line)
    source = ctx.includes.get(name)
    if source is None:
        if re.search(r"math|mathjax|katex|latex", name, re.IGNORECASE):
            # A MathJax loader: the site loads MathJax itself on every page with math.
            ctx.diagnostics.append(Diagnostic(path, line,
                                              f"dropped {{% include {name} %}}: the site loads MathJax itself",
                                              "remove the tag to silence this"))
            return ""
        raise BuildError(f"{{% include {name} %}}: there is no include named {name!r}", path=path, line=line,
                         hint=f"copy it from your Jekyll site to _includes/{name} (or templates/_includes/{name}), "
                              "or remove the tag")
    nested = ctx.include is not None
    depth = ctx.include.get("\x00depth", 0) + 1 if ctx.include is not None else 1
    if depth > 8:
        raise BuildError(f"{{% include {name} %}}: includes nested more than 8 deep (does one include itself?)",
                         path=path, line=line)
    if has_liquid(source):
        inner = LiquidContext(site=ctx.site, page=ctx.page, base_path=ctx.base_path,
                              absolute_base=ctx.absolute_base, post_url=ctx.post_url,
                              includes=ctx.includes, include={**params, "\x00depth": depth})
        try:
            source = render_liquid(source, inner, path=path, line_offset=line)
        except BuildError as exc:
            # Problems inside an include are reported at the tag that pulled it in.
            raise BuildError.many([Diagnostic(path, line, f"in include {name}: {d.message}", d.hint)
                                   for d in exc.errors]) from None
        ctx.diagnostics.extend(Diagnostic(path, line, f"in include {name}: {d.message}", d.hint)
                               for d in inner.diagnostics)
    if nested:
        return source               # pasted into the outer include; its lines do not count
    payload = base64.b64encode(json.dumps({"name": name, "text": source}).encode()).decode()
    return f"<!--{INCLUDE_MARK}{payload}-->"


def read_include(mark: str) -> tuple[str, str] | None:
    """(name, text) from the content of an include placeholder comment, or None."""
    text = mark.strip()
    if not (text.startswith("<!--" + INCLUDE_MARK) and text.endswith("-->")):
        return None
    try:
        data = json.loads(base64.b64decode(text[4 + len(INCLUDE_MARK): -3]))
    except ValueError:
        return None
    return data["name"], data["text"]
