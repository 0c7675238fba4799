"""Message framing between the build process and a worker.

Messages are JSON objects, each preceded by its length as 4 big-endian bytes,
sent over a private socket (never stdout/stderr: user code may write to fd 1
and 2 directly, and that must not corrupt the conversation).
"""

from __future__ import annotations

import json
import struct

_HEADER = struct.Struct(">I")


def encode(message: dict) -> bytes:
    """Return the framed bytes of ``message``."""
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    return _HEADER.pack(len(body)) + body


def send(sock, message: dict) -> None:
    """Send one message on a blocking socket."""
    sock.sendall(encode(message))


def recv(sock) -> dict | None:
    """Receive one message from a blocking socket; None when the peer closed it."""
    header = _recv_exactly(sock, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    body = _recv_exactly(sock, size)
    if body is None:
        return None
    return json.loads(body)


def _recv_exactly(sock, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = sock.recv(min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def split_frames(buffer: bytearray) -> list[dict]:
    """Pop every complete message off the front of ``buffer`` (non-blocking readers)."""
    messages = []
    while len(buffer) >= _HEADER.size:
        (size,) = _HEADER.unpack_from(buffer)
        end = _HEADER.size + size
        if len(buffer) < end:
            break
        messages.append(json.loads(bytes(buffer[_HEADER.size:end])))
        del buffer[:end]
    return messages
