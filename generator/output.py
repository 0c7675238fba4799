"""Write the site into a fresh staging folder, then swap it in.

The previous output is never modified: unchanged files are hard-linked from it
into the staging folder (or copied where links are impossible) and changed
files are written as new files.  Only when the whole build succeeded does the
staging folder replace the output folder; a failing build leaves the previous
site exactly as it was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .errors import BuildError

MARKER = ".gdblog-output"


def check_output_dir(out_dir: Path, site_root: Path) -> None:
    """Refuse output folders whose replacement would destroy sources or foreign files."""
    out_dir, site_root = out_dir.resolve(), site_root.resolve()
    if out_dir == site_root or out_dir in site_root.parents:
        raise BuildError(f"output folder {out_dir} contains the site's sources",
                         hint="choose a separate folder, such as _site")
    for sub in ("content", "templates", "assets", "gdcore", "generator"):
        src = site_root / sub
        if out_dir == src or src in out_dir.parents:
            raise BuildError(f"output folder {out_dir} is inside the source folder {sub}/",
                             hint="choose a separate folder, such as _site")
    if out_dir.exists() and (not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MARKER).exists())):
        raise BuildError(f"refusing to replace {out_dir}: it was not built by this tool",
                         hint="delete it yourself or choose another output folder with --out")


class Staging:
    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.path = out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}"
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        for stale in out_dir.parent.glob(f".{out_dir.name}.staging-*"):
            shutil.rmtree(stale, ignore_errors=True)
        for stale in out_dir.parent.glob(f".{out_dir.name}.old-*"):
            shutil.rmtree(stale, ignore_errors=True)
        self.path.mkdir()
        (self.path / MARKER).write_text("This folder is written by build.py; it is replaced on every build.\n")
        self._dirs: set[Path] = {self.path}

    def _parent(self, target: Path) -> None:
        parent = target.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)

    def write(self, out_path: str, data: str | bytes) -> tuple:
        target = self.path / out_path
        self._parent(target)
        with open(target, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        st = os.stat(target)
        return (st.st_size, st.st_mtime_ns)

    def reuse(self, out_path: str, stat: tuple) -> bool:
        """Link the previous build's file if it is still what that build wrote."""
        old = self.out_dir / out_path
        try:
            st = os.stat(old)
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != tuple(stat):
            return False
        target = self.path / out_path
        self._parent(target)
        try:
            os.link(old, target)
        except OSError:
            shutil.copy2(old, target)
        return True

    def copy(self, source: Path, out_path: str) -> tuple:
        target = self.path / out_path
        self._parent(target)
        shutil.copyfile(source, target)
        st = os.stat(target)
        return (st.st_size, st.st_mtime_ns)

    def commit(self) -> None:
        old = self.out_dir.parent / f".{self.out_dir.name}.old-{os.getpid()}"
        if self.out_dir.exists():
            os.rename(self.out_dir, old)
        os.rename(self.path, self.out_dir)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
