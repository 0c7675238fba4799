"""Progress lines for posts being executed.

:func:`terminal_progress` returns a sink for ``execute_posts(progress=...)``:
on a terminal it keeps one line per running post and rewrites them in place;
otherwise (CI logs, pipes) it prints one plain line per post when it ends.
"""

from __future__ import annotations

import sys
import threading
from typing import Callable, TextIO

from generator.execute.model import ProgressEvent


def describe(event: ProgressEvent) -> str:
    """E.g. ``content/posts/x.md: 3/5 cells (2 ran, 1 cached) 1.4 s``."""
    done = event.ran + event.cached
    state = {"running": "", "done": " done", "failed": " FAILED"}.get(event.state, "")
    return (f"{event.display_path}: {done}/{event.total} cells "
            f"({event.ran} ran, {event.cached} cached) {event.elapsed:.1f} s{state}")


def terminal_progress(stream: TextIO | None = None, *, tty: bool | None = None) -> Callable[[ProgressEvent], None]:
    """A progress sink writing to ``stream`` (default: stderr)."""
    stream = stream if stream is not None else sys.stderr
    if tty is None:
        tty = bool(getattr(stream, "isatty", lambda: False)())
    lines: dict[str, str] = {}
    drawn = 0
    lock = threading.Lock()

    def sink(event: ProgressEvent) -> None:
        nonlocal drawn
        text = describe(event)
        with lock:
            if not tty:
                if event.state != "running":
                    stream.write(text + "\n")
                    stream.flush()
                return
            lines[event.key] = text
            # Move to the first line we drew, then rewrite every post's line.
            out = f"\x1b[{drawn}F" if drawn else ""
            out += "".join(f"\x1b[2K{line}\n" for line in lines.values())
            drawn = len(lines)
            stream.write(out)
            stream.flush()

    return sink
