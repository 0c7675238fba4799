"""Cell options: the valid keys, their checks, and how defaults merge.

Precedence is cell > post front matter (``exec:``) > site config > built-in.
Only :data:`EXEC_KEYS` change what running a cell produces, so only they (with
the source) enter the cache key: toggling ``echo`` or a caption re-renders the
page but never re-runs code.

Quarto's everyday options are accepted with Quarto's meaning.  An option we do
not know is a warning (the cell runs without it), not a failure: documents move
between the two tools, and Quarto knows options that mean nothing here.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from generator.errors import BuildError, Diagnostic
from generator.markdown.cells import params as sweep_params
from generator.markdown.cells.params import DEFAULT_MAX_FRAMES

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
    # Quarto's options
    "code-fold": False,  # true / "show": the code in a <details> (closed / open)
    "code-summary": "Code",  # the <summary> of folded code
    "warning": True,     # false: warnings raised by the cell are dropped
    "message": True,     # accepted for Quarto documents (R's messages; nothing in Python)
    "fig-width": None,   # figure size in inches (with fig-height), for figures the cell makes
    "fig-height": None,
    "fig-subcap": None,  # captions of the subfigures of a cell that draws several
    "layout-ncol": None,  # subfigures side by side in this many columns
    "tbl-cap": None,     # caption of the table a cell shows (label: tbl-...)
    "code-line-numbers": False,  # number the code's lines; "3,5-6": and highlight those lines
    "renderings": None,  # [light, dark]: every figure also gets a dark variant; [light]: none
    "depends": None,     # what the cell reads that the build cannot see: ["env:NAME", "data/x.csv"]
    # interactive figures (see params.py): parameters to sweep, the frame shown first, a cap
    "interactive": None,
    "interactive-default": None,
    "interactive-max-frames": DEFAULT_MAX_FRAMES,
}
#: ``interactive`` is not one of them: each frame has its own key, so adding a value runs only
#: the new frames; the cell's own run (the default frame) is keyed by its values instead (see
#: :func:`exec_options`).
EXEC_KEYS = ("error", "fig-format", "warning", "fig-width", "fig-height", "depends")
#: Only on a cell: a sweep belongs to one cell's code.
CELL_ONLY_KEYS = ("interactive", "interactive-default")
#: Allowed in front matter / site config, not on a cell: the seed, and whether an
#: executed post ends with its reproducibility note.
POST_KEYS = ("seed", "repro_note")
_BOOL_KEYS = ("echo", "output", "eval", "include", "error", "warning", "message", "repro_note")
_LABEL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class OptionProblem:
    """One invalid option: which key and what is wrong with it."""

    key: str
    message: str
    hint: str | None = None
    #: False for an unknown cell option: a warning, the cell runs without it.
    fatal: bool = True


@dataclass(frozen=True)
class ExecDefaults:
    """Cell option defaults for one post, the post's seed, and whether it shows its repro note."""

    options: dict
    seed: int = 0
    repro_note: bool = True


def check_options(raw: dict, *, post_level: bool = False) -> list[OptionProblem]:
    """Every problem with a mapping of options (cell options unless ``post_level``)."""
    valid = list(BUILTIN) + (list(POST_KEYS) if post_level else [])
    problems = []
    for key, value in raw.items():
        if key not in valid:
            close = difflib.get_close_matches(str(key), valid, n=1)
            hint = (f"did you mean '{close[0]}'? " if close else "") + "valid options: " + ", ".join(valid)
            what = "exec option" if post_level else "cell option"
            problems.append(OptionProblem(str(key), f"unknown {what} '{key}' (ignored)" if not post_level
                                          else f"unknown {what} '{key}'", hint, fatal=post_level))
            continue
        if post_level and key in CELL_ONLY_KEYS:
            problems.append(OptionProblem(key, f"option '{key}' belongs on a cell, not in 'exec:'",
                                          "write it as '#| " + key + ": ...' at the top of the cell"))
            continue
        message = _check_value(key, value)
        if message:
            problems.append(OptionProblem(key, f"option '{key}' {message}"))
    if not post_level:
        problems += _check_interactive(raw)
    return problems


def _check_interactive(raw: dict) -> list[OptionProblem]:
    """``interactive-default`` must name values of ``interactive`` (checked once both are valid)."""
    spec, default = raw.get("interactive"), raw.get("interactive-default")
    if default is None:
        return []
    if not spec or sweep_params.spec_problem(spec):
        if spec:
            return []  # reported by _check_value
        return [OptionProblem("interactive-default", "option 'interactive-default' needs 'interactive'",
                              "declare the parameters to sweep with '#| interactive:'")]
    message = sweep_params.default_problem(default, sweep_params.parse(spec))
    return [OptionProblem("interactive-default", f"option 'interactive-default' {message}")] if message else []


def frame_limit_problem(options: dict) -> OptionProblem | None:
    """Too many frames for the cell's ``interactive-max-frames`` (merged options: the limit may
    come from the post or the site)."""
    found = sweep_params.of_options(options)
    if found is None:
        return None
    params, _ = found
    count, limit = sweep_params.frame_count(params), options.get("interactive-max-frames", DEFAULT_MAX_FRAMES)
    if count <= limit:
        return None
    sizes = " x ".join(f"{len(p.values)} {p.name}" for p in params)
    return OptionProblem("interactive", f"interactive figure has {count} frames ({sizes}), more than the "
                                        f"limit of {limit}",
                         f"sweep fewer values, or raise the limit with '#| interactive-max-frames: {count}'")


def _check_value(key: str, value) -> str | None:
    if key in _BOOL_KEYS:
        return None if isinstance(value, bool) else f"must be true or false, not {value!r}"
    if key == "label":
        if value is None or (isinstance(value, str) and _LABEL_RE.match(value)):
            return None
        return f"must be a name of letters, digits, '-' or '_' starting with a letter, not {value!r}"
    if key == "code-fold":
        return None if value in (True, False, "show") else f"must be true, false or show, not {value!r}"
    if key in ("fig-width", "fig-height"):
        ok = value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0)
        return None if ok else f"must be a positive number of inches, not {value!r}"
    if key == "layout-ncol":
        ok = value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0)
        return None if ok else f"must be a positive whole number, not {value!r}"
    if key in ("code-summary", "tbl-cap"):
        return None if value is None or isinstance(value, str) else f"must be a text, not {value!r}"
    if key in ("fig-cap", "fig-alt", "fig-subcap"):
        if value is None or isinstance(value, str):
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return None
        return f"must be a text or a list of texts, not {value!r}"
    if key == "fig-format":
        return None if value in ("svg", "png") else f"must be svg or png, not {value!r}"
    if key == "code-line-numbers":
        ok = isinstance(value, bool) or (isinstance(value, str) and re.fullmatch(r"[\d\s,-]+", value) is not None)
        return None if ok else f'must be true, false or lines such as "3,5-6", not {value!r}'
    if key == "renderings":
        ok = value is None or bool(isinstance(value, list) and value and value[0] == "light"
                               and set(value) <= {"light", "dark"} and len(value) == len(set(value)))
        return None if ok else f"must be [light, dark] or [light], not {value!r}"
    if key == "depends":
        items = [value] if isinstance(value, str) else value
        if value is None or (isinstance(items, list) and items and all(isinstance(v, str) and v.strip()
                                                                      for v in items)):
            return None
        return f"must be a list of 'env:NAME' or file paths, not {value!r}"
    if key == "timeout":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
        return None if ok else f"must be a positive number of seconds, not {value!r}"
    if key == "interactive":
        return None if value is None else sweep_params.spec_problem(value)
    if key == "interactive-default":
        return None if value is None or isinstance(value, dict) else \
            f"must map parameter names to one of their values, not {value!r}"
    if key == "interactive-max-frames":
        ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
        return None if ok else f"must be a positive whole number, not {value!r}"
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
    seed, repro_note = 0, True
    for raw in (site, post):
        if raw:
            options.update({k: v for k, v in raw.items() if k in BUILTIN})
            seed = raw.get("seed", seed)
            repro_note = raw.get("repro_note", repro_note)
    return ExecDefaults(options, seed, repro_note)


def figure_size(options: dict) -> list[float] | None:
    """(width, height) in inches from ``fig-width``/``fig-height`` (one alone keeps matplotlib's
    aspect ratio of 6.4 x 4.8), or None for matplotlib's default."""
    width: Any = options.get("fig-width")    # numbers (check_options saw to it)
    height: Any = options.get("fig-height")
    if width is None and height is None:
        return None
    if width is None:
        return [float(height) * 6.4 / 4.8, float(height)]
    if height is None:
        return [float(width), float(width) * 4.8 / 6.4]
    return [float(width), float(height)]


def run_options(options: dict) -> dict:
    """The options that change what one run of a cell makes: part of its key, and of each
    frame's key for an interactive cell.  ``renderings`` is one of them only when given, so
    the keys of cells without it stay as they were."""
    chosen = {k: options.get(k, BUILTIN[k]) for k in EXEC_KEYS}
    if options.get("renderings") is not None:
        chosen["renderings"] = list(options["renderings"])
    return chosen


def exec_options(options: dict) -> dict:
    """The options that change what running a cell produces (part of its cache key):
    :func:`run_options`, and for an interactive cell the values of its own run.

    An interactive cell's own run is its default frame: the parameter values it sees are
    part of its key (not the other values, not the caption), so changing the default
    re-runs the cell and what follows, while adding a value to a list re-runs nothing but
    the new frames.
    """
    chosen = run_options(options)
    found = sweep_params.of_options(options) if options.get("interactive") else None
    if found is not None:
        chosen["interactive-values"] = sweep_params.assignment(*found)
    return chosen
