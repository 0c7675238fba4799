"""Decode a source file's bytes into text, with located errors.

Sources are UTF-8 (a UTF-8 byte-order mark is dropped).  Text in another
Unicode encoding is refused by name rather than published as garbage: UTF-16
and UTF-32 with a byte-order mark, and also without one, where ASCII text
shows as every other (or every fourth) byte being NUL -- which is valid UTF-8,
so decoding alone would not notice.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BuildError
from ..fileio import read_bytes

_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32-LE"), (b"\x00\x00\xfe\xff", "UTF-32-BE"),
         (b"\xff\xfe", "UTF-16-LE"), (b"\xfe\xff", "UTF-16-BE"))
_HINT = "save the file as UTF-8 (most editors have 'Save with encoding')"


def read_text(path: Path, rel: str) -> tuple[str, bytes]:
    """The text of a UTF-8 file (BOM dropped, line ends normalised) and its bytes."""
    data = read_bytes(path, rel)
    return decode(data, rel), data


def wide_encoding(data: bytes) -> str | None:
    """The UTF-16/32 flavour ``data`` is in, judged by its byte-order mark or its NUL bytes."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name + " (with a byte-order mark)"
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    n = len(sample) - len(sample) % 4
    zeros = [sum(1 for i in range(k, n, 4) if sample[i] == 0) for k in range(4)]
    quarter = n // 4
    if zeros[1] == zeros[2] == zeros[3] == quarter and zeros[0] < quarter:
        return "UTF-32-LE"
    if zeros[0] == zeros[1] == zeros[2] == quarter and zeros[3] < quarter:
        return "UTF-32-BE"
    odd, even = zeros[1] + zeros[3], zeros[0] + zeros[2]
    if odd > 0.9 * (n // 2) and even < odd / 4:
        return "UTF-16-LE"
    if even > 0.9 * (n // 2) and odd < even / 4:
        return "UTF-16-BE"
    return None


def decode(data: bytes, rel: str) -> str:
    wide = wide_encoding(data)
    if wide is not None:
        raise BuildError(f"this file is {wide} text, not UTF-8", path=rel, line=1, hint=_HINT)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BuildError(f"not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                         path=rel, line=line, hint=_HINT) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")
