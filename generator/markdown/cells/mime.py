"""Rich outputs as notebooks store them: choosing one MIME type of a bundle, image sizes.

A Jupyter output (and a value our own kernel displays) is a *bundle*: the same
thing in several MIME types, ``{"text/html": ..., "text/plain": ...}``.  A page
shows exactly one of them, the first of :data:`ORDER` present.  Both sources of
outputs go through :func:`normalize` (the notebook reader for stored outputs,
:mod:`generator.kernel.results` for executed ones), so one bundle always becomes
the same :class:`Shown` output, and :mod:`generator.markdown.cells.render` turns
it into HTML in one place.

Stdlib only and cheap to import: the notebook reader runs in the load stage.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: An output bigger than this is left out of the page (with a warning).
MAX_OUTPUT_BYTES = 5 * 1024 * 1024

WIDGET = "application/vnd.jupyter.widget-view+json"
PLOTLY = "application/vnd.plotly.v1+json"
_VEGALITE = re.compile(r"^application/vnd\.vegalite\.v(\d+)(?:\.[\w.]+)?\+json$")
IMAGE_MIMES = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}

#: Preference order, richest first (a Vega-Lite type of any version stands after Plotly).
ORDER = (WIDGET, PLOTLY, "vegalite", "text/html", "text/markdown", "image/svg+xml", "text/latex", "image/png",
         "image/jpeg", "image/gif", "application/javascript", "application/json", "text/plain")

_KIND = {"text/html": "html", "text/markdown": "markdown", "text/latex": "latex",
         "application/javascript": "javascript", "text/plain": "text", PLOTLY: "plotly"}


@dataclass
class Shown:
    """One output as the renderer sees it (the same attributes as the kernel's ``Output``).

    ``kind`` is one of ``stream text html markdown latex image plotly vegalite widget
    javascript error omitted``.  JSON kinds (plotly, vegalite) keep their JSON as text.
    """

    kind: str
    text: str = ""
    name: str = ""           # stdout/stderr for streams
    filename: str = ""       # images: the file beside the page
    mime: str = ""
    width: int | None = None
    height: int | None = None

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}

    @classmethod
    def from_json(cls, data: dict) -> Shown:
        return cls(**data)


def text_of(value: Any) -> str:
    """nbformat's multiline strings: a string, or a list of strings to join."""
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


def vegalite_mime(bundle: dict) -> str | None:
    for mime in bundle:
        if _VEGALITE.match(mime):
            return mime
    return None


def choose(bundle: dict) -> str | None:
    """The MIME type of ``bundle`` a page shows, or None when it has none we know."""
    for mime in ORDER:
        if mime == "vegalite":
            found = vegalite_mime(bundle)
            if found:
                return found
        elif mime in bundle:
            return mime
    return None


def size_of(value: Any) -> int:
    if isinstance(value, (dict, list)) and not all(isinstance(v, str) for v in value):
        return len(json.dumps(value))
    return len(text_of(value))


def human_size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB" if n >= 1 << 20 else f"{n / 1024:.0f} kB"


def normalize(bundle: dict, metadata: dict | None, *, image: Callable[[str, Any, dict], Shown],
              problems: list[str]) -> Shown | None:
    """The output a page shows for ``bundle``; None when nothing in it can be shown.

    :param image: makes the image output from (mime, value, that mime's metadata);
        the notebook reader decodes base64 and names a file, the kernel points at its blob
    :param problems: receives a sentence for every output left out or shown poorly
    """
    mime = choose(bundle)
    if mime is None:
        if bundle:
            problems.append(f"an output of type {', '.join(sorted(bundle))} cannot be shown; left out")
        return None
    value = bundle[mime]
    size = size_of(value)
    if size > MAX_OUTPUT_BYTES:
        what = f"a {mime} output of {human_size(size)} is larger than {human_size(MAX_OUTPUT_BYTES)}"
        problems.append(what + "; left out of the page")
        return Shown("omitted", text=what + ": left out of the page")
    meta = (metadata or {}).get(mime) if isinstance((metadata or {}).get(mime), dict) else {}
    if mime in IMAGE_MIMES:
        return image(mime, value, meta or {})
    if mime == WIDGET:
        problems.append("an interactive widget needs a live kernel; its text form is shown")
        return Shown("widget", text=text_of(bundle.get("text/plain")) or "[interactive widget]")
    vegalite = _VEGALITE.match(mime)
    if vegalite:
        return Shown("vegalite", text=_json_text(value), mime=mime)
    if mime == "application/json":
        return Shown("text", text=json.dumps(value, indent=2, ensure_ascii=False))
    if mime == PLOTLY:
        return Shown("plotly", text=_json_text(value), mime=mime)
    return Shown(_KIND[mime], text=text_of(value), mime=mime)


def _json_text(value: Any) -> str:
    if isinstance(value, str):  # some writers store the JSON as text
        value = json.loads(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# -- image sizes -----------------------------------------------------------------------

_SVG_TAG = re.compile(rb"<svg\b[^>]*>", re.S)
_SVG_ATTR = re.compile(rb"""\b(width|height|viewBox)\s*=\s*["']([^"']*)["']""")
_LENGTH = re.compile(rb"^\s*([0-9.]+)\s*(px|pt)?\s*$")


def image_size(data: bytes, mime: str) -> tuple[int | None, int | None]:
    """(width, height) in CSS pixels read from the image's own header; None where unknown."""
    try:
        if mime == "image/png" and data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if mime == "image/gif" and data[:3] == b"GIF":
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        if mime == "image/jpeg":
            return _jpeg_size(data)
        if mime == "image/svg+xml":
            return _svg_size(data)
    except (struct.error, ValueError, IndexError):
        pass
    return None, None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None, None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start-of-frame
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None, None


def _svg_size(data: bytes) -> tuple[int | None, int | None]:
    tag = _SVG_TAG.search(data[:4096])
    if tag is None:
        return None, None
    attrs = {m.group(1).decode(): m.group(2) for m in _SVG_ATTR.finditer(tag.group(0))}
    size: list[int | None] = []
    for name in ("width", "height"):
        match = _LENGTH.match(attrs.get(name, b""))
        if match:
            number = float(match.group(1)) * (4 / 3 if match.group(2) == b"pt" else 1)
            size.append(round(number))
        else:
            size.append(None)
    if None in size and "viewBox" in attrs:
        parts = attrs["viewBox"].replace(b",", b" ").split()
        if len(parts) == 4:
            return round(float(parts[2])), round(float(parts[3]))
    return size[0], size[1]
