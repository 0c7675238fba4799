"""The execute stage: run the ``{python}`` cells of posts before they are rendered.

Bridges documents and :mod:`generator.execute`: it finds the posts with
cells, extracts their programs (cached by file digest, so an unchanged post is
not even parsed), runs them all in one call (cached cells start no worker),
and says which figure files each post needs next to its page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

from . import cache
from .content import Document
from .errors import Diagnostic
from .theme import PROJECT_ROOT


@dataclass
class ExecStage:
    results: dict = field(default_factory=dict)       # rel -> PostResult
    explain: list[str] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)


def has_cells(doc: Document) -> bool:
    """Cheap test before any parsing: executable fences or inline expressions."""
    return "{python}" in doc.body or "{exec}" in doc.body


def gdcore_folder(site_root: Path) -> Path:
    """The gdcore the cells will import: the site's own copy first, else ours."""
    own = site_root / "gdcore"
    return own if (own / "__init__.py").is_file() else PROJECT_ROOT / "gdcore"


def _program(doc: Document, md, body: Callable[[Document], str], config, version: str,
             old: cache.Manifest, new: cache.Manifest):
    from .execute import resolve_defaults

    defaults = resolve_defaults(config.exec or None, doc.meta.get("exec"),
                                site_path="config.yml", post_path=doc.rel)
    k = cache.key(version, doc.digest, config.exec, defaults)
    known = old.extra.get("programs", {}).get(doc.rel)
    if known is not None and known[0] == k:
        program = known[1]
    else:
        from .markdown.cells import extract_program

        env = {"path": doc.rel, "body_line": doc.body_line}
        cells, inline = extract_program(md().parse(body(doc), env), line_offset=doc.body_line - 1,
                                        defaults=defaults, path=doc.rel)
        program = (cells, inline, defaults.seed)
    new.extra.setdefault("programs", {})[doc.rel] = (k, program)
    return program


def run(docs: list[Document], *, root: Path, config, version: str, bodies: Callable[[Document], str],
        md: Callable, old: cache.Manifest, new: cache.Manifest, jobs: int, refresh: bool,
        no_exec: bool, explain: bool, progress) -> ExecStage:
    """Execute every post in ``docs`` that has cells; raise BuildError listing all failures."""
    stage = ExecStage()
    wanted = [d for d in docs if has_cells(d)]
    if not wanted:
        return stage
    from .execute import ExecRequest, StampMemo, execute_posts, gdcore_source_hash

    requests = []
    for doc in wanted:
        cells, inline, seed = _program(doc, md, bodies, config, version, old, new)
        if cells or inline:
            requests.append(ExecRequest(key=doc.rel, display_path=doc.rel, source_path=doc.path,
                                        cwd=doc.path.parent, cells=cells, inline=inline, seed=seed))
    if not requests:
        return stage
    cache_dir = root / ".cache" / "exec"
    gdcore_hash = gdcore_source_hash(gdcore_folder(root), memo=StampMemo(cache_dir / "stamps.json"))
    stage.results = execute_posts(requests, cache_dir=cache_dir, site_root=root, project_root=PROJECT_ROOT,
                                  gdcore_hash=gdcore_hash, jobs=jobs, refresh=refresh, no_exec=no_exec,
                                  progress=progress)
    for request in requests:
        result = stage.results[request.key]
        stage.warnings.extend(result.warnings)
        if explain:
            lines = {c.index: c.line for c in request.cells}
            for cell in result.cells:
                where = f"{request.display_path}:{lines.get(cell.index, '?')}"
                stage.explain.append(f"{where}: cell {cell.index + 1} {cell.status}: {cell.reason}")
            for expr, reason in zip(request.inline, result.inline_reasons):
                stage.explain.append(f"{request.display_path}:{expr.line}: inline expression: {reason}")
    return stage


def figure_files(doc: Document, result) -> list[tuple[str, Path]]:
    """(output path, cached file) of every figure a post shows, placed beside its page."""
    folder = doc.out_path.rsplit("/", 1)[0] + "/" if "/" in doc.out_path else ""
    files = []
    for cell in result.cells:
        for output in cell.outputs:
            if output.kind == "image" and output.file is not None:
                files.append((folder + output.filename, Path(output.file)))
    return files
