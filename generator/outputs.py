"""The outputs ledger: every file of the new site, made from a key or reused from the last build.

Each output file is produced by exactly one call here, with the cache key of
what it depends on.  When the last build wrote the same path from the same
key and the live file is still exactly what it wrote, the file is reused (a
hard link at swap time); otherwise it is made anew in the staging folder.
Because every output goes through :meth:`Outputs.reuse_or_make` (or, for work
done in worker processes, :meth:`Outputs.reuse` then :meth:`Outputs.record`),
the key of each kind of output is written in exactly one place: the stage
that makes it.

The ledger also knows who claimed each path, so two sources writing the same
file is an error naming both, never a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError
from .manifest import OutputEntry
from .staging import Staging


@dataclass(frozen=True)
class Link:
    """A symlink to publish as itself (``follow_symlinks: false``): its target text."""

    target: str


#: What a maker returns: the file's content, a file to copy, or a link to make.
Made = str | bytes | Path | Link


class Outputs:
    def __init__(self, staging: Staging, previous: dict[str, OutputEntry]):
        self.staging = staging
        self.previous = previous
        self.entries: dict[str, OutputEntry] = {}
        self.owners: dict[str, str] = {}
        #: Paths made anew by this build (the rest were reused).
        self.made: set[str] = set()

    def claim(self, path: str, owner: str) -> None:
        """Reserve ``path`` for ``owner``; a second owner is an error naming both."""
        other = self.owners.setdefault(path, owner)
        if other != owner:
            raise BuildError(f"{owner} would overwrite {other} (both write {path})",
                             hint="give one of them a different permalink, slug or file name")

    def reuse(self, path: str, key: str, owner: str) -> bool:
        """Keep the last build's file when it was made from ``key`` and is unchanged since."""
        self.claim(path, owner)
        previous = self.previous.get(path)
        if previous is not None and previous.key == key and self.staging.reuse(path, previous.stat):
            self.entries[path] = previous
            return True
        return False

    def record(self, path: str, key: str, stat: tuple[int, int], owner: str) -> None:
        """A file written into the staging folder (possibly by a worker process) from ``key``."""
        self.claim(path, owner)
        self.staging.add(path)
        self.entries[path] = OutputEntry(key, stat[0], stat[1])
        self.made.add(path)

    def reuse_or_make(self, path: str, key: str, make: Callable[[], Made], owner: str) -> bool:
        """Reuse ``path`` or write what ``make()`` returns; True when it was made."""
        if self.reuse(path, key, owner):
            return False
        data = make()
        if isinstance(data, Link):
            stat = self.staging.symlink(data.target, path)
        elif isinstance(data, Path):
            stat = self.staging.copy(data, path)
        else:
            stat = self.staging.write(path, data)
        self.record(path, key, stat, owner)
        return True

    @property
    def reused(self) -> int:
        return len(self.entries) - len(self.made)
