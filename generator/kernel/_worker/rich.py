"""Rich values shown by cells: MIME bundles, IPython.display, and IPython itself when a notebook needs it.

A value a cell displays becomes a *bundle* (``{"text/markdown": ..., "text/plain": ...}``)
sent to the build process as ``{"kind": "bundle", "data": ..., "metadata": ...}``;
images in it are stored as content-addressed blobs first (``{"blob", "ext"}``
replaces the bytes).  The build process picks the type a page shows
(``generator.markdown.cells.mime``): the same choice as for a notebook's stored
outputs.  Plotly figures and Altair charts are asked for their JSON directly, so
the page draws them with plotly.js or vega-embed whatever renderer is configured.

Nothing here imports IPython, plotly or altair unless user code already did (or,
for ``get_ipython``, a notebook cell uses a magic).
"""

from __future__ import annotations

import base64
import binascii
import importlib.abc
import json
import os
import sys
from typing import Any

from _worker import figures

_IMAGES = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg", "image/gif": "gif"}
_REPRS = (("_repr_markdown_", "text/markdown"), ("_repr_latex_", "text/latex"), ("_repr_svg_", "image/svg+xml"),
          ("_repr_png_", "image/png"), ("_repr_jpeg_", "image/jpeg"), ("_repr_json_", "application/json"),
          ("_repr_javascript_", "application/javascript"), ("_repr_html_", "text/html"))
MISSING_IPYTHON = ("No module named 'IPython': IPython.display (display, HTML, Markdown, Latex, Image) needs "
                    "IPython; install it with pip install ipython (or the gdblog[notebooks] extra)")


def bundle_of(obj) -> tuple[dict, dict] | None:
    """(data, metadata) of a value richer than text and HTML, or None for the plain paths."""
    special = _plotly(obj) or _altair(obj)
    if special is not None:
        return special, {}
    data: dict[str, Any] = {}
    metadata: dict[str, Any] = {}
    method = getattr(type(obj), "_repr_mimebundle_", None)
    if method is not None and not isinstance(obj, type):
        found = obj._repr_mimebundle_()
        if isinstance(found, tuple):
            found, metadata = found[0], (found[1] if len(found) > 1 else {}) or {}
        data.update(found or {})
    for name, mime in _REPRS:
        if mime in data or isinstance(obj, type) or not hasattr(obj, name):
            continue
        value = getattr(obj, name)()
        if isinstance(value, tuple):  # (data, metadata), as IPython allows
            value, extra = value
            metadata[mime] = extra
        if value is not None:
            data[mime] = value
    if not set(data) - {"text/html", "text/plain"}:
        return None  # text or HTML: the worker's own paths, as before bundles existed
    data.setdefault("text/plain", repr(obj))
    return data, metadata


def _plotly(obj) -> dict | None:
    base = sys.modules.get("plotly.basedatatypes")
    if base is None or not isinstance(obj, base.BaseFigure):
        return None
    import plotly.io as pio

    return {"application/vnd.plotly.v1+json": json.loads(pio.to_json(obj, validate=False)),
            "text/plain": f"<plotly figure with {len(obj.data)} trace(s)>"}


def _altair(obj) -> dict | None:
    altair = sys.modules.get("altair")
    top = getattr(altair, "TopLevelMixin", None) if altair is not None else None
    if top is None or not isinstance(obj, top):
        return None
    major = str(getattr(altair, "SCHEMA_VERSION", "v5")).lstrip("v").split(".")[0]
    return {f"application/vnd.vegalite.v{major}+json": obj.to_dict(), "text/plain": "<altair chart>"}


def bundle_output(data: dict, metadata: dict, blob_dir: str) -> dict:
    """The output sent to the build process: images stored as blobs, the rest as JSON."""
    sent = {}
    for mime, value in data.items():
        if mime in _IMAGES:
            raw = _image_bytes(mime, value)
            if raw is None:
                continue
            stored = figures._store(raw, _IMAGES[mime], blob_dir)
            sent[mime] = {"blob": stored["blob"], "ext": stored["ext"]}
        else:
            sent[mime] = _jsonable(value)
    return {"kind": "bundle", "data": sent, "metadata": _jsonable(metadata)}


def _image_bytes(mime: str, value) -> bytes | None:
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        return None
    if mime == "image/svg+xml":
        return value.encode("utf-8")
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _jsonable(value):
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return str(value)


# -- IPython ----------------------------------------------------------------------

class _IPythonHooks(importlib.abc.MetaPathFinder):
    """Patches IPython's ``display`` to the worker's as IPython is imported."""

    def __init__(self, display):
        self.display = display

    def find_spec(self, name, path=None, target=None):
        if name not in ("IPython.core.display_functions", "IPython.core.display"):
            return None
        for finder in sys.meta_path:
            if isinstance(finder, _IPythonHooks) or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _Patching(spec.loader, self.display)
                return spec
        return None


class _Patching(importlib.abc.Loader):
    def __init__(self, loader, display):
        self.loader, self.display = loader, display

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        if hasattr(module, "display"):
            module.display = self.display


def install_ipython_hooks(show) -> None:
    """Make ``IPython.display.display(...)`` show values in the page (``show(obj)`` each)."""

    def display(*objs, raw: bool = False, **kwargs) -> None:
        for obj in objs:
            show(_RawBundle(obj) if raw and isinstance(obj, dict) else obj)

    sys.meta_path.insert(0, _IPythonHooks(display))


def missing_ipython(exc: BaseException) -> str | None:
    """A clear message for code that needs IPython where it is not installed."""
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] == "IPython":
        return MISSING_IPYTHON
    return None


class _RawBundle:
    """``display(bundle, raw=True)``: a MIME bundle given as a dict."""

    def __init__(self, data: dict):
        self.data = data

    def _repr_mimebundle_(self):
        return dict(self.data), {}

    def __repr__(self) -> str:
        return str(self.data.get("text/plain", "<bundle>"))


def make_get_ipython(ns: dict, module, scratch: str):
    """``get_ipython`` for cells whose magics IPython transformed: a shell on the cell namespace,
    made on first use (its profile goes to ``scratch``, never to the writer's ~/.ipython)."""
    shell: list[Any] = []   # the InteractiveShell, once made (IPython may not be installed)

    def get_ipython():
        if not shell:
            os.environ.setdefault("IPYTHONDIR", os.path.join(scratch, "ipython"))
            from IPython.core.interactiveshell import InteractiveShell
            from traitlets.config import Config

            config = Config()
            config.HistoryManager.enabled = False
            shell.append(InteractiveShell.instance(config=config, user_ns=ns, user_module=module))
        return shell[0]

    return get_ipython
