"""Python-level capture of what one cell prints and displays, in order.

``sys.stdout``/``sys.stderr`` are replaced by :class:`CapturedStream` objects
feeding one :class:`OutputSink`, so stdout, stderr and ``display()`` calls
keep their relative order.  Output written to file descriptors 1 and 2
directly (``os.write``, C extensions, subprocesses) bypasses this and is
collected by the parent from the worker's pipes instead.
"""

from __future__ import annotations

import io


class OutputLimitExceeded(BaseException):
    """Raised inside user code when a cell prints past the hard cap.

    A BaseException so that a user's ``except Exception`` cannot swallow it.
    """


class OutputSink:
    """Ordered outputs of one cell, with a display cap and a hard cap on text."""

    def __init__(self, *, display_cap: int, hard_cap: int):
        self.display_cap = display_cap
        self.hard_cap = hard_cap
        self.outputs: list[dict] = []
        self.text_chars = 0      # stream characters received so far
        self.kept = 0            # characters kept for display
        self.dropped = 0         # characters past the display cap

    def write(self, name: str, text: str) -> None:
        if not text:
            return
        self.text_chars += len(text)
        if self.text_chars > self.hard_cap:
            raise OutputLimitExceeded(f"printed more than {_size(self.hard_cap)} of output")
        room = max(self.display_cap - self.kept, 0)
        if len(text) > room:
            self.dropped += len(text) - room
            text = text[:room]
            if not text:
                return
        self.kept += len(text)
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last["kind"] == "stream" and last["name"] == name:
            last["text"] += text  # merge consecutive writes to the same stream
        else:
            self.outputs.append({"kind": "stream", "name": name, "text": text})

    def add(self, output: dict) -> None:
        self.outputs.append(output)

    def finish(self) -> list[dict]:
        """Return the outputs, with a truncation note if the display cap was hit."""
        if self.dropped:
            self.outputs.append({"kind": "stream", "name": "stderr",
                                 "text": f"\n[output truncated: {self.dropped} more characters not shown]\n"})
        return [clean(o) for o in self.outputs]


def clean(output: dict) -> dict:
    """Make text JSON/UTF-8 safe (lone surrogates would break writing HTML later)."""
    text = output.get("text")
    if text:
        output["text"] = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return output


class CapturedStream(io.TextIOBase):
    """A text stream that forwards writes to the current cell's sink."""

    def __init__(self, name: str, fd: int):
        self.name = name
        self._fd = fd
        self.sink: OutputSink | None = None

    # Some libraries inspect it.  A class attribute, not a property: typeshed declares
    # TextIOBase.encoding a plain str attribute, which a read-only property cannot override.
    encoding = "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        # Code that needs a real descriptor (subprocess, faulthandler) gets fd 1/2,
        # whose output the parent captures at the pipe level.
        return self._fd

    def write(self, text) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.sink is not None:
            self.sink.write(self.name, text)
        return len(text)

    def flush(self) -> None:
        pass


def _size(n: int) -> str:
    return f"{n // (1 << 20)} MB" if n >= 1 << 20 else f"{n} bytes"
