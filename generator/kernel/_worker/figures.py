"""Save matplotlib figures and animations as content-addressed files.

Figures must be byte-identical across rebuilds, so everything that varies by
default is pinned: the SVG id salt, the date and software metadata, the dpi.
matplotlib is never imported here unless user code already imported it.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tempfile
from typing import Any

DPI = 144
MIME = {"svg": "image/svg+xml", "png": "image/png", "gif": "image/gif"}
# Keys typed Any: recent matplotlib types rc_context's keys as a Literal of every rcParam
# name (matplotlib.typing.RcKeyType), which older supported versions (>= 3.7) do not have.
_PINNED_RC: dict[Any, str] = {"svg.hashsalt": "gdblog", "svg.fonttype": "path"}


def pyplot():
    """matplotlib.pyplot if user code imported it, else None."""
    return sys.modules.get("matplotlib.pyplot")


def is_figure(obj) -> bool:
    figure = sys.modules.get("matplotlib.figure")
    return figure is not None and isinstance(obj, figure.Figure)


def is_animation(obj) -> bool:
    animation = sys.modules.get("matplotlib.animation")
    return animation is not None and isinstance(obj, animation.Animation)


def open_figures() -> list:
    """Open pyplot figures in creation order (auto-numbers grow with creation)."""
    plt = pyplot()
    if plt is None:
        return []
    return [plt.figure(num) for num in sorted(plt.get_fignums())]


def close_all() -> None:
    plt = pyplot()
    if plt is not None:
        plt.close("all")


def save_figure(fig, fmt: str, blob_dir: str, dark: bool = False) -> dict:
    """Render ``fig`` as ``fmt`` (svg or png) into the blob store; return an image output.

    ``dark``: also store a variant for dark pages (see :mod:`darkmode`), as ``"dark"``: its blob."""
    import matplotlib

    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    buffer = io.BytesIO()
    with matplotlib.rc_context(_PINNED_RC):
        fig.savefig(buffer, format=fmt, dpi=DPI, bbox_inches="tight", metadata=metadata)
    data = buffer.getvalue()
    output = _store(data, fmt, blob_dir)
    if dark:
        from _worker import darkmode

        variant = darkmode.dark_svg(data) if fmt == "svg" else darkmode.dark_png(data)
        output["dark"] = _store(variant, fmt, blob_dir)["blob"]
    return output


def save_animation(anim, blob_dir: str) -> dict:
    """Render an Animation to GIF with Pillow into the blob store."""
    import matplotlib
    from matplotlib.animation import PillowWriter

    interval = getattr(anim, "_interval", 200) or 200
    os.makedirs(blob_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".gif", dir=blob_dir)
    os.close(fd)
    try:
        with matplotlib.rc_context(_PINNED_RC):
            anim.save(tmp, writer=PillowWriter(fps=max(1, round(1000 / interval))), dpi=DPI / 2)
        with open(tmp, "rb") as f:
            data = f.read()
    finally:
        os.unlink(tmp)
    return _store(data, "gif", blob_dir)


def animation_figure(anim):
    return getattr(anim, "_fig", None)


def _store(data: bytes, ext: str, blob_dir: str) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    folder = os.path.join(blob_dir, digest[:2])
    path = os.path.join(folder, f"{digest}.{ext}")
    if not _holds(path, data):   # a blob that exists is rewritten unless it holds exactly these bytes
        os.makedirs(folder, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    return {"kind": "image", "blob": digest, "ext": ext, "mime": MIME[ext]}


def _holds(path: str, data: bytes) -> bool:
    """Whether the file at ``path`` holds exactly ``data`` (a cache restored from elsewhere
    may hold a truncated or garbled blob under the right name)."""
    try:
        if os.path.getsize(path) != len(data):
            return False
        with open(path, "rb") as f:
            return f.read() == data
    except OSError:
        return False
