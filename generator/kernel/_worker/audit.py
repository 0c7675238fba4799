"""Record which files user code reads and writes, with an audit hook.

The cache must re-run a cell when a file it read changes, so every ``open``
(and directory listing, for ``glob``) made while user code runs is recorded.
Reads of the interpreter, installed packages, gdcore and the generator are
ignored: those are covered by the version and source hashes in the cache key.
"""

from __future__ import annotations

import hashlib
import os
import site
import sys
import sysconfig
import tempfile

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class FileRecorder:
    """Collects the paths opened while :attr:`active` is true."""

    def __init__(self, *, site_root: str, ignore: list[str]):
        self.site_root = os.path.normpath(site_root)
        self.site_prefix = _dir_prefix(site_root)
        # Always ignored: gdcore, the generator, the cache and the interpreter's
        # own files, which may all sit inside the site (a project-local .venv).
        always = ignore + _with_real(_interpreter_dirs())
        self.ignore = tuple(sorted({_dir_prefix(p) for p in always if p}))
        # Ignored outside the site only (the site itself may live under /tmp, say).
        self.system = tuple(sorted({_dir_prefix(p) for p in _with_real(_system_dirs()) if p}))
        self.active = False
        self._busy = False
        self.reads: set[str] = set()
        self.listings: set[str] = set()
        self.writes: set[str] = set()

    def install(self) -> None:
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple) -> None:
        if not self.active or self._busy:
            return
        if event == "open":
            path, mode, flags = args
        elif event in ("os.listdir", "os.scandir"):
            # The import system lists sys.path folders to find modules; that is
            # not the cell depending on a folder's contents.
            caller = sys._getframe(1).f_code.co_filename
            if caller.startswith("<frozen importlib"):
                return
            path, mode, flags = args[0], "list", 0
        else:
            return
        if path is None or isinstance(path, int):
            return
        self._busy = True  # the code below must not record itself
        try:
            full = os.path.normpath(os.path.abspath(os.fsdecode(path)))
            if "__pycache__" in full or full.startswith(self.ignore):
                return
            if not full.startswith(self.site_prefix) and full.startswith(self.system):
                return
            if mode == "list":
                self.listings.add(full)
            elif _is_write(mode, flags):
                self.writes.add(full)
            else:
                self.reads.add(full)
        except Exception:
            pass
        finally:
            self._busy = False

    def take(self) -> tuple[dict, list[str]]:
        """Return (files read -> [hash, mtime_ns, size], files written) and reset.

        Must be called with :attr:`active` false: hashing reads the files.
        """
        read: dict[str, list] = {}
        for full in sorted(self.reads):
            read[self.relative(full)] = file_stamp(full)
        for full in sorted(self.listings):
            read[self.relative(full) + "/"] = listing_stamp(full)
        written = sorted(self.relative(p) for p in self.writes)
        self.reads.clear()
        self.listings.clear()
        self.writes.clear()
        return read, written

    def relative(self, full: str) -> str:
        """Site-relative POSIX path when inside the site, else the absolute path."""
        if full == self.site_root or full.startswith(self.site_root + os.sep):
            return os.path.relpath(full, self.site_root).replace(os.sep, "/")
        return full


def file_stamp(path: str) -> list:
    """[sha256 hex or "absent", mtime_ns, size] of a file (same form the parent memoizes)."""
    try:
        before = os.stat(path)
        if not os.path.isfile(path):
            return ["absent", 0, 0]
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        after = os.stat(path)
    except OSError:
        return ["absent", 0, 0]
    if (before.st_mtime_ns, before.st_size) != (after.st_mtime_ns, after.st_size):
        return [digest.hexdigest(), 0, -1]  # changed while hashing: never trust the stamp
    return [digest.hexdigest(), after.st_mtime_ns, after.st_size]


def listing_stamp(path: str) -> list:
    """[hash of the sorted names, 0, -1] for a listed folder (no stamp shortcut)."""
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return ["absent", 0, 0]
    return [hashlib.sha256("\n".join(names).encode("utf-8", "surrogateescape")).hexdigest(), 0, -1]


def _is_write(mode, flags) -> bool:
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return bool((flags or 0) & _WRITE_FLAGS)


def _dir_prefix(path: str) -> str:
    return os.path.join(os.path.normpath(os.path.abspath(path)), "")


def _interpreter_dirs() -> list[str]:
    """The interpreter, its standard library and installed packages."""
    paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        paths.append(sysconfig.get_paths().get(name, ""))
    try:
        paths.extend(site.getsitepackages())
        paths.append(site.getusersitepackages())
    except Exception:
        pass
    return paths


def _system_dirs() -> list[str]:
    """Folders whose files are never a post's data: the system, temp files, user caches."""
    home = os.path.expanduser("~")
    return [tempfile.gettempdir(), "/proc", "/sys", "/dev", "/etc", "/usr", "/lib", "/lib64", "/bin",
            "/sbin", "/run", "/var/cache", "/var/lib",
            # matplotlib's font cache and config live in the user's cache/config folders.
            os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"),
            os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"),
            os.environ.get("MPLCONFIGDIR", ""), os.path.join(home, ".matplotlib")]


def _with_real(paths: list[str]) -> list[str]:
    # Resolve symlinks too, so both spellings of a folder are ignored.
    return paths + [os.path.realpath(p) for p in paths if p]
