"""Write the site into a staging folder, then swap it in.

The previous output is never modified.  The staging folder is the output from
the build before last, recycled: its folders already exist (creating a
thousand folders costs more than rendering a thousand unchanged pages), and
every file in it is brought to the new state without touching the live site:

* an unchanged file becomes a hard link to the live output's file (nothing
  to do if it already is one: same inode);
* a changed file is written under a temporary name and renamed over the old
  entry, so an inode shared with the live site is never written into;
* everything else in the folder is deleted: the whole folder is walked, so a
  stray file (left by a crash, or put there by hand) is never published.

Only when the whole build succeeded are the two folders swapped (three
renames, undone if one fails).  A failing build leaves the live site exactly
as it was; the staging folder is hidden (``.NAME.staging``).  One left by a
build that died half-way (it holds the :data:`UNFINISHED` marker) is deleted
and rebuilt from empty.  When nothing at all changed, the staging folder is
not even touched: unchanged files are only verified during the build.

Two special cases:

* **The output folder is a mount point** (it cannot be renamed): the new site
  is written into it file by file -- still only after everything succeeded --
  and what the new site does not have is deleted.  A reader may see a mix of
  old and new files for that moment.
* **One build at a time**: :class:`OutputLock` holds ``.NAME.lock`` beside the
  output folder while a build runs; a second build of the same folder says
  "another build is running (pid N)" and waits for it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import BuildError
from .fileio import os_error

MARKER = ".gdblog-output"
#: In the staging folder while a build writes into it: if it is there when a build
#: starts, the last build died half-way and the folder's content is unknown.
UNFINISHED = ".gdblog-unfinished"
#: Free space the swap wants on the output's file system (a rename may need a new directory block).
MIN_FREE = 16 * 1024


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


class OutputLock:
    """An exclusive lock on an output folder for the duration of one build.

    ``flock`` on ``.NAME.lock`` beside the folder: the kernel drops it when the
    process ends, however it ends, so a build killed with ``kill -9`` never
    leaves a stale lock.  The file holds the pid of the build holding it.
    """

    def __init__(self, out_dir: Path, *, wait_message=None):
        self.path = out_dir.parent / f".{out_dir.name}.lock"
        self.fd: int | None = None
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            self._acquire(fd, wait_message)
        except BaseException:
            os.close(fd)
            raise
        self.fd = fd

    def _acquire(self, fd: int, wait_message) -> None:
        try:
            import fcntl
        except ImportError:  # no flock here: builds are not serialized
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            message = (f"another build is running (pid {holder}) into {self.path.parent / self.path.name[1:-5]}; "
                       "waiting for it to finish")
            (wait_message or _tell)(message)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            os.close(self.fd)   # closing the last descriptor drops the flock
            self.fd = None


def _tell(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


def _stat(path: str) -> tuple[int, int]:
    st = os.lstat(path)
    return (st.st_size, st.st_mtime_ns)


def write_atomic(root: Path | str, out_path: str, data: str | bytes) -> tuple:
    """Write a new file at ``root/out_path`` (never into an existing inode); return its stat.

    On failure (a full disk, say) the half-written temporary file is removed
    and the OSError raised, for the build's error boundary to locate.
    """
    target = os.path.join(root, out_path)
    tmp = target + ".~tmp"
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        try:
            fh = open(tmp, "wb")  # noqa: SIM115 -- a missing folder is made, then the file is opened again
        except (FileNotFoundError, NotADirectoryError):
            _make_room(target)
            fh = open(tmp, "wb")  # noqa: SIM115
        with fh:
            fh.write(payload)
        _replace(tmp, target)
    except OSError:
        _discard_file(tmp)
        raise
    return _stat(target)


def _discard_file(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


class Staging:
    """The staging folder of one build.

    ``known``: what the last build said this folder holds -- its files and the mtimes of its
    folders (see :class:`~generator.manifest.Manifest`).  When every folder's mtime is still
    the same, nothing was added since, and pruning deletes just the known files the new site
    does not have; otherwise (or when unknown) the whole folder is walked.
    """

    def __init__(self, out_dir: Path, known: tuple[list[str] | None, str | None] = (None, None)):
        self.out_dir = out_dir
        self.path = out_dir.parent / f".{out_dir.name}.staging"
        self._swap = out_dir.parent / f".{out_dir.name}.swap"
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        if self._swap.exists():  # a swap was interrupted between its renames
            if self.out_dir.exists():
                shutil.rmtree(self._swap, ignore_errors=True)
            else:
                os.rename(self._swap, self.out_dir)
        if os.path.lexists(self.path) and not self.path.is_dir() or self.path.is_symlink():
            self.path.unlink()
        if (self.path / UNFINISHED).exists():
            # The last build died half-way: nothing in there can be trusted.
            shutil.rmtree(self.path)
        #: The output folder is a mount point: it is updated file by file, never renamed.
        self.mount = out_dir.is_dir() and os.path.ismount(out_dir)
        self.wanted: set[str] = {MARKER}
        self.reused: dict[str, os.stat_result] = {}   # out_path -> the live file, verified
        self.changed = False
        self._opened = False
        self._known_files, self._known_dirs = known
        self._verified = False      # the folder holds exactly _known_files (see _verify)
        #: a hash of the mtimes of the prepared site's folders (for the manifest, see Manifest.live_dirs)
        self.live_dirs: str | None = None

    def open(self) -> None:
        """Call before anything (this process or a worker) writes into the staging folder."""
        if not self._opened:
            self._verified = self._verify()   # before any write changes a folder's mtime
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

    def reuse(self, out_path: str, stat_: tuple) -> bool:
        """Keep the live output's file if it is still exactly what the last build wrote."""
        try:
            st = os.lstat(os.path.join(self.out_dir, out_path))
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != tuple(stat_) or stat.S_ISLNK(st.st_mode):
            return False
        self.wanted.add(out_path)
        self.reused[out_path] = st
        return True

    def copy(self, source: Path, out_path: str) -> tuple:
        return self._place(out_path, lambda tmp: shutil.copyfile(source, tmp))

    def symlink(self, link: str, out_path: str) -> tuple:
        """A symlink with the target text ``link`` (a site's link published as itself)."""
        return self._place(out_path, lambda tmp: os.symlink(link, tmp))

    def _place(self, out_path: str, make: Callable[[str], object]) -> tuple:
        """Make a file beside ``out_path`` in the staging folder with ``make(tmp)``, then
        rename it into place (making room for it: a missing folder, a file where a folder
        goes); return its stat.  A failure leaves no temporary file; a full or read-only
        disk names the file being written, not the source."""
        self.open()
        target = os.path.join(self.path, out_path)
        tmp = target + ".~tmp"
        _discard_file(tmp)
        try:
            try:
                make(tmp)
            except (FileNotFoundError, NotADirectoryError) as exc:
                if tmp not in (exc.filename, exc.filename2):   # a missing source: room would not help
                    raise
                _make_room(target)
                make(tmp)
            _replace(tmp, target)
        except OSError as exc:
            _discard_file(tmp)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
                raise OSError(exc.errno, exc.strerror, target) from None
            raise
        self.add(out_path)
        return _stat(target)

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
            mine = os.lstat(target)
            if (mine.st_ino, mine.st_dev) == (live.st_ino, live.st_dev):
                return  # the recycled folder already holds this very file
            if self.mount and (mine.st_size, mine.st_mtime_ns) == (live.st_size, live.st_mtime_ns) \
                    and stat.S_ISREG(mine.st_mode):
                return  # another file system: a copy with the same size and time is this file
        except OSError:
            pass
        source = os.path.join(self.out_dir, out_path)
        tmp = target + ".~tmp"
        try:
            try:
                os.link(source, tmp, follow_symlinks=False)
            except FileExistsError:
                os.unlink(tmp)
                os.link(source, tmp, follow_symlinks=False)
            except (FileNotFoundError, NotADirectoryError):
                _make_room(target)
                os.link(source, tmp, follow_symlinks=False)
            except OSError as exc:  # no hard links here (another file system): copy
                if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM) and not self.mount:
                    raise
                shutil.copy2(source, tmp)
            _replace(tmp, target)
        except OSError:
            _discard_file(tmp)
            raise

    def _verify(self) -> bool:
        """Whether the folder still holds exactly the files the last build left in it:
        every folder's mtime is what it was (adding or removing a name changes it)."""
        if self._known_dirs is None or self._known_files is None or self.mount or not self.path.is_dir():
            return False
        try:
            return self._folder_times(self._known_files) == self._known_dirs
        except OSError:
            return False

    def _prune_known(self, known: set[str]) -> None:
        """Delete the known files the new site does not have (the folder was verified)."""
        for rel in known - self.wanted:
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

    def _folder_times(self, files) -> str:
        """A hash of the mtime of every folder holding ``files`` (and of the top folder)."""
        folders = {""}
        for rel in files:
            cut = rel.rfind("/")
            while cut > 0 and rel[:cut] not in folders:
                folders.add(rel[:cut])
                cut = rel.rfind("/", 0, cut)
        digest = hashlib.sha1()
        base = str(self.path)
        for rel in sorted(folders):
            digest.update(b"%s %d\n" % (rel.encode("utf-8", "surrogateescape"),
                                        os.stat(os.path.join(base, rel) if rel else base).st_mtime_ns))
        return digest.hexdigest()

    def _prune(self) -> None:
        """Delete everything the new site does not have, wherever it is in the folder."""
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
                    rel = f"{rel_dir}/{name}" if rel_dir else name
                    if rel not in self.wanted:
                        os.unlink(full)
                else:
                    with contextlib.suppress(OSError):
                        os.rmdir(full)  # only succeeds when empty

    def changed_from(self, previous: set[str]) -> bool:
        """Whether the new site differs from the live one (``previous``: what the last build wrote)."""
        return not (not self.changed and self.out_dir.is_dir() and set(self.reused) == previous)

    def prepare(self) -> None:
        """Bring the staging folder to exactly the new site, and check there is room to swap it in."""
        self.open()
        marker = self.path / MARKER
        if not marker.exists():
            marker.write_text("This folder is written by build.py; it is replaced on every build.\n")
        for out_path, live in self.reused.items():
            self._link(out_path, live)
        if self._verified:
            self._prune_known(set(self._known_files or ()))
        else:
            self._prune()
        self._check_space()
        (self.path / UNFINISHED).unlink(missing_ok=True)
        self.live_dirs = None if self.mount else self._folder_times(self.wanted)

    def _check_space(self) -> None:
        """Fail now, with the live site untouched, when the swap could run out of space.

        A swap by renames needs almost nothing; writing into a mounted output
        folder needs room for what grows and for the largest file's temporary copy.
        """
        where = self.out_dir if self.out_dir.exists() else self.out_dir.parent
        try:
            st = os.statvfs(where)
        except (OSError, AttributeError):
            return
        needed = self._mount_needs() if self.mount else MIN_FREE
        if st.f_bavail * st.f_frsize < needed:
            raise os_error(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), "swap the new site in", where)

    def _mount_needs(self) -> int:
        grow, largest = 0, 0
        prefix = len(str(self.path)) + 1
        for dirpath, _, filenames in os.walk(self.path):
            for name in filenames:
                new = os.lstat(os.path.join(dirpath, name))
                try:
                    old = os.lstat(os.path.join(self.out_dir, dirpath[prefix:], name)).st_size
                except OSError:
                    old = 0
                grow += max(0, new.st_size - old)
                largest = max(largest, new.st_size)
        return grow + largest + MIN_FREE

    def swap(self) -> None:
        """Make the prepared staging folder the live site (three renames; undone if one fails)."""
        if self.mount:
            self._sync_into_mount()
            return
        if not self.out_dir.exists():
            os.rename(self.path, self.out_dir)
            return
        os.rename(self.out_dir, self._swap)
        try:
            os.rename(self.path, self.out_dir)
        except OSError:
            os.rename(self._swap, self.out_dir)   # put the live site back
            raise
        try:
            os.rename(self._swap, self.path)
        except OSError:
            shutil.rmtree(self._swap, ignore_errors=True)

    def commit(self, previous: set[str] | None = None) -> bool:
        """prepare() and swap() when the new site differs from the live one; True when it did."""
        if not self.changed_from(previous if previous is not None else set()):
            return False
        self.prepare()
        self.swap()
        return True

    def discard(self) -> None:
        """Remove the staging folder (an interrupted build: what it holds is unknown)."""
        shutil.rmtree(self.path, ignore_errors=True)

    # -- an output folder that is a mount point ------------------------------------
    def _sync_into_mount(self) -> None:
        """Write the staging folder into the mounted output folder, file by file."""
        src_root, dst_root = str(self.path), str(self.out_dir)
        prefix = len(src_root) + 1
        for dirpath, dirnames, filenames in os.walk(src_root):
            rel_dir = dirpath[prefix:]
            for name in dirnames:
                folder = os.path.join(dst_root, rel_dir, name)
                if os.path.lexists(folder) and not os.path.isdir(folder):
                    os.unlink(folder)
                os.makedirs(folder, exist_ok=True)
            for name in filenames:
                self._sync_file(os.path.join(dirpath, name), os.path.join(dst_root, rel_dir, name))
        for dirpath, dirnames, filenames in os.walk(dst_root, topdown=False):
            rel_dir = dirpath[len(dst_root) + 1:]
            for name in filenames + dirnames:
                if not os.path.lexists(os.path.join(src_root, rel_dir, name)):
                    full = os.path.join(dirpath, name)
                    if os.path.isdir(full) and not os.path.islink(full):
                        shutil.rmtree(full)
                    else:
                        os.unlink(full)

    @staticmethod
    def _sync_file(source: str, target: str) -> None:
        new = os.lstat(source)
        try:
            old = os.lstat(target)
            if stat.S_ISDIR(old.st_mode):
                shutil.rmtree(target)
            elif (stat.S_IFMT(old.st_mode), old.st_size, old.st_mtime_ns) == \
                    (stat.S_IFMT(new.st_mode), new.st_size, new.st_mtime_ns):
                return
        except FileNotFoundError:
            pass
        tmp = target + ".~tmp"
        _discard_file(tmp)
        try:
            if stat.S_ISLNK(new.st_mode):
                os.symlink(os.readlink(source), tmp)
            else:
                shutil.copy2(source, tmp)
            os.replace(tmp, target)
        except OSError:
            _discard_file(tmp)
            raise
