"""The execute stage: run the ``{python}`` cells of documents before they are rendered.

Bridges documents and :mod:`generator.kernel`: it finds the documents with
cells, extracts their programs (cached by file digest, so an unchanged post is
not even parsed), and runs them all in one call (cached cells start no
worker).  The results go to ``state.exec_results``; the files stage copies
their figures beside the pages.  A notebook runs only with ``execute: true``
(see :mod:`generator.markdown.notebook.program`); its program comes from the
reader's payload, and messages about it name the notebook's cells.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, cast

from ..document import Document
from ..errors import BuildError, Diagnostic
from ..manifest import key
from ..markdown.cells.model import Cell, InlineExpr, program_from_json, program_to_json
from ..render import document_env, liquid_body
from ..readers.body import ensure_body
from ..state import BuildState

#: The folder that holds ``generator/`` (and, in a checkout, ``gdcore/``): workers import from it.
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent

Program = tuple[tuple[Cell, ...], tuple[InlineExpr, ...], int]


def has_cells(doc: Document) -> bool:
    """Cheap test before any parsing: executable fences or inline expressions."""
    return "cells" in doc.signals


def runs(state: BuildState, doc: Document) -> bool:
    """Whether the execute stage runs ``doc``: a post with cells, or a notebook that asks to run."""
    if doc.format == "notebook":
        from ..markdown.notebook.program import executes

        return executes(doc.meta, state.config.notebooks)
    return has_cells(doc)


def gdcore_folder(site_root: Path) -> Path:
    """The gdcore the cells will import: the site's own copy first, else the installed one."""
    own = site_root / "gdcore"
    if (own / "__init__.py").is_file():
        return own
    spec = importlib.util.find_spec("gdcore")  # finds it without importing numpy
    if spec is not None and spec.origin:
        return Path(spec.origin).parent
    return PROJECT_ROOT / "gdcore"


def _program(state: BuildState, doc: Document) -> tuple[Program, bool]:
    """The cells and inline expressions of ``doc``, from the manifest when its source is
    unchanged; and whether the post shows its reproducibility note (``exec: {repro_note: ...}``)."""
    from ..markdown.cells.options import resolve_defaults

    defaults = resolve_defaults(state.config.exec or None, doc.meta.get("exec"),
                                site_path="config.yml", post_path=doc.rel)
    k = key(state.version, doc.digest, state.config.exec, defaults)
    known = state.old.programs.get(doc.rel)
    program: Program | None = None
    if known is not None and known[0] == k:
        try:
            program = program_from_json(known[1])
        except (KeyError, TypeError, ValueError):
            program = None  # a damaged entry: parse the post again
    if program is None:
        from ..markdown.cells import extract_program

        ensure_body(doc, state.config, state.root)
        env = document_env(doc, state.ctx)
        # a TypedDict is a plain dict at run time, which the plugins fill
        tokens = state.parser().parse(liquid_body(doc, state.ctx, []), cast("dict[str, Any]", env))
        cells, inline = extract_program(tokens, line_offset=doc.body_line - 1, defaults=defaults, path=doc.rel)
        program = (cells, inline, defaults.seed)
    state.new.programs[doc.rel] = (k, program_to_json(*program))
    return program, defaults.repro_note


def _notebook_program(state: BuildState, doc: Document) -> Any:
    """The program of a notebook that runs (from its payload: no parsing)."""
    from ..markdown.cells.options import resolve_defaults
    from ..markdown.notebook.program import notebook_program

    defaults = resolve_defaults(state.config.exec or None, doc.meta.get("exec"),
                                site_path="config.yml", post_path=doc.rel)
    return notebook_program(doc.payload or {}, doc.meta, defaults, doc.rel)


def run(state: BuildState) -> None:
    """Execute every document that has cells; raise BuildError listing all failures."""
    wanted = [d for d in state.site.documents if runs(state, d)]
    if not wanted:
        return
    from ..kernel import ExecRequest, StampMemo, execute_posts, gdcore_source_hash

    requests = []
    repro_notes: dict[str, bool] = {}
    notebooks: dict[str, Any] = {}
    inline: tuple[InlineExpr, ...]
    for doc in wanted:
        if doc.format == "notebook":
            program = notebooks[doc.rel] = _notebook_program(state, doc)
            cells, inline, seed, text = program.cells, (), program.seed, program.source_text
            repro_notes[doc.rel] = program.repro_note
        else:
            (cells, inline, seed), repro_notes[doc.rel] = _program(state, doc)
            text = None
        if cells or inline:
            requests.append(ExecRequest(key=doc.rel, display_path=doc.rel, source_path=doc.path,
                                        cwd=doc.path.parent, cells=cells, inline=inline, seed=seed,
                                        source_text=text))
    if not requests:
        return
    cache_dir = state.root / ".cache" / "exec"
    options = state.options
    gdcore_hash = gdcore_source_hash(gdcore_folder(state.root), memo=StampMemo(cache_dir / "stamps.json"))
    try:
        state.exec_results = execute_posts(
            requests, cache_dir=cache_dir, site_root=state.root, project_root=PROJECT_ROOT, gdcore_hash=gdcore_hash,
            jobs=state.jobs, refresh=options.refresh, no_exec=options.no_exec, progress=options.progress)
    except BuildError as exc:
        if not notebooks:
            raise
        raise BuildError.many([_relocate(notebooks, d) for d in exc.errors]) from None
    by_rel = {doc.rel: doc for doc in wanted}
    problems = []
    for request in requests:
        result = state.exec_results[request.key]
        problems += name_figures(by_rel[request.key], result, request)
        program = notebooks.get(request.key)
        if program is not None:
            result.warnings = [program.relocate(w) for w in result.warnings]
            for cell in result.cells:
                for output in cell.outputs:
                    if output.kind == "error":
                        output.text = program.fix_traceback(output.text)
        result.repro = shown_repro(result.repro, request, repro_notes[request.key])
        state.report.warnings.extend(result.warnings)
        if options.explain:
            _explain(state, request, result, program)
    if problems:
        raise BuildError.many(problems)


def name_figures(doc: Document, result, request) -> list[Diagnostic]:
    """Give every figure of a post a file name no other post or cell uses; return the clashes.

    Figures sit beside their page.  A post whose page is the ``index.html`` of
    its folder (``/posts/x/``) keeps the plain names (``cell1-1.svg``,
    ``fit-1.svg``); one whose page is ``x.html`` gets ``x-`` in front, since
    other ``.html`` posts may share its folder.  Two cells of one post with the
    same label would still write the same file: that is an error at the
    second cell.
    """
    page = doc.out_path.rsplit("/", 1)[-1]
    prefix = "" if page == "index.html" else page.rsplit(".", 1)[0] + "-"
    lines = {c.index: c.line for c in request.cells}
    owner: dict[str, int] = {}
    problems = []
    for cell in result.cells:
        for output in cell.outputs:
            if output.kind != "image" or output.file is None:
                continue
            output.filename = prefix + output.filename
            if getattr(output, "dark_filename", ""):
                output.dark_filename = prefix + output.dark_filename
            first = owner.setdefault(output.filename, cell.index)
            if first != cell.index:
                label = cell.options.get("label")
                problems.append(Diagnostic(
                    doc.rel, lines.get(cell.index),
                    f"cell {cell.index + 1} has the label {label!r} of cell {first + 1}: both would write "
                    f"the figure {output.filename}",
                    "give each cell its own '#| label:' (a label in the front matter's exec: applies to every cell)"))
        if cell.sweep is not None:   # frames are named after the default frame's figures
            for frame in cell.sweep.frames:
                for image in frame.images:
                    image.filename = prefix + image.filename
                    if image.dark_filename:
                        image.dark_filename = prefix + image.dark_filename
    return problems


def _relocate(notebooks: dict[str, Any], diagnostic):
    program = notebooks.get(diagnostic.path)
    return program.relocate(diagnostic) if program is not None else diagnostic


def shown_repro(repro: dict, request, enabled: bool) -> dict:
    """What the post's reproducibility note says: nothing when turned off, and gdcore's
    hash only when the cells import gdcore (read from their source, see
    :mod:`generator.markdown.cells.imports`; a post without gdcore does not depend on it)."""
    from ..markdown.cells.imports import imports_module

    if not enabled:
        return {}
    sources = [cell.source for cell in request.cells] + [expr.expr for expr in request.inline]
    if imports_module(sources, "gdcore"):
        return repro
    return {k: v for k, v in repro.items() if k != "gdcore"}


def _explain(state: BuildState, request, result, program=None) -> None:
    lines = {c.index: c.line for c in request.cells}
    for cell in result.cells:
        if program is not None:
            number = program.places[cell.index][2]
            state.report.explain.append(f"{request.display_path}: cell {number} {cell.status}: {cell.reason}")
            continue
        where = f"{request.display_path}:{lines.get(cell.index, '?')}"
        state.report.explain.append(f"{where}: cell {cell.index + 1} {cell.status}: {cell.reason}")
    for expr, reason in zip(request.inline, result.inline_reasons):
        state.report.explain.append(f"{request.display_path}:{expr.line}: inline expression: {reason}")


def figure_files(doc: Document, result) -> list[tuple[str, Path]]:
    """(output path, cached file) of every figure a post shows, placed beside its page
    (an interactive cell's frames too)."""
    from ..kernel.sweep import frame_files   # the kernel loads only when a site has cells

    folder = doc.out_path.rsplit("/", 1)[0] + "/" if "/" in doc.out_path else ""
    files = []
    for cell in result.cells:
        shown = set()
        for output in cell.outputs:
            if output.kind == "image" and output.file is not None:
                files.append((folder + output.filename, Path(output.file)))
                if output.dark_file is not None:
                    files.append((folder + output.dark_filename, Path(output.dark_file)))
                    shown.add(output.dark_filename)
                shown.add(output.filename)
        files += [(folder + name, file) for name, file in frame_files(cell.sweep) if name not in shown]
    return files
