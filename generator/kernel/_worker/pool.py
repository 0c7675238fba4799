"""The processes that run an interactive cell's frames, several at once (see ``sweep.py``).

Two ways, both forking the worker where it stands (after the cells above the
interactive cell), so every process starts with the namespace, the imported
modules and the loaded fonts for free:

- :func:`in_slots`: ``parallel`` long-lived children ("slots"), each running
  one frame after another, each frame from a fresh copy of the namespace
  (``run`` restores it first).  The usual way: a fork costs each frame some
  15-20 ms of page copying that a slot pays once.
- :func:`per_frame`: one child per frame, for namespaces that cannot be copied
  by pickling (the fork is then the copy).

A child that runs past the deadline is killed, one that dies is reported;
either way the frame gets an error and the other frames go on.  Results come
back as one JSON line per frame on a pipe.  Nothing here knows about cells:
``run(frame) -> dict`` does the work, ``failed(frame, kind, message)`` makes an
error result.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import stat
import time
from collections.abc import Callable

Run = Callable[[dict], dict]
Failed = Callable[[dict, str, str], dict]


class _Child:
    """One forked process, the frame it is running and what it sent back so far."""

    def __init__(self, pid: int, results: int, commands: int | None):
        self.pid, self.results, self.commands = pid, results, commands
        self.frame: dict = {}   # the frame it runs; empty when it waits for one
        self.deadline: float | None = None
        self.buffer = bytearray()


def in_slots(run: Run, failed: Failed, frames: list[dict], *, parallel: int, timeout: float,
             close_in_child: tuple[int, ...] = ()) -> list[dict]:
    """Run ``frames`` in ``parallel`` slots; a frame's result, or its failure, per frame in order."""
    queue, results = list(frames), {}
    slots: dict[int, _Child] = {}   # result pipe -> slot
    while queue or any(slot.frame for slot in slots.values()):
        wanted = min(parallel, len(queue) + sum(bool(slot.frame) for slot in slots.values()))
        while len(slots) < wanted:
            slot = _fork(run, with_commands=True, others=_fds(slots) + close_in_child)
            slots[slot.results] = slot
        for slot in slots.values():
            if not slot.frame and queue:
                _send(slot, queue.pop(0), timeout)
        for slot, line in _wait(slots):
            if line is None:   # it died: its frame failed, a new slot takes the rest
                del slots[slot.results]
                if slot.frame:
                    results[slot.frame["id"]] = _died(slot, failed)
                    continue
                _stop(slot)   # died before its first frame: something is broken, don't start more
                results.update({f["id"]: failed(f, "crash", "its process died before it could run") for f in queue})
                queue.clear()
                continue
            results[slot.frame["id"]] = json.loads(line)
            slot.frame, slot.deadline = {}, None
        for slot in _late(slots):
            del slots[slot.results]
            results[slot.frame["id"]] = failed(slot.frame, "timeout",
                                               f"timed out after {timeout:g} s and was stopped")
    for slot in slots.values():
        _stop(slot)
    return [results[f["id"]] for f in frames]


def per_frame(run: Run, failed: Failed, frames: list[dict], *, parallel: int, timeout: float,
              close_in_child: tuple[int, ...] = ()) -> list[dict]:
    """Run each frame in a child of its own, ``parallel`` at once."""
    queue, results = list(frames), {}
    running: dict[int, _Child] = {}
    while queue or running:
        while queue and len(running) < parallel:
            frame = queue.pop(0)

            def run_this(_: dict, frame: dict = frame) -> dict:
                return run(frame)

            child = _fork(run_this, with_commands=False, others=_fds(running) + close_in_child)
            child.frame, child.deadline = frame, time.monotonic() + timeout if timeout else None
            running[child.results] = child
        for child, line in _wait(running):
            del running[child.results]
            results[child.frame["id"]] = json.loads(line) if line is not None else _died(child, failed)
            if line is not None:
                _stop(child)
        for child in _late(running):
            del running[child.results]
            results[child.frame["id"]] = failed(child.frame, "timeout",
                                                f"timed out after {timeout:g} s and was stopped")
    return [results[f["id"]] for f in frames]


# -- the parent's side -------------------------------------------------------------------

def _fds(children: dict[int, _Child]) -> tuple[int, ...]:
    """The pipe ends of running children: a new child must not hold them (EOF would never come)."""
    return tuple(fd for c in children.values() for fd in (c.results, c.commands) if fd is not None)


def _send(slot: _Child, frame: dict, timeout: float) -> None:
    assert slot.commands is not None, "only a slot takes frames"
    slot.frame, slot.deadline = frame, time.monotonic() + timeout if timeout else None
    _write_all(slot.commands, json.dumps(frame).encode("utf-8") + b"\n")


def _wait(children: dict[int, _Child]) -> list[tuple[_Child, bytes | None]]:
    """(child, result line) for each result that arrived; (child, None) for a child that died."""
    deadlines = [c.deadline for c in children.values() if c.deadline is not None]
    wait = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
    if not children:
        return []
    ready, _, _ = select.select(list(children), [], [], wait)
    done: list[tuple[_Child, bytes | None]] = []
    for fd in ready:
        child = children[fd]
        data = os.read(fd, 1 << 16)
        if not data:
            done.append((child, None))
            continue
        child.buffer += data
        if b"\n" in child.buffer:
            line, _, rest = bytes(child.buffer).partition(b"\n")
            child.buffer = bytearray(rest)
            done.append((child, line))
    return done


def _late(children: dict[int, _Child]) -> list[_Child]:
    now = time.monotonic()
    late = [c for c in children.values() if c.deadline is not None and now >= c.deadline]
    for child in late:
        os.kill(child.pid, signal.SIGKILL)
        _stop(child)
    return late


def _died(child: _Child, failed: Failed) -> dict:
    status = _stop(child)
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exited with status {code}"
    return failed(child.frame, "crash", f"killed its process ({how})")


def _stop(child: _Child) -> int:
    """Close our ends of its pipes (a slot then finishes) and reap it; its wait status."""
    for fd in (child.commands, child.results):
        if fd is not None:
            os.close(fd)
    child.commands = None
    return os.waitpid(child.pid, 0)[1]


# -- the child's side -------------------------------------------------------------------------

def _fork(run: Run, *, with_commands: bool, others: tuple[int, ...]) -> _Child:
    results_r, results_w = os.pipe()
    commands_r, commands_w = os.pipe() if with_commands else (-1, -1)
    pid = os.fork()
    if pid == 0:
        _child(run, results_w, commands_r if with_commands else None,
               (results_r,) + ((commands_w,) if with_commands else ()) + others)
    os.close(results_w)
    if with_commands:
        os.close(commands_r)
    return _Child(pid, results_r, commands_w if with_commands else None)


def _child(run: Run, results: int, commands: int | None, close: tuple[int, ...]) -> None:
    code = 1
    try:
        for fd in close:
            os.close(fd)
        private_files()
        if commands is None:
            _write_all(results, json.dumps(run({})).encode("utf-8") + b"\n")
        else:
            for frame in _commands(commands):
                _write_all(results, json.dumps(run(frame)).encode("utf-8") + b"\n")
        code = 0
    finally:
        os._exit(code)


def _commands(fd: int):
    buffer = b""
    while True:
        data = os.read(fd, 1 << 16)
        if not data:
            return
        buffer += data
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield json.loads(line)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def private_files() -> None:
    """Give this child its own offset in every file opened read-only before the fork.

    A forked child shares each open file's offset with its parent and siblings;
    matplotlib reads glyphs from its font files with a seek then a read, so two
    frames drawing at once would read each other's bytes.  Reopening the file
    onto the same descriptor number keeps every Python object that uses it
    working, with an offset of its own.
    """
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return
    for name in names:
        fd = int(name)
        if fd < 3:
            continue
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE != os.O_RDONLY:
                continue
            path = os.readlink(f"/proc/self/fd/{fd}")
            if not path.startswith("/") or path.endswith(" (deleted)"):
                continue
            fresh = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                if os.fstat(fresh).st_ino == info.st_ino:
                    os.lseek(fresh, os.lseek(fd, 0, os.SEEK_CUR), os.SEEK_SET)
                    os.dup2(fresh, fd, inheritable=os.get_inheritable(fd))
            finally:
                os.close(fresh)
        except OSError:
            continue
