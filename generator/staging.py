"""Write the site into a staging folder, then swap it in.

The previous output is never modified.  The staging folder is the output from
the build before last, recycled: its folders already exist (creating a
thousand folders costs more than rendering a thousand unchanged pages), and
every file in it is brought to the new state without touching the live site:

* an unchanged file becomes a hard link to the live output's file (nothing
  to do if it already is one: same inode);
* a changed file is written under a temporary name and renamed over the old
  entry, so an inode shared with the live site is never written into;
* files the new site does not have are deleted.

Only when the whole build succeeded are the two folders swapped (three
renames).  A failing build leaves the live site exactly as it was; the staging
folder is hidden (``.NAME.staging``) and reconciled again on the next build.
When nothing at all changed, the staging folder is not even touched: unchanged
files are only verified during the build and linked at :meth:`Staging.commit`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .errors import BuildError

MARKER = ".gdblog-output"
#: In the staging folder while a build writes into it: if it is there when a build
#: starts, the last build died half-way and the folder's content is unknown.
UNFINISHED = ".gdblog-unfinished"


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


def _make_room(target: str) -> None:
    """Make ``target``'s folder exist, removing files or folders in the way."""
    parent = os.path.dirname(target)
    try:
        os.makedirs(parent, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        # a file sits where a folder is needed (a permalink changed shape)
        probe = parent
        while probe and not os.path.isdir(probe):
            if os.path.lexists(probe):
                os.unlink(probe)
                break
            probe = os.path.dirname(probe)
        os.makedirs(parent, exist_ok=True)
    if os.path.isdir(target) and not os.path.islink(target):
        shutil.rmtree(target)


def _replace(tmp: str, target: str) -> None:
    try:
        os.replace(tmp, target)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        _make_room(target)
        os.replace(tmp, target)


def write_atomic(root: Path | str, out_path: str, data: str | bytes) -> tuple:
    """Write a new file at ``root/out_path`` (never into an existing inode); return its stat."""
    target = os.path.join(root, out_path)
    tmp = target + ".~tmp"
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fh = open(tmp, "wb")  # noqa: SIM115 -- closed by the with-block below
    except (FileNotFoundError, NotADirectoryError):
        _make_room(target)
        fh = open(tmp, "wb")  # noqa: SIM115
    with fh:
        fh.write(payload)
    _replace(tmp, target)
    st = os.stat(target)
    return (st.st_size, st.st_mtime_ns)


class Staging:
    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.path = out_dir.parent / f".{out_dir.name}.staging"
        self._swap = out_dir.parent / f".{out_dir.name}.swap"
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if self._swap.exists():  # a swap was interrupted between its renames
            if self.out_dir.exists():
                shutil.rmtree(self._swap, ignore_errors=True)
            else:
                os.rename(self._swap, self.out_dir)
        if self.path.exists() and not self.path.is_dir():
            self.path.unlink()
        self.unfinished = (self.path / UNFINISHED).exists()
        self.wanted: set[str] = {MARKER}
        self.reused: dict[str, os.stat_result] = {}   # out_path -> the live file, verified
        self.changed = False
        self._opened = False

    def open(self) -> None:
        """Call before anything (this process or a worker) writes into the staging folder."""
        if not self._opened:
            self.path.mkdir(exist_ok=True)
            (self.path / UNFINISHED).touch()
            self._opened = True

    def write(self, out_path: str, data: str | bytes) -> tuple:
        self.open()
        self.add(out_path)
        return write_atomic(self.path, out_path, data)

    def add(self, out_path: str) -> None:
        """Record a file written into the staging folder (also by a worker process)."""
        self.wanted.add(out_path)
        self.changed = True

    def reuse(self, out_path: str, stat: tuple) -> bool:
        """Keep the live output's file if it is still exactly what the last build wrote."""
        try:
            st = os.stat(os.path.join(self.out_dir, out_path))
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != tuple(stat):
            return False
        self.wanted.add(out_path)
        self.reused[out_path] = st
        return True

    def copy(self, source: Path, out_path: str) -> tuple:
        self.open()
        target = os.path.join(self.path, out_path)
        tmp = target + ".~tmp"
        try:
            shutil.copyfile(source, tmp)
        except (FileNotFoundError, NotADirectoryError):
            if not os.path.exists(source):
                raise
            _make_room(target)
            shutil.copyfile(source, tmp)
        _replace(tmp, target)
        self.add(out_path)
        st = os.stat(target)
        return (st.st_size, st.st_mtime_ns)

    def materialize(self, out_path: str) -> Path:
        """The path of ``out_path`` in the staging folder, holding the file now: a reused file is
        linked from the live site at once, as :meth:`commit` would (which then finds it done).
        For a step that reads the finished site (the search index)."""
        live = self.reused.get(out_path)
        if live is not None:
            self.open()
            self._link(out_path, live)
        return self.path / out_path

    def _link(self, out_path: str, live: os.stat_result) -> None:
        target = os.path.join(self.path, out_path)
        try:
            mine = os.stat(target)
            if (mine.st_ino, mine.st_dev) == (live.st_ino, live.st_dev):
                return  # the recycled folder already holds this very file
        except OSError:
            pass
        source = os.path.join(self.out_dir, out_path)
        tmp = target + ".~tmp"
        try:
            os.link(source, tmp)
        except FileExistsError:
            os.unlink(tmp)
            os.link(source, tmp)
        except (FileNotFoundError, NotADirectoryError):
            _make_room(target)
            os.link(source, tmp)
        except OSError:  # no hard links here (another file system): copy
            shutil.copy2(source, tmp)
        _replace(tmp, target)

    def _prune(self, staged: set[str] | None) -> None:
        """Delete what the new site does not have (left over from the build before last).

        ``staged``: the files the staging folder held before this build, when known
        (then only those are looked at); otherwise the whole folder is walked.
        """
        if staged is not None and not self.unfinished:
            for rel in staged - self.wanted:
                path = os.path.join(self.path, rel)
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    continue
                except IsADirectoryError:
                    shutil.rmtree(path, ignore_errors=True)
                folder = os.path.dirname(path)
                while len(folder) > len(str(self.path)):
                    try:
                        os.rmdir(folder)  # only succeeds when empty
                    except OSError:
                        break
                    folder = os.path.dirname(folder)
            return
        root = str(self.path)
        prefix = len(root) + 1
        for dirpath, dirnames, filenames in os.walk(root, topdown=False):
            rel_dir = dirpath[prefix:]
            for name in filenames:
                rel = f"{rel_dir}/{name}" if rel_dir else name
                if rel not in self.wanted:
                    os.unlink(os.path.join(dirpath, name))
            for name in dirnames:
                full = os.path.join(dirpath, name)
                if os.path.islink(full):
                    os.unlink(full)
                else:
                    try:
                        os.rmdir(full)  # only succeeds when empty
                    except OSError:
                        pass

    def commit(self, previous: set[str] | None = None, staged: set[str] | None = None) -> set[str] | None:
        """Make the new site live.

        ``previous``: the files the last build wrote (its manifest); ``staged``:
        what the staging folder held (see the return value).  Returns None when
        the new site is exactly the live one (nothing was touched), else the set
        of files the staging folder holds now (the site that was live), to pass
        as ``staged`` next time.
        """
        if (not self.changed and previous is not None and self.out_dir.is_dir()
                and set(self.reused) == set(previous)):
            return None
        self.open()
        marker = self.path / MARKER
        if not marker.exists():
            marker.write_text("This folder is written by build.py; it is replaced on every build.\n")
        for out_path, live in self.reused.items():
            self._link(out_path, live)
        self._prune(staged if staged is not None else None)
        (self.path / UNFINISHED).unlink(missing_ok=True)
        if self.out_dir.exists():
            os.rename(self.out_dir, self._swap)
            os.rename(self.path, self.out_dir)
            os.rename(self._swap, self.path)
            return set(previous) | {MARKER} if previous is not None else set()
        os.rename(self.path, self.out_dir)
        return set()
