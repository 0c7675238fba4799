"""The parameters of an interactive cell: what ``#| interactive:`` declares, as values and frames.

A cell option such as ::

    #| interactive:
    #|   lr: [0.01, 0.1, 1.0]              # a list of values
    #|   steps: {from: 1, to: 50, by: 1}   # a range, both ends included
    #| interactive-default: {lr: 0.1}

sweeps the cell over every combination of the values (the *frames*), in
row-major order: the first parameter changes slowest.  Everything here is
plain data shared by the option checks (:mod:`.options`), the kernel (which
runs one frame per combination) and the renderer (which labels the controls),
so the three agree on the values, their order and how they are shown.

A range's values are computed in decimal (``from + k * by``), so
``{from: 0.1, to: 0.5, by: 0.1}`` gives exactly 0.1, 0.2, ..., 0.5, each the
float its text names, never 0.30000000000000004.
"""

from __future__ import annotations

import itertools
import keyword
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

#: Frames allowed per cell unless ``interactive-max-frames`` says otherwise.
DEFAULT_MAX_FRAMES = 400
_RANGE_KEYS = ("from", "to", "by")
#: YAML 1.1 reads ``1e-3`` (no dot) as text; a writer sweeping learning rates means a number.
_NUMBER_TEXT = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)$")


@dataclass(frozen=True)
class Param:
    """One swept parameter: its name, its values in order and how each is shown."""

    name: str
    values: tuple
    labels: tuple[str, ...]
    is_range: bool

    @property
    def numeric(self) -> bool:
        """Numbers get a slider; anything else (texts, booleans) a select."""
        return all(_is_number(v) for v in self.values)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def label(value: object) -> str:
    """How a value is shown in the page: as the cell's ``str(value)`` would print it."""
    return str(value)


def _scalar(value: object) -> object:
    if isinstance(value, str) and _NUMBER_TEXT.match(value.strip()):
        return float(value)
    return value


def _range_values(spec: dict) -> tuple:
    start, stop, step = (Decimal(repr(spec[k])) for k in ("from", "to", "by"))
    count = int((stop - start) / step) + 1
    integral = all(isinstance(spec[k], int) for k in ("from", "by"))
    values = [start + k * step for k in range(count)]
    return tuple(int(v) if integral else float(v) for v in values)


def range_problem(spec: object) -> str | None:
    """What is wrong with a ``{from, to, by}`` range, or None."""
    if not isinstance(spec, dict) or set(spec) - set(_RANGE_KEYS) or not {"from", "to"} <= set(spec):
        return "must be a list of values or a range {from: A, to: B, by: STEP}"
    spec = {"by": 1, **spec}
    if not all(_is_number(spec[k]) and math.isfinite(spec[k]) for k in _RANGE_KEYS):
        return f"range needs numbers for from, to and by, not {spec!r}"
    if spec["by"] <= 0:
        return f"range step 'by' must be positive, not {spec['by']!r}"
    if spec["to"] < spec["from"]:
        return f"range goes from {spec['from']!r} to {spec['to']!r}: 'to' must not be below 'from'"
    try:
        count = int((Decimal(repr(spec["to"])) - Decimal(repr(spec["from"]))) / Decimal(repr(spec["by"]))) + 1
    except (InvalidOperation, ArithmeticError):
        return f"range {spec!r} cannot be counted"
    if count > 100_000:
        return f"range has {count} values: far too many frames"
    return None


def spec_problem(spec: object) -> str | None:
    """What is wrong with the value of ``interactive``, or None (the option's own checks)."""
    if not isinstance(spec, dict) or not spec:
        return "must map parameter names to a list of values or a range {from, to, by}"
    for name, given in spec.items():
        if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name) \
                or name.startswith("__"):
            return f"parameter {name!r} must be a Python name (the cell sees it as a variable)"
        if isinstance(given, list):
            if not given:
                return f"parameter '{name}' has no values"
            values = [_scalar(v) for v in given]
            if not all(v is None or isinstance(v, (str, int, float, bool)) for v in values):
                return f"parameter '{name}' may list numbers, texts or true/false, not {given!r}"
            if len({(type(v).__name__, v) for v in values}) != len(values):
                return f"parameter '{name}' lists a value twice: {given!r}"
        else:
            problem = range_problem(given)
            if problem:
                return f"parameter '{name}': {problem}"
    return None


def parse(spec: dict) -> list[Param]:
    """The parameters of a valid ``interactive`` mapping, in the order written."""
    params = []
    for name, given in spec.items():
        if isinstance(given, list):
            values = tuple(_scalar(v) for v in given)
            is_range = False
        else:
            values = _range_values({"by": 1, **given})
            is_range = True
        params.append(Param(name, values, tuple(label(v) for v in values), is_range))
    return params


def frame_count(params: list[Param]) -> int:
    return math.prod(len(p.values) for p in params)


def default_problem(default: object, params: list[Param]) -> str | None:
    """What is wrong with ``interactive-default`` for these parameters, or None."""
    if default is None:
        return None
    if not isinstance(default, dict):
        return f"must map parameter names to one of their values, not {default!r}"
    names = {p.name: p for p in params}
    for name, value in default.items():
        if name not in names:
            return f"names '{name}', which is not a parameter of 'interactive' ({', '.join(names)})"
        if _index_of(names[name], value) is None:
            shown = ", ".join(names[name].labels[:8]) + (", ..." if len(names[name].labels) > 8 else "")
            return f"gives {name} = {value!r}, which is not one of its values ({shown})"
    return None


def _index_of(param: Param, value: object) -> int | None:
    value = _scalar(value)
    for i, v in enumerate(param.values):
        if v == value and isinstance(v, bool) == isinstance(value, bool):
            return i
        if _is_number(v) and _is_number(value) and math.isclose(float(v), float(value),  # type: ignore[arg-type]
                                                                 rel_tol=1e-12, abs_tol=1e-15):
            return i
    return None


def default_indices(params: list[Param], default: dict | None) -> tuple[int, ...]:
    """The value index of each parameter in the default frame (the first value unless given)."""
    chosen = default or {}
    indices = []
    for p in params:
        i = _index_of(p, chosen[p.name]) if p.name in chosen else 0
        indices.append(i or 0)
    return tuple(indices)


def combinations(params: list[Param]) -> list[tuple[int, ...]]:
    """Value indices of every frame, in frame order (row-major)."""
    return list(itertools.product(*(range(len(p.values)) for p in params)))


def frame_number(params: list[Param], indices: tuple[int, ...]) -> int:
    number = 0
    for p, i in zip(params, indices, strict=True):
        number = number * len(p.values) + i
    return number


def assignment(params: list[Param], indices: tuple[int, ...]) -> dict:
    """The variables a frame's run sees: parameter name -> value."""
    return {p.name: p.values[i] for p, i in zip(params, indices, strict=True)}


def describe(values: dict) -> str:
    """``lr=0.1, steps=12``: a frame, as messages name it."""
    return ", ".join(f"{k}={label(v)}" for k, v in values.items())


def of_options(options: dict) -> tuple[list[Param], tuple[int, ...]] | None:
    """(parameters, default indices) of a cell's merged options; None if it is not interactive."""
    spec = options.get("interactive")
    if not spec or spec_problem(spec):
        return None
    params = parse(spec)
    return params, default_indices(params, options.get("interactive-default"))
