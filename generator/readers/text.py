"""Decode a source file's bytes into text, with located errors."""

from __future__ import annotations

from pathlib import Path

from ..errors import BuildError


def read_text(path: Path, rel: str) -> tuple[str, bytes]:
    """The text of a UTF-8 file (BOM dropped, line ends normalised) and its bytes."""
    data = path.read_bytes()
    return decode(data, rel), data


def decode(data: bytes, rel: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BuildError(f"not valid UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                         path=rel, line=line,
                         hint="save the file as UTF-8 (most editors have 'Save with encoding')") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")
