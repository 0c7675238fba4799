"""Namespace checkpoints: pickle what cells left behind, restore it later.

After each cell the worker tries to pickle the user namespace so that a later
build can resume at cell k without re-running cells 0..k-1.  What is saved:

- every non-dunder name except modules; modules anywhere in the object graph
  are saved as their name and re-imported on restore;
- functions defined in cells (including lambdas) by value: their code is
  marshalled and their globals are re-bound to the restored namespace;
- numpy's and ``random``'s global RNG state and the rcParams the cells changed.

Anything plain pickle cannot handle (open files, generators, classes defined in
cells, whose instances would need the class to exist before loading) makes
the whole checkpoint unavailable: a partial namespace would be wrong, and the
parent then re-runs the earlier cells instead.
"""

from __future__ import annotations

import importlib
import marshal
import os
import pickle
import random
import sys
import types

SKIP_NAMES = {"display", "get_ipython"}  # the worker's own helpers, given again to every namespace


class CheckpointError(Exception):
    """The namespace cannot be checkpointed (or restored); the message says why."""


class _TooLarge(Exception):
    pass


class _CappedFile:
    """A write-only file that refuses to grow past ``cap`` bytes."""

    def __init__(self, f, cap: int):
        self._f, self._cap, self.size = f, cap, 0

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self._cap:
            raise _TooLarge()
        return self._f.write(data)


class _Pickler(pickle.Pickler):
    def __init__(self, file, ns: dict):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._ns = ns

    def persistent_id(self, obj):
        if obj is self._ns:
            return ("ns",)
        if isinstance(obj, types.ModuleType):
            if obj.__name__ == "__main__":
                return ("ns-module",)
            return ("module", obj.__name__)
        return None

    def reducer_override(self, obj):
        if type(obj) is types.FunctionType and obj.__globals__ is self._ns:
            return _reduce_function(obj)
        if isinstance(obj, type) and obj.__module__ == "__main__":
            raise CheckpointError(f"class {obj.__qualname__} is defined in a cell")
        return NotImplemented


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, ns: dict, main_module):
        super().__init__(file)
        self._ns, self._main = ns, main_module

    def persistent_load(self, pid):
        if pid[0] == "ns":
            return self._ns
        if pid[0] == "ns-module":
            return self._main
        if pid[0] == "module":
            return importlib.import_module(pid[1])
        raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")


def _reduce_function(fn):
    # The skeleton is created first (and memoized by pickle) and filled in by
    # _fill_function, so closures that refer back to the function still work.
    cells = fn.__closure__ or ()
    contents = []
    for cell in cells:
        try:
            contents.append((True, cell.cell_contents))
        except ValueError:  # an empty cell (variable not assigned yet)
            contents.append((False, None))
    state = {"defaults": fn.__defaults__, "kwdefaults": fn.__kwdefaults__,
             "qualname": fn.__qualname__, "dict": fn.__dict__ or None,
             "annotations": fn.__annotations__ or None, "closure": contents}
    return (_make_function, (marshal.dumps(fn.__code__), fn.__globals__, fn.__name__, len(cells)),
            state, None, None, _fill_function)


def _make_function(code: bytes, globals_: dict, name: str, ncells: int):
    closure = tuple(types.CellType() for _ in range(ncells)) or None
    return types.FunctionType(marshal.loads(code), globals_, name, None, closure)


def _fill_function(fn, state: dict) -> None:
    fn.__defaults__ = state["defaults"]
    fn.__kwdefaults__ = state["kwdefaults"]
    fn.__qualname__ = state["qualname"]
    if state["dict"]:
        fn.__dict__.update(state["dict"])
    if state["annotations"]:
        fn.__annotations__ = state["annotations"]
    for cell, (full, value) in zip(fn.__closure__ or (), state["closure"], strict=True):
        if full:
            cell.cell_contents = value


def save(ns: dict, path: str, *, cap: int) -> None:
    """Write a checkpoint of ``ns`` to ``path``; raise CheckpointError if impossible."""
    names = {k: v for k, v in ns.items()
             if not (k.startswith("__") and k.endswith("__")) and k not in SKIP_NAMES}
    modules = {k: v.__name__ for k, v in names.items() if isinstance(v, types.ModuleType)}
    values = {k: v for k, v in names.items() if k not in modules}
    payload = {"values": values, "modules": modules, "random": random.getstate(),
               "numpy": _numpy_state(), "rc": _rc_changes()}
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            _Pickler(_CappedFile(f, cap), ns).dump(payload)
        os.replace(tmp, path)
    except _TooLarge:
        raise CheckpointError(f"the namespace pickles to more than {cap >> 20} MB") from None
    except CheckpointError:
        raise
    except Exception as exc:  # PicklingError, TypeError, RecursionError, ...
        raise CheckpointError(f"{type(exc).__name__}: {exc}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load(ns: dict, path: str, main_module) -> None:
    """Replace the user names in ``ns`` by the checkpoint at ``path``."""
    try:
        with open(path, "rb") as f:
            payload = _Unpickler(f, ns, main_module).load()
        modules = {k: importlib.import_module(v) for k, v in payload["modules"].items()}
    except Exception as exc:
        raise CheckpointError(f"{type(exc).__name__}: {exc}") from None
    for key in [k for k in ns if not (k.startswith("__") and k.endswith("__")) and k not in SKIP_NAMES]:
        del ns[key]
    ns.update(payload["values"])
    ns.update(modules)
    random.setstate(payload["random"])
    if payload["numpy"] is not None and "numpy" in sys.modules:
        sys.modules["numpy"].random.set_state(payload["numpy"])
    restore_rc(payload["rc"])


def _numpy_state():
    np = sys.modules.get("numpy")
    return np.random.get_state() if np is not None else None


def _rc_changes() -> dict:
    """rcParams that differ from the values matplotlib loaded at import."""
    mpl = sys.modules.get("matplotlib")
    if mpl is None:
        return {}
    orig = mpl.rcParamsOrig
    changed = {}
    for key, value in mpl.rcParams.items():
        if key == "backend":
            continue
        try:
            if value != orig[key]:
                changed[key] = value
        except Exception:
            changed[key] = value
    return changed


def restore_rc(changed: dict) -> None:
    """matplotlib's rcParams as loaded at import, then ``changed`` on top."""
    if not changed and "matplotlib" not in sys.modules:
        return
    import warnings
    import matplotlib
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rc_file_defaults()
        matplotlib.rcParams.update(changed)
