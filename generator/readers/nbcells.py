"""A notebook's cells as one Markdown body plus a JSON payload for the renderer.

Markdown cells are copied verbatim (attachments become image files); each code
cell becomes a fence ```` ```{nbcell K} ```` holding the code as shown, where K
indexes ``payload["cells"]``::

    {"language": "python",
     "cells": [{"n": 7,                 # the cell's number in the notebook (from 1)
                "source": "...",         # the code as stored (what execute: true runs)
                "code": "...",           # the code as shown (option and flag lines removed)
                "option_lines": 2,       # '#|' lines at its top
                "options": {...},        # cell options: '#|' lines, tags, fastpages flags (code-fold)
                "fold_output": "hide"|None,  # hide-output: the outputs in a closed <details>
                "outputs": [Shown.to_json(), ...]}],
     "images": [{"file": "cell7-1.png", "cell": 6, "output": 0, "mime": "image/png", "sha": "..."},
                {"file": "cell3-diagram.png", "cell": 2, "attachment": "diagram.png", ...}],
     "lines": [[1, 1], [5, 2], ...],     # [first body line, notebook cell number] of each piece
     "widgets": 0, "scripts": 0}

Image bytes are not kept (the manifest stays small): the files stage decodes
them from the notebook again when it writes the files (see ``images``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

from ..errors import Diagnostic
from ..markdown.cells.mime import IMAGE_MIMES, Shown, image_size, normalize, text_of

#: Cell tags (Jupyter Book's) and what they change.
TAGS: dict[str, tuple[str, Any]] = {
    "remove-cell": ("include", False), "remove-input": ("echo", False), "remove-output": ("output", False),
    "hide-input": ("code-fold", True), "hide-cell": ("code-fold", True), "hide-output": ("fold-output", "hide")}
#: fastpages' comment flags, each alone on a line of a code cell.
_FLAG = re.compile(r"^[ \t]*#[ \t]*(hide|hide[_-]input|collapse|collapse[_-]hide|collapse[_-]show)[ \t]*$", re.M)
_FLAGS: dict[str, tuple[str, Any]] = {
    "hide": ("include", False), "hide_input": ("echo", False), "collapse": ("code-fold", True),
    "collapse_hide": ("code-fold", True), "collapse_show": ("code-fold", "show")}
_ATTACHMENT = re.compile(r"attachment:([^)\s\"'>]+)")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)


def convert_cells(cells: list[dict], *, skip: int | None, language: str, rel: str,
                  warnings: list[Diagnostic]) -> tuple[str, dict]:
    """(Markdown body, payload) of a notebook's cells (``skip``: the front matter cell)."""
    payload: dict[str, Any] = {"language": language, "cells": [], "images": [], "lines": [], "widgets": 0}
    pieces: list[str] = []
    line = 1

    def warn(n: int, message: str, hint: str | None = None) -> None:
        warnings.append(Diagnostic(rel, None, f"cell {n}: {message}", hint))

    for i, cell in enumerate(cells):
        if i == skip:
            continue
        n = i + 1
        kind = cell.get("cell_type")
        tags = (cell.get("metadata") or {}).get("tags")
        if kind in ("markdown", "raw") and isinstance(tags, list) and "remove-cell" in tags:
            continue
        if kind == "markdown":
            piece = _markdown_cell(cell, n, payload)
        elif kind == "code":
            piece = _code_cell(cell, n, payload, warn)
        elif kind == "raw":
            piece = _raw_cell(cell, n, warn)
        else:
            warn(n, f"unknown cell type {kind!r}; left out" if kind else "not a cell; left out")
            piece = ""
        if not piece.strip():
            continue
        payload["lines"].append([line, n])
        piece = piece.rstrip("\n") + "\n\n"
        pieces.append(piece)
        line += piece.count("\n")
    if payload["widgets"]:
        warnings.append(Diagnostic(rel, None, f"{payload['widgets']} interactive widget output(s) are shown as "
                                              "their text form", "widgets need a live Jupyter kernel"))
    return "".join(pieces), payload


def _markdown_cell(cell: dict, n: int, payload: dict) -> str:
    text = text_of(cell.get("source"))
    attachments = cell.get("attachments")
    if isinstance(attachments, dict) and "attachment:" in text:
        names: dict[str, str] = {}
        for name, bundle in sorted(attachments.items()):
            mime = next((m for m in IMAGE_MIMES if isinstance(bundle, dict) and m in bundle), None)
            data = _decode(mime, bundle[mime]) if mime else None
            if data is None:
                continue
            safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "image"
            file = f"cell{n}-{safe}"
            names[name] = file
            payload["images"].append({"file": file, "cell": n - 1, "attachment": name, "mime": mime,
                                      "sha": hashlib.sha256(data).hexdigest()})
        text = _ATTACHMENT.sub(lambda m: names.get(m.group(1), m.group(0)), text)
    return _close_fences(text)


def _close_fences(text: str) -> str:
    """A Markdown cell is rendered alone in Jupyter: a fence it leaves open must not swallow the next cells."""
    open_mark = None
    for match in _FENCE.finditer(text):
        mark = match.group(1)
        if open_mark is None:
            open_mark = mark
        elif mark[0] == open_mark[0] and len(mark) >= len(open_mark):
            line_end = text.find("\n", match.end())
            if not text[match.end(): line_end if line_end >= 0 else len(text)].strip():
                open_mark = None
    return text if open_mark is None else text.rstrip("\n") + "\n" + open_mark + "\n"


def _raw_cell(cell: dict, n: int, warn) -> str:
    text = text_of(cell.get("source"))
    meta = cell.get("metadata") or {}
    fmt = str(meta.get("format") or meta.get("raw_mimetype") or "").lower()
    if fmt in ("text/html", "html", "text/markdown", "markdown", "text/x-markdown"):
        return text
    if text.strip():
        warn(n, f"raw cell{f' ({fmt})' if fmt else ''} left out of the page",
             "give it the format text/html or text/markdown to show it")
    return ""


def _code_cell(cell: dict, n: int, payload: dict, warn) -> str:
    from ..markdown.cells.options import check_options
    from ..markdown.cells.parse import parse_cell

    source = text_of(cell.get("source"))
    parsed = parse_cell(source, first_line=1)
    for line, message, hint in parsed.problems + parsed.warnings:
        warn(n, f"line {line}: {message} (ignored)", hint)
    # the valid options only: a notebook is shown even when a cell's options are wrong
    options: dict[str, Any] = {k: v for k, v in parsed.options.items() if not check_options({k: v})}
    code = parsed.code
    for flag in _FLAG.findall(code):
        key, value = _FLAGS[flag.replace("-", "_")]
        options[key] = value
    code = _FLAG.sub("", code).strip("\n") if _FLAG.search(code) else code.rstrip("\n")
    tags = (cell.get("metadata") or {}).get("tags") or []
    fold_output: str | None = None
    for tag in tags if isinstance(tags, list) else []:
        change = TAGS.get(str(tag))
        if change is None:
            continue
        if change[0] == "fold-output":
            fold_output = change[1]
        else:
            options[change[0]] = change[1]
    for key in ("fig-cap", "fig-alt"):
        value = (cell.get("metadata") or {}).get(key)
        if key not in options and isinstance(value, (str, list)):
            options[key] = value
    if options.get("label") and any(c["options"].get("label") == options["label"] for c in payload["cells"]):
        warn(n, f"label '{options['label']}' is used by an earlier cell; ignored here", "give each cell its own label")
        del options["label"]
    index = len(payload["cells"])
    outputs = _outputs(cell, n, options, payload, warn)
    payload["cells"].append({"n": n, "source": source, "code": code, "option_lines": parsed.line - 1,
                             "options": options, "fold_output": fold_output,
                             "outputs": outputs})
    ticks = max((len(m) for m in re.findall(r"`{3,}", code)), default=2) + 1
    fence = "`" * max(3, ticks)
    return f"{fence}{{nbcell {index}}}\n{code}\n{fence}\n"


def _outputs(cell: dict, n: int, options: dict, payload: dict, warn) -> list[dict]:
    shown: list[Shown] = []
    outputs = cell.get("outputs")
    label = options.get("label") if isinstance(options.get("label"), str) else None
    for j, output in enumerate(outputs if isinstance(outputs, list) else []):
        if not isinstance(output, dict):
            continue
        kind = output.get("output_type")
        if kind == "stream":
            name = "stderr" if output.get("name") == "stderr" else "stdout"
            text = _carriage_returns(text_of(output.get("text")))
            if shown and shown[-1].kind == "stream" and shown[-1].name == name:
                shown[-1].text += text  # Jupyter stores one print as several pieces
            elif text:
                shown.append(Shown("stream", text=text, name=name))
        elif kind in ("display_data", "execute_result"):
            item = _bundle(output, n, j, label, payload, warn)
            if item is not None:
                shown.append(item)
        elif kind == "error":
            traceback = output.get("traceback")
            text = "\n".join(str(t) for t in traceback) if isinstance(traceback, list) and traceback else \
                f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
            shown.append(Shown("error", text=text))
        else:
            warn(n, f"output of unknown type {kind!r} left out")
    return [s.to_json() for s in shown]


def _bundle(output: dict, n: int, j: int, label: str | None, payload: dict, warn) -> Shown | None:
    data = output.get("data")
    if not isinstance(data, dict):
        return None
    problems: list[str] = []

    def image(mime: str, value: Any, meta: dict) -> Shown:
        raw = _decode(mime, value)
        if raw is None:
            problems.append(f"a {mime} output is not valid base64; left out")
            return Shown("omitted", text=f"a {mime} output could not be decoded")
        count = sum(1 for im in payload["images"] if im["cell"] == n - 1 and "output" in im) + 1
        file = f"{label or f'cell{n}'}-{count}.{IMAGE_MIMES[mime]}"
        payload["images"].append({"file": file, "cell": n - 1, "output": j, "mime": mime,
                                  "sha": hashlib.sha256(raw).hexdigest()})
        width, height = image_size(raw, mime)
        given_w, given_h = _number(meta.get("width")), _number(meta.get("height"))
        if given_w and not given_h and width and height:
            given_h = round(height * given_w / width)
        return Shown("image", filename=file, mime=mime, width=given_w or width, height=given_h or height)

    shown = normalize(data, output.get("metadata") if isinstance(output.get("metadata"), dict) else None,
                      image=image, problems=problems)
    for problem in problems:
        if "widget" in problem:
            payload["widgets"] += 1
        else:
            warn(n, problem)
    return shown


def image_bytes(notebook: dict, entry: dict) -> bytes | None:
    """The bytes of an image the payload lists (``images``), decoded from the notebook again."""
    try:
        cell = notebook["cells"][entry["cell"]]
        if "attachment" in entry:
            value = cell["attachments"][entry["attachment"]][entry["mime"]]
        else:
            value = cell["outputs"][entry["output"]]["data"][entry["mime"]]
    except (KeyError, IndexError, TypeError):
        return None
    data = _decode(entry["mime"], value)
    if data is None or hashlib.sha256(data).hexdigest() != entry["sha"]:
        return None
    return data


def _decode(mime: str | None, value: Any) -> bytes | None:
    text = text_of(value)
    if mime == "image/svg+xml":
        return text.encode("utf-8")
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _number(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return round(value)
    return None


def _carriage_returns(text: str) -> str:
    """A progress bar redraws its line with ``\\r``: keep what the terminal would show."""
    if "\r" not in text:
        return text
    lines = text.replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines)
