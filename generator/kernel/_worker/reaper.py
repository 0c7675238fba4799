"""Find and kill every process below a given one, including those that left its session.

A cell may start processes that outlive it: ``nohup cmd &``, ``setsid cmd``, a
double-forked daemon.  Killing the worker's process group misses the last
two, which lead sessions of their own.  Two Linux mechanisms close the gap:

* a **child subreaper** (``prctl(PR_SET_CHILD_SUBREAPER)``) adopts the
  orphans of its descendants, instead of init: the worker is one for its
  cells, and the build is one for its workers, so nothing a cell starts
  escapes the tree below the build;
* the tree is read from ``/proc`` (each process's parent), so it can be
  killed whatever sessions and groups its members made.

Stdlib only: the worker imports this module by path, like the rest of ``_worker``.
On platforms without ``/proc`` or ``prctl`` everything here degrades to
killing the process group.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


PR_SET_PDEATHSIG = 1


def _prctl(option: int, value: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def set_subreaper() -> bool:
    """Make this process adopt its descendants' orphans (Linux); True when it worked."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def set_parent_death_signal(signum: int) -> bool:
    """Have the kernel send ``signum`` to this process when its parent ends (Linux).

    The parent is the build (for a plain worker: the build's thread that
    started it, which lives until the build's cells are done) or the fork
    server (which exits with the build).  Returns False when it could not be
    set, or when the parent is already gone.
    """
    parent = os.getppid()
    return _prctl(PR_SET_PDEATHSIG, signum) and os.getppid() == parent


def _stat(pid: str) -> tuple[int, int, str] | None:
    """(parent pid, session id, state) of a process, from /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[3]), fields[0].decode()


def children_map() -> dict[int, list[int]]:
    """Parent pid -> live (non-zombie) child pids, for every process we can see."""
    found: dict[int, list[int]] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if name.isdigit():
            info = _stat(name)
            if info is not None and info[2] not in ("Z", "X"):
                found.setdefault(info[0], []).append(int(name))
    return found


def descendants(pid: int, tree: dict[int, list[int]] | None = None) -> list[int]:
    """Every live process below ``pid`` (not ``pid`` itself), parents before children."""
    tree = children_map() if tree is None else tree
    found, todo = [], list(tree.get(pid, ()))
    while todo:
        child = todo.pop(0)
        found.append(child)
        todo.extend(tree.get(child, ()))
    return found


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)


def kill_tree(pid: int, *, include_self: bool, reap: bool = True, rounds: int = 50) -> None:
    """SIGKILL every process below ``pid`` (and ``pid`` when asked), until none is left.

    Several rounds, because a process may fork between the look and the kill;
    a killed parent's orphans go to the nearest subreaper, which is ``pid``
    itself or the build above it, so the next round sees them.
    """
    if include_self:
        _kill(pid)
    for _ in range(rounds):
        below = descendants(pid)
        if not below:
            return
        for child in below:
            _kill(child)
        if reap:   # only where nothing else waits for children (the worker), never in the build
            reap_children()
        time.sleep(0.005)


def reap_children() -> None:
    """Collect the exit status of this process's dead children (the worker's own, orphans it adopted)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def my_session() -> int:
    return os.getsid(0)


def stray_children(known: set[int]) -> list[int]:
    """Children of this process that it did not start itself: orphans adopted as a subreaper.

    Only processes in another session count: whatever this process started
    with ``fork`` in its own session (a pool of render workers) is not stray.
    """
    me, session = os.getpid(), my_session()
    stray = []
    for pid in children_map().get(me, ()):
        info = _stat(str(pid))
        if pid not in known and info is not None and info[1] != session:
            stray.append(pid)
    return stray


def zombie_children(known: set[int]) -> list[int]:
    """Dead children of this process, in another session, that nobody else will wait for
    (adopted orphans, once killed)."""
    me, session = os.getpid(), my_session()
    found: list[int] = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if name.isdigit() and int(name) not in known:
            info = _stat(name)
            if info is not None and info[0] == me and info[2] == "Z" and info[1] != session:
                found.append(int(name))
    return found


def children(pid: int | None = None) -> set[int]:
    """Live children of ``pid`` (default: this process)."""
    return set(children_map().get(os.getpid() if pid is None else pid, ()))
