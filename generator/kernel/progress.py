"""Progress lines for posts being executed.

:func:`terminal_progress` returns a sink for ``execute_posts(progress=...)``:
on a terminal it keeps one line per running post and rewrites them in place;
otherwise (CI logs, pipes) it prints one plain line per post when it ends.
Fully cached posts start no worker and report nothing.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO
from collections.abc import Callable

from generator.kernel.model import ProgressEvent


def describe(event: ProgressEvent) -> str:
    """E.g. ``content/posts/x.md: 3/5 cells (2 ran, 1 cached) 1.4 s``."""
    done = event.ran + event.cached
    state = {"running": "", "done": " done", "failed": " FAILED"}.get(event.state, "")
    return (f"{event.display_path}: {done}/{event.total} cells "
            f"({event.ran} ran, {event.cached} cached) {event.elapsed:.1f} s{state}")


def terminal_progress(stream: TextIO | None = None, *, tty: bool | None = None) -> Callable[[ProgressEvent], None]:
    """A progress sink writing to ``stream`` (default: stderr).

    On a terminal, the posts still running form a block at the bottom that is
    redrawn in place; a post's final line is printed above the block and stays.
    """
    stream = stream if stream is not None else sys.stderr
    if tty is None:
        tty = bool(getattr(stream, "isatty", lambda: False)())
    running: dict[str, str] = {}
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
            # Back to the top of the block, clearing it.
            out = f"\x1b[{drawn}F\x1b[J" if drawn else ""
            if event.state == "running":
                running[event.key] = text
            else:
                running.pop(event.key, None)
                out += text + "\n"
            out += "".join(line + "\n" for line in running.values())
            drawn = len(running)
            stream.write(out)
            stream.flush()

    return sink
