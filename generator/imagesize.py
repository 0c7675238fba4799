"""Width and height of an image file, read from its first bytes (PNG, GIF, JPEG, WebP, SVG).

Pages give every ``<img>`` its size so the browser reserves the space before
the image arrives (no layout shift).  Reading a header is cheap, needs no
imaging library, and never decodes pixels.  Sizes are CSS pixels: SVG lengths
in pt, in, cm or mm are converted at 96 px per inch, as browsers do.
"""

from __future__ import annotations

import re
import struct

#: Bytes read from the start of a file; JPEG size markers and SVG root tags come early.
_HEAD = 64 * 1024
_SVG_ROOT = re.compile(rb"<svg\b[^>]*>", re.S)
_LENGTH = re.compile(r"^\s*([0-9.]+)\s*(px|pt|pc|in|cm|mm)?\s*$")
_PER_UNIT = {None: 1.0, "px": 1.0, "pt": 96 / 72, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}


def image_size(path: str) -> tuple[int, int] | None:
    """(width, height) in CSS pixels, or None when the file is unreadable or of another kind."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD)
    except OSError:
        return None
    for reader in (_png, _gif, _webp, _jpeg, _svg):
        try:
            size = reader(head)
        except (struct.error, ValueError, IndexError):
            size = None
        if size is not None:
            width, height = size
            return (width, height) if width > 0 and height > 0 else None
    return None


def _png(head: bytes) -> tuple[int, int] | None:
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _gif(head: bytes) -> tuple[int, int] | None:
    if head[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    width, height = struct.unpack("<HH", head[6:10])
    return width, height


def _webp(head: bytes) -> tuple[int, int] | None:
    if head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    return None


def _jpeg(head: bytes) -> tuple[int, int] | None:
    if head[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 9 < len(head):
        if head[i] != 0xFF:
            i += 1
            continue
        marker = head[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", head[i + 2: i + 4])[0]
        # start-of-frame markers (not DHT 0xC4, JPG 0xC8, DAC 0xCC) hold the size
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", head[i + 5: i + 9])
            return width, height
        i += 2 + length
    return None


def _svg_length(value: str | None) -> float | None:
    if value is None:
        return None
    match = _LENGTH.match(value)
    if not match:
        return None  # "100%" and the like: no intrinsic size
    return float(match.group(1)) * _PER_UNIT[match.group(2)]


def _svg(head: bytes) -> tuple[int, int] | None:
    match = _SVG_ROOT.search(head)
    if match is None:
        return None
    tag = match.group(0).decode("utf-8", "replace")
    attrs = dict(re.findall(r'([\w:-]+)\s*=\s*["\']([^"\']*)["\']', tag))
    width, height = _svg_length(attrs.get("width")), _svg_length(attrs.get("height"))
    box = [float(v) for v in re.split(r"[\s,]+", attrs.get("viewBox", "").strip()) if v] if "viewBox" in attrs else []
    if len(box) == 4 and box[2] > 0 and box[3] > 0:
        if width is None and height is None:
            width, height = box[2], box[3]
        elif width is None and height is not None:
            width = height * box[2] / box[3]
        elif height is None and width is not None:
            height = width * box[3] / box[2]
    if width is None or height is None:
        return None
    return round(width), round(height)
