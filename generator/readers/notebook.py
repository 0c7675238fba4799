"""The notebook reader: Jupyter ``.ipynb`` files (nbformat 4) as posts and pages.

A notebook becomes one Markdown body, so its Markdown cells get every plugin a
``.md`` post has (math, tables, diagrams, references), and each code cell
becomes a fence ```` ```{nbcell K} ```` that :mod:`generator.markdown.notebook`
renders with the cell's stored outputs (or, with ``execute: true``, the outputs
our kernel made).  What the renderer needs besides the body -- the code cells,
their options and stored outputs, where the images go -- is the Document's
``payload`` (JSON, see :mod:`generator.readers.nbcells`).

Front matter comes from the first of these that is present: a first raw cell
holding YAML between ``---`` lines (Quarto); the notebook's metadata (its
``title``/``authors`` and the keys of :data:`FRONT_KEYS`, or a ``gdblog`` mapping);
a first Markdown cell in fastpages' form (``# Title``, ``> summary``, ``- key: value``
lines).  The file name ``YYYY-MM-DD-slug.ipynb`` gives the date and slug when the
front matter does not.  Messages name the cell: ``x.ipynb: cell 7: ...`` (cells
counted from 1, Markdown and raw cells included, as nbformat counts them).

nbformat is imported only here, when a site has a notebook.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

from ..document import Document
from ..errors import BuildError, Diagnostic
from .base import ReadContext, Source
from .fields import make_document
from .frontmatter import read_front_matter
from .nbcells import convert_cells
from .text import decode

#: Notebook metadata keys taken as front matter (nbformat itself defines ``title`` and ``authors``).
FRONT_KEYS = ("title", "authors", "author", "date", "updated", "tags", "categories", "summary", "description",
              "slug", "draft", "published", "toc", "execute", "exec", "permalink", "layout", "badges",
              "bibliography", "nav", "nav_order", "excerpt")
_FASTPAGES_KEY = re.compile(r"^-\s+([A-Za-z_][\w-]*)\s*:\s*(.*)$")


def read_notebook(source: Source, context: ReadContext) -> Document:
    data = source.path.read_bytes()
    text = decode(data, source.rel)
    try:
        notebook = parse_notebook(text, source.rel, context.warnings)
        cells = notebook["cells"]
        meta, front_cell = front_matter(cells, notebook.get("metadata") or {}, source.rel)
        body, payload = convert_cells(cells, skip=front_cell, language=notebook_language(notebook),
                                      rel=source.rel, warnings=context.warnings)
    except BuildError:
        raise
    except Exception as exc:  # a shape nothing above foresaw: an error naming the file, never a crash
        raise BuildError(f"cannot read this notebook: {type(exc).__name__}: {exc}", path=source.rel,
                         hint="open and save it in Jupyter to repair it") from None
    payload["download"] = source.path.name
    return make_document(source, context, data=data, meta=meta, body=body, body_line=1, meta_lines={},
                         format="notebook", payload=payload)


def parse_notebook(text: str, rel: str, found: list[Diagnostic]) -> dict:
    """The notebook as a dict (nbformat 4); malformed JSON is an error at its line and column,
    a notebook that breaks nbformat's schema gives warnings naming the cells."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BuildError(f"not valid notebook JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                         path=rel, line=exc.lineno,
                         hint="the file is damaged; open it in Jupyter or check it with a JSON validator") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        raise BuildError("not a Jupyter notebook: no list of cells", path=rel,
                         hint="a notebook is a JSON object with 'cells', 'metadata' and 'nbformat'")
    import nbformat

    version = raw.get("nbformat")
    if version != 4:
        if not isinstance(version, int) or version < 3:
            raise BuildError(f"nbformat {version!r} is not supported", path=rel,
                             hint="save the notebook with a current Jupyter (nbformat 4)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:  # reads() joins nbformat 3's line lists before converting
                raw = nbformat.reads(text, as_version=4)
            except Exception as exc:
                raise BuildError(f"cannot convert this nbformat {version} notebook to nbformat 4: {exc}",
                                 path=rel, hint="open and save it with a current Jupyter") from None
    _validate(raw, rel, found)
    cells = raw.get("cells")
    # a cell that is not even an object stays in place as {} (reported), so cell numbers stay right
    raw["cells"] = [c if isinstance(c, dict) else {} for c in cells] if isinstance(cells, list) else []
    return raw


def _validate(notebook: dict, rel: str, found: list[Diagnostic]) -> None:
    from nbformat import validator

    seen: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        errors = list(validator.iter_validate(notebook))
    for error in errors:
        path = list(getattr(error, "absolute_path", error.path))
        message = str(error.message)
        if message == "'id' is a required property":
            continue  # ids are new in nbformat 4.5; older writers leave them out and nothing needs them
        where = f"cell {path[1] + 1}: " if len(path) > 1 and path[0] == "cells" and isinstance(path[1], int) else ""
        field = "/".join(str(p) for p in path[2:]) if where else "/".join(str(p) for p in path)
        if len(message) > 160:
            message = message[:157] + "..."
        text = f"{where}notebook format problem{f' in {field}' if field else ''}: {message}"
        if text not in seen:
            seen.add(text)
            found.append(Diagnostic(rel, None, text, "the build reads what it can; re-save the notebook "
                                                      "in Jupyter to repair it"))


def notebook_language(notebook: dict) -> str:
    meta = notebook.get("metadata") or {}
    for value in ((meta.get("kernelspec") or {}).get("language"), (meta.get("language_info") or {}).get("name")):
        if isinstance(value, str) and value:
            return value.lower()
    return "python"


def front_matter(cells: list[dict], metadata: dict, rel: str) -> tuple[dict, int | None]:
    """(front matter, index of the cell that held it and is not shown, or None)."""
    first = cells[0] if cells else None
    if first is not None and first.get("cell_type") == "raw":
        text = _text(first.get("source")).lstrip("\ufeff")
        if text.lstrip().startswith("---"):
            return _yaml_cell(text.lstrip(), rel), 0
    meta = {k: metadata[k] for k in FRONT_KEYS if k in metadata and not (k == "toc" and isinstance(metadata[k], dict))}
    own = metadata.get("gdblog")
    if isinstance(own, dict):
        meta.update(own)
    if meta:
        return meta, None
    if first is not None and first.get("cell_type") == "markdown":
        fastpages = _fastpages(_text(first.get("source")), rel)
        if fastpages is not None:
            return fastpages, 0
    return {}, None


def _yaml_cell(text: str, rel: str) -> dict:
    if not text.endswith("\n"):
        text += "\n"
    try:
        return read_front_matter(text, rel).meta
    except BuildError as exc:
        problem = exc.errors[0]
        where = f" (line {problem.line} of the cell)" if problem.line else ""
        raise BuildError(f"cell 1: {problem.message}{where}", path=rel, hint=problem.hint) from None


def _fastpages(text: str, rel: str) -> dict | None:
    """fastpages' front matter cell: ``# Title``, ``> summary`` lines, ``- key: value`` lines, nothing else."""
    import yaml

    from .frontmatter import _loader

    lines = [line.rstrip() for line in text.strip().splitlines()]
    if not lines or not re.match(r"^#\s+\S", lines[0]):
        return None
    meta: dict[str, Any] = {"title": lines[0].lstrip("#").strip()}
    summary = []
    for line in lines[1:]:
        if not line.strip():
            continue
        if line.startswith(">"):
            summary.append(line[1:].strip())
            continue
        match = _FASTPAGES_KEY.match(line)
        if match is None:
            return None  # other content: an ordinary Markdown cell that starts with a heading
        try:
            value = yaml.load(match.group(2), Loader=_loader()) if match.group(2).strip() else None
        except yaml.YAMLError:
            value = match.group(2).strip()
        meta[match.group(1)] = value
    if not summary and len(meta) == 1:
        return None  # just a heading: the shared title rule takes it
    if summary:
        meta.setdefault("summary", " ".join(summary))
    return meta


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""
