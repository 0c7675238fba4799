"""The shape rules of the code base that no linter checks: no function in generator/ over 80 lines.

(Complexity is ruff's C901, run by CI; import cycles are tests/test_imports.py.)  A long
function is where several responsibilities hide; the limit keeps each one readable at once.
"""

from __future__ import annotations

import ast

from tests.helpers import PROJECT

LIMIT = 80


def long_functions(source: str) -> list[tuple[str, int]]:
    """(name, lines) of every function or method in ``source`` longer than LIMIT lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = node.end_lineno - node.lineno + 1
            if lines > LIMIT:
                found.append((node.name, lines))
    return found


def test_the_check_finds_a_long_function():
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT))
    assert long_functions(f"def short():\n    pass\n\ndef long():\n{body}\n") == [("long", LIMIT + 1)]


def test_no_function_in_the_generator_is_over_80_lines():
    offenders = [f"{path.relative_to(PROJECT)}: {name} ({lines} lines)"
                 for path in sorted((PROJECT / "generator").rglob("*.py"))
                 for name, lines in long_functions(path.read_text(encoding="utf-8"))]
    assert offenders == []
