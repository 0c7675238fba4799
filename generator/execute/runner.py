"""Start one worker process and exchange requests with it.

The worker is a plain ``python -c`` process that imports the private
``_worker`` package by path (so it never imports the build pipeline), talks
over a socket passed with ``pass_fds``, and has its fd 1 and 2 connected to
pipes this side reads.  Everything that can go wrong with user code -- a
timeout, a crash, unbounded output -- ends as a :class:`Reply` with a
``failure``, never as an exception or a hung build.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from generator.execute._worker import protocol

EXEC_DIR = Path(__file__).resolve().parent
_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "import _worker.main as m; m.main(int(sys.argv[2]))")

# One thread per worker: parallel posts must not oversubscribe the cores, and
# a fixed hash seed keeps set/dict-of-str ordering (and so outputs) stable.
WORKER_ENV = {
    "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1",
    "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
}

_starts = 0
_live: set = set()        # running WorkerProcess objects, for kill_all()
_lock = threading.Lock()


def worker_starts() -> int:
    """How many worker processes this build process has started (for tests/benchmarks)."""
    return _starts


def kill_all() -> None:
    """Kill every running worker (the build was interrupted: don't wait for timeouts)."""
    with _lock:
        workers = list(_live)
    for worker in workers:
        worker.kill()


@dataclass
class Reply:
    """The answer to one request, plus what the worker wrote to fd 1 and 2 meanwhile."""

    message: dict | None
    stdout: str = ""
    stderr: str = ""
    stdout_dropped: int = 0
    stderr_dropped: int = 0
    failure: str = ""      # "", "timeout", "died" or "output"
    detail: str = ""       # human description of the failure


class _Splitter:
    """Cuts a byte stream at end markers; keeps at most ``keep`` bytes per piece."""

    def __init__(self, marker: bytes, keep: int):
        self.marker, self.keep = marker, keep
        self.pending = bytearray()
        self.kept = bytearray()
        self.total = 0
        self.pieces: list[tuple[bytes, int]] = []  # (kept bytes, total bytes)

    def feed(self, data: bytes) -> None:
        self.pending += data
        while (i := self.pending.find(self.marker)) >= 0:
            self._take(self.pending[:i])
            self.pieces.append((bytes(self.kept), self.total))
            self.kept, self.total = bytearray(), 0
            del self.pending[:i + len(self.marker)]
        # Hold back a possible marker prefix split across reads.
        n = len(self.pending) - (len(self.marker) - 1)
        if n > 0:
            self._take(self.pending[:n])
            del self.pending[:n]

    def _take(self, data) -> None:
        self.total += len(data)
        room = self.keep - len(self.kept)
        if room > 0:
            self.kept += data[:room]

    @property
    def current(self) -> int:
        return self.total + len(self.pending)

    def pop(self) -> tuple[str, int]:
        """Text and dropped byte count of the oldest piece (or of what there is)."""
        if self.pieces:
            kept, total = self.pieces.pop(0)
        else:
            self._take(self.pending)
            self.pending.clear()
            kept, total = bytes(self.kept), self.total
            self.kept, self.total = bytearray(), 0
        return kept.decode("utf-8", "replace"), total - len(kept)


class WorkerProcess:
    """One running worker; use :meth:`request` until :meth:`close`."""

    def __init__(self, *, cwd: Path, project_root: Path, display_cap: int, hard_cap: int):
        global _starts
        self.hard_cap = hard_cap
        # Written by the worker to fd 1 and 2 after each request; random so
        # that user output cannot fake it.
        self.marker = f"\x1e{os.urandom(8).hex()}\x1f"
        mark = self.marker.encode()
        parent, child = socket.socketpair()
        env = dict(os.environ)
        env.update(WORKER_ENV)
        env.pop("PYTHONSTARTUP", None)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(EXEC_DIR), str(child.fileno())],
                cwd=str(cwd), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, pass_fds=(child.fileno(),), start_new_session=True)
        finally:
            child.close()
        with _lock:
            _starts += 1
            _live.add(self)
        self.sock = parent
        self.inbuf = bytearray()
        self.split = {"stdout": _Splitter(mark, display_cap), "stderr": _Splitter(mark, display_cap)}
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.sock, selectors.EVENT_READ, "sock")
        self.selector.register(self.proc.stdout, selectors.EVENT_READ, "stdout")
        self.selector.register(self.proc.stderr, selectors.EVENT_READ, "stderr")
        self.closed: set[str] = set()   # pipes user code closed
        self.dead = False

    def request(self, message: dict, *, timeout: float) -> Reply:
        """Send ``message`` and wait at most ``timeout`` seconds for the reply."""
        if self.dead:
            return Reply(None, failure="died", detail="the worker is not running")
        try:
            protocol.send(self.sock, message)
        except OSError:
            return self._died()
        return self._wait(time.monotonic() + timeout, timeout)

    def _wait(self, deadline: float, timeout: float) -> Reply:
        reply = None
        before = {name: len(s.pieces) for name, s in self.split.items()}
        while True:
            if reply is not None and all(
                    len(s.pieces) > before[n] or n in self.closed for n, s in self.split.items()):
                break
            now = time.monotonic()
            if reply is not None and now >= deadline:
                break  # fd 1/2 were redirected by user code: the markers went elsewhere
            if now >= deadline:
                self.kill()
                self._drain(0.5)  # keep what it wrote last (a faulthandler dump)
                return self._failed("timeout", f"timed out after {timeout:g} s")
            for key, _ in self.selector.select(min(deadline - now, 0.5)):
                if key.data == "sock":
                    data = self.sock.recv(1 << 20)
                    if not data:
                        return self._died()
                    self.inbuf += data
                    messages = protocol.split_frames(self.inbuf)
                    if messages:
                        reply = messages[0]
                        # The worker writes the markers before replying, so
                        # they are already in the pipes: a short wait is plenty.
                        deadline = min(deadline, time.monotonic() + 1.0)
                    continue
                data = os.read(key.fileobj.fileno(), 1 << 16)
                if not data:  # user code closed fd 1 or 2; the socket tells if it died
                    self.selector.unregister(key.fileobj)
                    self.closed.add(key.data)
                    continue
                splitter = self.split[key.data]
                splitter.feed(data)
                if splitter.current > self.hard_cap:
                    self.kill()
                    return self._failed("output", f"printed more than {self.hard_cap >> 20} MB of output")
        out, out_drop = self.split["stdout"].pop()
        err, err_drop = self.split["stderr"].pop()
        return Reply(reply, out, err, out_drop, err_drop)

    def _died(self) -> Reply:
        """The socket closed: collect the rest of fd 2 (a faulthandler dump) and the exit status."""
        self._drain(2)
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        self.kill()
        if code is not None and code < 0:
            try:
                detail = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                detail = f"killed by signal {-code}"
        else:
            detail = f"exited with status {code}"
        return self._failed("died", detail)

    def _drain(self, seconds: float) -> None:
        """Read what is left in the pipes until they close (or ``seconds`` pass)."""
        deadline = time.monotonic() + seconds
        open_pipes = [k.fileobj for k in self.selector.get_map().values() if k.data != "sock"]
        while open_pipes and time.monotonic() < deadline:
            for key, _ in self.selector.select(0.2):
                if key.data == "sock":
                    if not self.sock.recv(1 << 16):
                        self.selector.unregister(self.sock)
                    continue
                data = os.read(key.fileobj.fileno(), 1 << 16)
                if data:
                    self.split[key.data].feed(data)
                else:
                    self.selector.unregister(key.fileobj)
                    open_pipes.remove(key.fileobj)

    def _failed(self, failure: str, detail: str) -> Reply:
        self.dead = True
        out, out_drop = self.split["stdout"].pop()
        err, err_drop = self.split["stderr"].pop()
        return Reply(None, out, err, out_drop, err_drop, failure=failure, detail=detail)

    def kill(self) -> None:
        """Kill the worker and anything it started (its own process group)."""
        self.dead = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        """Ask the worker to quit, then make sure it and its children are gone."""
        if not self.dead:
            try:
                protocol.send(self.sock, {"op": "quit"})
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self.kill()
        with _lock:
            _live.discard(self)
        self.selector.close()
        self.sock.close()
        for pipe in (self.proc.stdout, self.proc.stderr):
            try:
                pipe.close()
            except OSError:
                pass
