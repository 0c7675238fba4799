"""The site's files as the build may use them: regular files only, symlinks only inside the site.

Everything the build reads from the site folder (sources, assets, includes,
page-bundle files) is found by :func:`walk` and read by :func:`read_bytes`:

* a **symlink** is followed only when it resolves inside the site folder;
  one that points elsewhere (``notes.txt -> /etc/passwd``) is refused with a
  warning naming the link, or, with ``follow_symlinks: false``, published as
  the link itself -- never its target's contents.  A dangling link and a
  **loop** (a link to itself, two links to each other, a folder link to an
  ancestor) are skipped with a warning;
* **FIFOs, sockets and devices** are skipped with a warning and never opened
  (opening a FIFO waits forever; ``/dev/zero`` never ends);
* **editor leftovers** (``x.md~``, ``#x.md#``) and dot files are not part of
  the site, as under Jekyll (``.well-known/`` is, on purpose);
* a folder that cannot be listed, or a file that cannot be read, stops the
  build with a located :class:`~generator.errors.BuildError` instead of being
  skipped in silence (an unreadable ``posts/`` folder must not publish a site
  with no posts).

:func:`os_error` turns any ``OSError`` into such a located error: the path,
what was being done, and a hint ("disk full: free space in ...").
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError, Diagnostic

#: Folder names starting with a dot that are published all the same.
PUBLISHED_DOT_FOLDERS = (".well-known",)


def shown(path: str | os.PathLike, root: Path | None) -> str:
    """``path`` as messages show it: relative to the site folder when inside it."""
    text = os.fspath(path)
    if root is not None:
        base = os.fspath(root)
        if text == base:
            return "."
        if text.startswith(base + os.sep):
            return text[len(base) + 1:]
    return text


def _free_space(path: str) -> tuple[str, str]:
    """(mount point, free space in words) of the file system holding ``path``."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe) and probe != os.path.dirname(probe):
        probe = os.path.dirname(probe)
    mount = probe
    while not os.path.ismount(mount):
        mount = os.path.dirname(mount)
    try:
        st = os.statvfs(probe)
        free = float(st.f_bavail * st.f_frsize)
    except OSError:
        return mount, "unknown"
    for unit in ("bytes", "KB", "MB", "GB"):
        if free < 1024 or unit == "GB":
            return mount, f"{free:.0f} {unit}" if unit == "bytes" else f"{free:.1f} {unit}"
        free /= 1024
    return mount, "unknown"


def os_error(exc: OSError, op: str, path: str | os.PathLike | None = None, root: Path | None = None) -> BuildError:
    """A located BuildError for ``exc``: which path, what the build was doing (``op``), and a hint."""
    where = path if path is not None else exc.filename
    name = shown(where, root) if where is not None else None
    reason = (exc.strerror or str(exc)).lower()
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        mount, free = _free_space(os.fspath(where) if where is not None else ".")
        hint = f"disk full: free space in {mount} ({free} left), then build again"
    elif code in (errno.EACCES, errno.EPERM):
        hint = (f"permission denied: the user running the build ({_user()}) needs to read and write there; "
                "check with 'ls -l'")
        reason = "permission denied"
    elif code == errno.ELOOP:
        hint = f"a symlink loop at {name}: point the link at a real file or folder"
    elif code == errno.ENAMETOOLONG:
        hint = "a file name is limited to 255 bytes: use a shorter slug, tag, label or permalink"
    elif code == errno.EROFS:
        hint = "the file system is mounted read-only"
    elif code == errno.EBUSY:
        hint = "the folder is in use (a mount point?); see 'Publishing' in README.md"
    elif code in (errno.EMFILE, errno.ENFILE):
        hint = "too many open files: raise the limit (ulimit -n) or use fewer --jobs"
    else:
        hint = None
    return BuildError(f"cannot {op}: {reason}", path=name, hint=hint)


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return f"uid {os.geteuid()}" if hasattr(os, "geteuid") else "you"


# ---------------------------------------------------------------------------- names

def is_backup(name: str) -> bool:
    """Editor leftovers Jekyll leaves out too: ``x~`` (most editors), ``#x#`` (Emacs auto-save)."""
    return name.endswith("~") or (len(name) > 1 and name.startswith("#") and name.endswith("#"))


def is_hidden(name: str, *, folder: bool) -> bool:
    return name.startswith(".") and not (folder and name in PUBLISHED_DOT_FOLDERS)


# ---------------------------------------------------------------------------- walking

@dataclass(frozen=True)
class Entry:
    """A file of the site the build may use."""

    path: Path               # as found (through the links the walk followed)
    rel: str                 # relative to the walked folder, with '/'
    link: str | None = None  # the link's own target text, when published as a link (follow_symlinks: false)


@dataclass
class Walk:
    """Settings and findings of walking the site's folders."""

    root: Path                       # the site folder: links must resolve inside it
    follow_symlinks: bool = True
    warnings: list[Diagnostic] | None = None

    def __post_init__(self) -> None:
        self.real_root = os.path.realpath(self.root)
        if self.warnings is None:
            self.warnings = []

    def warn(self, path: str, message: str, hint: str | None = None) -> None:
        assert self.warnings is not None
        self.warnings.append(Diagnostic(shown(path, self.root), None, message, hint))

    def inside(self, real: str) -> bool:
        return real == self.real_root or real.startswith(self.real_root + os.sep)

    def classify(self, path: str, entry: os.DirEntry | None = None) -> tuple[str, os.stat_result | None]:
        """What ``path`` is to the build, and the stat of what is used:

        "file" or "dir" (a symlink followed inside the site counts as its target),
        "link" (a symlink to publish as itself), "other" (a FIFO, socket or device),
        "skip" (a symlink out of the site, dangling or in a loop: warned about here).
        """
        try:
            st = entry.stat(follow_symlinks=False) if entry is not None else os.lstat(path)
        except FileNotFoundError:
            return "skip", None   # deleted while we looked
        except OSError as exc:
            raise os_error(exc, "look at this file", path, self.root) from None
        if stat.S_ISLNK(st.st_mode):
            return self._link(path)
        return _kind(st), st

    def _link(self, path: str) -> tuple[str, os.stat_result | None]:
        target = os.readlink(path)
        if not self.follow_symlinks:
            return "link", None
        try:
            st = os.stat(path)
        except FileNotFoundError:
            self.warn(path, f"is a symlink that points to nothing ({target}); skipped",
                      "fix or delete the link")
            return "skip", None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self.warn(path, "is a symlink loop (a link that leads back to itself); skipped",
                          "point the link at a real file, or delete it")
                return "skip", None
            raise os_error(exc, "follow this symlink", path, self.root) from None
        real = os.path.realpath(path)
        if not self.inside(real):
            self.warn(path, f"is a symlink to {target}, outside the site; not published",
                      "copy the file into the site, or set 'follow_symlinks: false' in config.yml "
                      "to publish the link itself")
            return "skip", None
        kind = _kind(st)
        return kind, st

    def files(self, top: Path) -> Iterator[Entry]:
        """Every usable file under ``top`` (sorted, depth first), with the rules of the module docstring."""
        for _, _, entries in self.folders(top):
            yield from entries

    def folders(self, top: Path) -> Iterator[tuple[str, str, list[Entry]]]:
        """(folder path, its path relative to ``top``, its usable files) for ``top`` and every folder
        below it; like ``os.walk`` but with the rules of the module docstring."""
        top_s = os.fspath(top)
        try:
            st = os.stat(top_s)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise os_error(exc, "open this folder", top_s, self.root) from None
        if not stat.S_ISDIR(st.st_mode):
            return
        if not self.inside(os.path.realpath(top_s)):   # content/ (say) itself a link out of the site
            self.warn(top_s, f"is a symlink to {os.path.realpath(top_s)}, outside the site; not published",
                      "move the folder into the site")
            return
        seen = {(st.st_dev, st.st_ino)}
        yield from self._folder(top_s, "", seen)

    def _folder(self, folder: str, rel_dir: str, seen: set) -> Iterator[tuple[str, str, list[Entry]]]:
        try:
            with os.scandir(folder) as it:
                listing = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            raise os_error(exc, "list this folder", folder, self.root) from None
        files: list[Entry] = []
        subfolders: list[tuple[str, str]] = []
        for entry in listing:
            name = entry.name
            if is_backup(name):
                continue
            path = entry.path
            rel = f"{rel_dir}/{name}" if rel_dir else name
            try:
                simple = entry.is_file(follow_symlinks=False) or entry.is_dir(follow_symlinks=False)
            except OSError:
                simple = False
            if simple and not entry.is_symlink():
                is_dir = entry.is_dir(follow_symlinks=False)
                if is_hidden(name, folder=is_dir):
                    continue
                if is_dir:
                    subfolders.append((path, rel))
                else:
                    files.append(Entry(Path(path), rel))
                continue
            kind, st = self.classify(path, entry)
            if is_hidden(name, folder=kind == "dir"):
                continue
            if kind == "file":
                files.append(Entry(Path(path), rel))
            elif kind == "link":
                files.append(Entry(Path(path), rel, link=os.readlink(path)))
            elif kind == "dir":
                assert st is not None
                if (st.st_dev, st.st_ino) in seen or self._is_ancestor(path):
                    self.warn(path, "is a symlink loop (a folder link that leads back to a folder above it); "
                              "skipped", "point the link at another folder, or delete it")
                    continue
                subfolders.append((path, rel))
            elif kind == "other":
                self.warn(path, "is not a regular file (a FIFO, socket or device); skipped",
                          "only regular files are published; move it out of the site")
        yield folder, rel_dir, files
        for path, rel in subfolders:
            try:
                st = os.stat(path)
            except OSError as exc:
                raise os_error(exc, "open this folder", path, self.root) from None
            ident = (st.st_dev, st.st_ino)
            if ident in seen:
                continue
            seen.add(ident)
            yield from self._folder(path, rel, seen)
            seen.discard(ident)

    def _is_ancestor(self, path: str) -> bool:
        real = os.path.realpath(path)
        here = os.path.realpath(os.path.dirname(path))
        return here == real or here.startswith(real + os.sep)


def _kind(st: os.stat_result) -> str:
    if stat.S_ISREG(st.st_mode):
        return "file"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    return "other"


# ---------------------------------------------------------------------------- reading

def read_bytes(path: str | os.PathLike, shown_as: str, *, limit: int | None = None) -> bytes:
    """The bytes of a regular file, or a located BuildError (never a wait on a FIFO or a device)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise os_error(exc, "read this file", shown_as) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise BuildError("cannot read this file: it is not a regular file (a FIFO, socket or device)",
                             path=shown_as, hint="only regular files can be sources; move it out of the site")
        if limit is not None and st.st_size > limit:
            raise BuildError(f"cannot read this file: it is larger than {limit >> 20} MB", path=shown_as)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise os_error(exc, "read this file", shown_as) from None
    finally:
        os.close(fd)
