"""The import rules of ARCHITECTURE.md: no import cycles in generator/, and the layering.

Every ``import`` statement counts, also those inside functions: a lazy import
(kept lazy for start-up time) still makes one module depend on another, and a
cycle hidden that way is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "generator"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The generator modules ``name`` imports (a module, not its parent packages)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            # "from x import y" imports x.y when y is a module, else x itself
            targets = [f"{prefix}.{a.name}" if f"{prefix}.{a.name}" in known else prefix for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def missing_targets() -> set[tuple[str, str]]:
    """(module, target) for every import of a generator module that does not exist: a lazy import
    inside a function fails only when that function runs, so check them all here."""
    known = modules()
    bad = set()
    for name, path in known.items():
        is_package = path.name == "__init__.py"
        package = name if is_package else name.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                targets = [target]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            bad.update((name, t) for t in targets if t.startswith("generator") and t not in known)
    return bad


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _is_package_to_own_child(a: str, b: str) -> bool:
    """A package's __init__ re-exporting its own submodules is how packages work, not a cycle."""
    return b.startswith(a + ".")


def test_the_checker_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_import_of_ours_exists():
    assert missing_targets() == set()


def test_no_import_cycles():
    edges = {a: {b for b in targets if not _is_package_to_own_child(a, b)} for a, targets in graph().items()}
    assert cycles(edges) == []


def test_markdown_never_imports_the_kernel_or_the_pipeline():
    forbidden = ("generator.kernel", "generator.stages", "generator.pipeline", "generator.render",
                 "generator.state", "generator.cli")
    bad = {(a, b) for a, targets in graph().items() if a.startswith("generator.markdown")
           for b in targets if b.startswith(forbidden)}
    assert bad == set()


def test_only_the_command_line_imports_cli():
    bad = {a for a, targets in graph().items() if "generator.cli" in targets}
    assert bad == set()


def test_gdcore_knows_nothing_of_the_generator():
    for path in (ROOT / "gdcore").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("generator"):
                raise AssertionError(f"{path} imports {node.module}")
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("generator") for a in node.names), path
