"""Errors and warnings that point at a file and a line.

Every problem a writer can cause is raised as :class:`BuildError` (the build
stops) or collected as a :class:`Diagnostic` warning (the build goes on).
Both print as ``path:line: message`` followed by an optional hint, the form
editors and terminals turn into clickable locations.  They are printed once,
by the command line, never deep inside the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Diagnostic:
    """One located message: ``path:line: message`` (+ ``hint`` on its own line)."""

    path: str | None
    line: int | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = where + self.message
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class BuildError(Exception):
    """A problem in the sources that stops the build.

    ``errors`` holds one or more diagnostics so that a stage which checks many
    files (or executes many posts) can report every problem in one run.
    ``results`` carries what did succeed, when the raiser has it (the kernel's
    per-post results, so the pipeline can still cache the posts that ran).
    """

    results: Any = None

    def __init__(self, message: str | None = None, *, path: str | Path | None = None,
                 line: int | None = None, hint: str | None = None,
                 errors: list[Diagnostic] | None = None):
        if errors is None:
            errors = [Diagnostic(str(path) if path is not None else None, line, message or "", hint)]
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    @classmethod
    def many(cls, errors: list[Diagnostic]) -> BuildError:
        return cls(errors=list(errors))


class Interrupted(KeyboardInterrupt):
    """A signal (SIGINT, SIGTERM, SIGHUP) asked the build to stop.

    A KeyboardInterrupt, so every cleanup written for Ctrl-C (killing cell
    workers, removing the staging folder) runs for the other two as well.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        import signal

        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"
