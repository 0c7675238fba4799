"""Cell options: the valid keys, their checks, and how defaults merge.

Precedence is cell > post front matter (``exec:``) > site config > built-in.
Only ``error`` and ``fig-format`` change what running a cell produces, so
only they (with the source) enter the cache key: toggling ``echo`` or a
caption re-renders the page but never re-runs code.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from generator.errors import BuildError, Diagnostic

BUILTIN: dict = {
    "echo": True,        # show the code
    "output": True,      # show what it printed and drew
    "eval": True,        # run it at all
    "include": True,     # false: run it, show nothing
    "error": False,      # true: render an exception instead of failing the build
    "label": None,       # id of the cell's wrapper and prefix of its figure files
    "fig-cap": None,     # caption, or a list of captions (one per figure)
    "fig-alt": None,     # alt text, or a list
    "fig-format": "svg",  # svg or png
    "timeout": 300,      # seconds before the cell is stopped
    "depends": None,     # what the cell reads that the build cannot see: ["env:NAME", "data/x.csv"]
}
EXEC_KEYS = ("error", "fig-format", "depends")
POST_KEYS = ("seed",)   # allowed in front matter / site config, not on a cell
_BOOL_KEYS = ("echo", "output", "eval", "include", "error")
_LABEL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class OptionProblem:
    """One invalid option: which key and what is wrong with it."""

    key: str
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class ExecDefaults:
    """Cell option defaults for one post, and the post's seed."""

    options: dict
    seed: int = 0


def check_options(raw: dict, *, post_level: bool = False) -> list[OptionProblem]:
    """Every problem with a mapping of options (cell options unless ``post_level``)."""
    valid = list(BUILTIN) + (list(POST_KEYS) if post_level else [])
    problems = []
    for key, value in raw.items():
        if key not in valid:
            close = difflib.get_close_matches(str(key), valid, n=1)
            hint = (f"did you mean '{close[0]}'? " if close else "") + "valid options: " + ", ".join(valid)
            what = "exec option" if post_level else "cell option"
            problems.append(OptionProblem(str(key), f"unknown {what} '{key}'", hint))
            continue
        message = _check_value(key, value)
        if message:
            problems.append(OptionProblem(key, f"option '{key}' {message}"))
    return problems


def _check_value(key: str, value) -> str | None:
    if key in _BOOL_KEYS:
        return None if isinstance(value, bool) else f"must be true or false, not {value!r}"
    if key == "label":
        if value is None or (isinstance(value, str) and _LABEL_RE.match(value)):
            return None
        return f"must be a name of letters, digits, '-' or '_' starting with a letter, not {value!r}"
    if key in ("fig-cap", "fig-alt"):
        if value is None or isinstance(value, str):
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return None
        return f"must be a text or a list of texts, not {value!r}"
    if key == "fig-format":
        return None if value in ("svg", "png") else f"must be svg or png, not {value!r}"
    if key == "depends":
        items = [value] if isinstance(value, str) else value
        if value is None or (isinstance(items, list) and items and all(isinstance(v, str) and v.strip()
                                                                      for v in items)):
            return None
        return f"must be a list of 'env:NAME' or file paths, not {value!r}"
    if key == "timeout":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
        return None if ok else f"must be a positive number of seconds, not {value!r}"
    if key == "seed":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else f"must be a non-negative integer, not {value!r}"
    return None


def merge_options(*layers: dict | None) -> dict:
    """Built-in options overridden by each layer in turn (later wins)."""
    merged = dict(BUILTIN)
    for layer in layers:
        if layer:
            merged.update({k: v for k, v in layer.items() if k in BUILTIN})
    return merged


def resolve_defaults(site: dict | None = None, post: dict | None = None, *,
                     site_path: str | None = None, post_path: str | None = None) -> ExecDefaults:
    """Validate the site's and a post's ``exec:`` settings and merge them.

    Raises BuildError naming the file (config or post) with every bad key.
    """
    errors = []
    for raw, path in ((site, site_path), (post, post_path)):
        if raw is None:
            continue
        if not isinstance(raw, dict):
            errors.append(Diagnostic(path, None, f"'exec' must be a mapping of options, not {raw!r}"))
            continue
        errors += [Diagnostic(path, None, p.message, p.hint) for p in check_options(raw, post_level=True)]
    if errors:
        raise BuildError.many(errors)
    options = {}
    seed = 0
    for raw in (site, post):
        if raw:
            options.update({k: v for k, v in raw.items() if k in BUILTIN})
            seed = raw.get("seed", seed)
    return ExecDefaults(options, seed)


def exec_options(options: dict) -> dict:
    """The options that change what running a cell produces (part of its cache key)."""
    return {k: options.get(k, BUILTIN[k]) for k in EXEC_KEYS}
