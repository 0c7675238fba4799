"""The dark variant of a saved figure, made from its light file (SVG or PNG), not by drawing again.

Neutral colours (white, greys, black: backgrounds, axes, text, grid) are
turned around so the figure sits on the dark page: white becomes the page's
dark background and black its light text colour.  Saturated colours (the data)
keep their hue and are lightened a little to stay visible on a dark ground.
Colours in between are blended by saturation, so anti-aliased edges stay
smooth.  Making the variant from the file costs a millisecond or two, where
drawing the figure again would double its saving time.

Which figures get one (see :func:`wants_dark`): those whose cell says
``renderings: [light, dark]``, and, unless the cell says ``[light]``, figures
that declare it themselves with a ``renderings`` attribute (gdcore's do).
"""

from __future__ import annotations

import io
import re

#: The dark theme's background and text colours (assets/theme/style.css).
BACKGROUND = (0x16, 0x18, 0x1C)
FOREGROUND = (0xE6, 0xE6, 0xE3)
_SVG_COLOR = re.compile(rb"((?:fill|stroke|stop-color|flood-color|color)\s*[:=]\s*\"?\s*)#([0-9A-Fa-f]{6})\b")


def wants_dark(fig, renderings) -> bool:
    """Whether ``fig`` gets a dark variant: the cell's ``renderings`` option, else the figure's own."""
    if renderings is not None:
        return "dark" in renderings
    own = getattr(fig, "renderings", None)
    return isinstance(own, (list, tuple)) and "dark" in own


def dark_colors(rgb):
    """Colours (an array of shape (..., 3), values 0..1) as they look on the dark page."""
    import numpy as np

    rgb = np.asarray(rgb, dtype=float)
    high, low = rgb.max(axis=-1), rgb.min(axis=-1)
    saturation = np.where(high > 0, (high - low) / np.maximum(high, 1e-9), 0.0)
    lightness = (high + low) / 2
    bg, fg = np.array(BACKGROUND) / 255, np.array(FOREGROUND) / 255
    neutral = bg + (fg - bg) * (1 - lightness)[..., None]
    coloured = rgb + (1 - rgb) * 0.15
    weight = np.clip((0.3 - saturation) / 0.15, 0, 1)[..., None]
    return np.clip(weight * neutral + (1 - weight) * coloured, 0, 1)


def dark_svg(data: bytes) -> bytes:
    """The SVG with every colour of a fill, stroke or gradient stop turned (embedded images are kept)."""
    found = sorted({m.group(2).lower() for m in _SVG_COLOR.finditer(data)})
    if not found:
        return data
    rgb = [[int(h[i: i + 2], 16) / 255 for i in (0, 2, 4)] for h in (c.decode() for c in found)]
    turned = dark_colors(rgb)
    table = {old: "".join(f"{round(v * 255):02x}" for v in new).encode() for old, new in zip(found, turned)}
    return _SVG_COLOR.sub(lambda m: m.group(1) + b"#" + table[m.group(2).lower()], data)


def dark_png(data: bytes) -> bytes:
    """The PNG with every pixel's colour turned (its transparency kept)."""
    import numpy as np
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGBA")
    pixels = np.asarray(image, dtype=float) / 255
    pixels[..., :3] = dark_colors(pixels[..., :3])
    out = io.BytesIO()
    Image.fromarray(np.round(pixels * 255).astype("uint8"), "RGBA").save(out, format="PNG", optimize=False)
    return out.getvalue()
