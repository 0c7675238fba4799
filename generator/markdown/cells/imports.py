"""Which modules a post's cells import, read from their source (nothing is run).

Used to decide what the reproducibility note names: gdcore's hash only on
posts whose cells import gdcore.  Reading the source, rather than asking the
worker which modules it loaded, gives the same answer whether the cells ran
or came from the cache (a cached post starts no worker) and needs nothing
stored.  It sees ``import gdcore``, ``import gdcore.plots as p``,
``from gdcore import ...``, ``from gdcore.x import ...`` and
``importlib.import_module("gdcore")``/``__import__("gdcore")`` with a literal
name, in any cell or inline expression; it cannot see a module of the post's
own folder that imports gdcore in turn.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

_IMPORT_CALLS = ("import_module", "__import__")


def _top(name: str | None) -> str:
    return (name or "").split(".", 1)[0]


def _names(tree: ast.AST) -> Iterable[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (_top(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            yield _top(node.module)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in _IMPORT_CALLS and isinstance(node.args[0].value, str):
                yield _top(node.args[0].value)


def imports_module(sources: Iterable[str], module: str) -> bool:
    """Whether any of the code ``sources`` imports ``module`` (or a submodule of it).

    Code that does not parse (a cell with a syntax error, which fails when run)
    is matched with a pattern on its import lines instead.
    """
    pattern = re.compile(rf"^\s*(?:import|from)\s+{re.escape(module)}\b", re.M)
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            if pattern.search(source):
                return True
            continue
        if module in _names(tree):
            return True
    return False
