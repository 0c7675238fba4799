"""Start one worker process and exchange requests with it.

A worker is a process that runs the private ``_worker`` package (imported by
path, so it never imports the build pipeline), talks over a socket on one of
its fds, and has its fd 1 and 2 connected to pipes this side reads.  It is
started one of two ways, indistinguishable to :class:`WorkerProcess`:

- forked by the build's :class:`Zygote`, a fork server that imported numpy
  and matplotlib once (see ``_worker/zygote.py``), which saves each post the
  interpreter start and the ~0.6 s of imports;
- or, when there is no zygote (it failed to start, ``GDBLOG_NO_ZYGOTE=1``,
  a post folder with its own ``matplotlibrc``), as a plain ``python -c``
  process with the socket passed by ``pass_fds``.

Everything that can go wrong with user code -- a timeout, a crash, unbounded
output -- ends as a :class:`Reply` with a ``failure``, never as an exception
or a hung build.
"""

from __future__ import annotations

import contextlib
import json
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
from typing import IO, Protocol

from generator.kernel._worker import protocol, reaper

EXEC_DIR = Path(__file__).resolve().parent
_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
         "import _worker.main as m; m.main(int(sys.argv[2]))")
_ZYGOTE_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
                "import _worker.zygote as z; z.serve(int(sys.argv[2]))")
NO_ZYGOTE_VAR = "GDBLOG_NO_ZYGOTE"   # set to 1 to start every worker as a plain process

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
#: Held while a worker or fork server is started, and while stray processes are swept:
#: a process that was just started is never mistaken for a stray one.
_spawn_lock = threading.Lock()
_zygote_pids: set[int] = set()
#: Children this process had before it ran cells (not started by a cell: never swept).
_preexisting: set[int] = set()
_subreaper = False


def zygote_pays(posts: int, parallel: int) -> bool:
    """Whether a build running ``posts`` posts, ``parallel`` at a time, should use a zygote.

    The zygote saves the imports of every worker after the first round: with
    no more posts than parallel slots there is no second round, so it would
    save nothing but CPU -- and cost its own start-up (~0.6 s more than a
    plain worker) for posts that never import matplotlib, and for the
    single-post rebuild after a cell edit.
    """
    return posts > parallel


def worker_env() -> dict:
    env = dict(os.environ)
    env.update(WORKER_ENV)
    env.pop("PYTHONSTARTUP", None)
    return env


def worker_starts() -> int:
    """How many worker processes this build process has started (for tests/benchmarks)."""
    return _starts


def kill_all() -> None:
    """Kill every running worker (the build was interrupted: don't wait for timeouts)."""
    with _lock:
        workers = list(_live)
    for worker in workers:
        worker.kill()
    sweep()


def own_processes() -> None:
    """Make this process adopt the orphans of whatever its cells start (Linux), so that
    :func:`sweep` can find and stop them: a cell's ``setsid`` or ``nohup`` process never
    outlives the build."""
    global _subreaper
    with _spawn_lock:
        if not _subreaper:
            _subreaper = reaper.set_subreaper()
        _preexisting.update(reaper.children())


def sweep(rounds: int = 20) -> None:
    """Kill the processes cells left behind, which this process adopted as a subreaper.

    A stray process is a child of this process that it did not start: not a
    worker, not a fork server, not a child it had before running cells, and in
    another session (render workers forked by the build share its session).
    Dead ones are reaped here, since nothing else waits for them.
    """
    if not _subreaper:
        return
    with _spawn_lock:
        with _lock:
            known = {w.proc.pid for w in _live} | _zygote_pids | _preexisting
        for _ in range(rounds):
            stray = reaper.stray_children(known)
            for pid in stray:
                reaper.kill_tree(pid, include_self=True, reap=False)
            for pid in reaper.zombie_children(known):
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)
            if not stray:
                break
            time.sleep(0.01)


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


class _Process(Protocol):
    """What :class:`WorkerProcess` uses of its process: a :class:`subprocess.Popen`, or the
    :class:`_ForkedWorker` standing for a zygote's child.  Properties (read-only), so that
    both fit although they type these attributes differently."""

    @property
    def pid(self) -> int: ...

    @property
    def returncode(self) -> int | None: ...

    @property
    def stdout(self) -> IO[bytes] | None: ...

    @property
    def stderr(self) -> IO[bytes] | None: ...

    def wait(self, timeout: float | None = None) -> int | None: ...


class WorkerProcess:
    """One running worker; use :meth:`request` until :meth:`close`."""

    def __init__(self, *, cwd: Path, display_cap: int, hard_cap: int,
                 zygote: Zygote | None = None):
        global _starts
        self.hard_cap = hard_cap
        # Written by the worker to fd 1 and 2 after each request; random so
        # that user output cannot fake it.
        self.marker = f"\x1e{os.urandom(8).hex()}\x1f"
        mark = self.marker.encode()
        proc: _Process | None = None
        # matplotlib reads ./matplotlibrc when it is imported, which in the
        # zygote happened in another folder: such a post gets a plain worker,
        # whose cells import matplotlib in the post's folder.
        if zygote is not None and not (Path(cwd) / "matplotlibrc").exists():
            parent, child = socket.socketpair()
            try:
                proc = zygote.spawn(cwd, child.fileno())
            except BaseException:
                parent.close()
                raise
            finally:
                child.close()
            if proc is None:
                # A fresh pair below: a child forked before the zygote failed
                # may still hold this one (it exits when we close our end).
                parent.close()
        if proc is None:
            parent, child = socket.socketpair()
            try:
                with _spawn_lock:
                    proc = subprocess.Popen(
                        [sys.executable, "-c", _BOOT, str(EXEC_DIR), str(child.fileno())],
                        cwd=str(cwd), env=worker_env(), stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(child.fileno(),),
                        start_new_session=True)
                    self.proc: _Process = proc
                    with _lock:
                        _live.add(self)
            except BaseException:
                parent.close()
                raise
            finally:
                child.close()
        self.proc = proc
        with _lock:
            _starts += 1
            _live.add(self)
        self.sock = parent
        self.inbuf = bytearray()
        self.split = {"stdout": _Splitter(mark, display_cap), "stderr": _Splitter(mark, display_cap)}
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.sock, selectors.EVENT_READ, "sock")
        stdout, stderr = self.proc.stdout, self.proc.stderr
        assert stdout is not None and stderr is not None, "both ways of starting connect fd 1 and 2 to pipes"
        self.selector.register(stdout, selectors.EVENT_READ, "stdout")
        self.selector.register(stderr, selectors.EVENT_READ, "stderr")
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
                data = os.read(key.fd, 1 << 16)   # the pipe's fd, as registered
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
        if code is None:
            return self._failed("died", "exit status unknown: the fork server that started it is gone")
        if code < 0:
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
                data = os.read(key.fd, 1 << 16)   # the pipe's fd, as registered
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
        """Kill the worker and everything below it, whatever sessions its cells made
        (what escapes, orphaned by the kill, is adopted by this process and swept)."""
        self.dead = True
        reaper.kill_tree(self.proc.pid, include_self=True, reap=False, rounds=5)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)

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
        sweep()
        self.selector.close()
        self.sock.close()
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:   # never None (see __init__); checked for the type only
                with contextlib.suppress(OSError):
                    pipe.close()


class Zygote:
    """The fork server of one build: started on the first :meth:`spawn`, closed by :meth:`close`.

    Safe to use from several threads.  When it cannot start or dies,
    :meth:`spawn` returns None and the caller starts a plain worker instead.
    """

    def __init__(self, *, startup_timeout: float = 60.0):
        self.startup_timeout = startup_timeout
        # new -> starting -> ready -> closed; starting -> failed; ready -> lost (it died)
        self.state = "new"
        self.reason = ""            # why it is not used (failed/lost), for debugging
        self.info: dict = {}        # its "ready" message: pid, preloaded modules, threads
        self.proc: subprocess.Popen | None = None
        self.ctrl: socket.socket | None = None
        self._start_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._cond = threading.Condition()
        self._next_id = 0
        self._replies: dict[int, dict] = {}     # spawn id -> "spawned" message
        self._pid_ident: dict[int, int] = {}    # running child pid -> spawn id
        self._codes: dict[int, int] = {}        # spawn id -> return code (Popen convention)
        self._reader: threading.Thread | None = None

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self.info.get("pid")

    # -- start -------------------------------------------------------------
    def _ensure(self) -> bool:
        with self._start_lock:   # the first caller starts it; the others wait for the outcome
            with self._cond:
                if self.state != "new":
                    return self.state == "ready"
                self.state = "starting"
            try:
                reason = _unsupported()
                if reason:
                    raise ValueError(reason)
                self._start()
            except (OSError, ValueError, subprocess.SubprocessError) as exc:
                with self._cond:
                    if self.state == "starting":
                        self.state, self.reason = "failed", str(exc) or type(exc).__name__
                self._discard()
                return False
            with self._cond:
                if self.state == "starting":
                    self.state = "ready"
                    return True
            self._discard()   # closed while starting
            return False

    def _start(self) -> None:
        # SEQPACKET: messages keep their boundaries, and the fds of a spawn
        # request arrive with that request and no other.
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.ctrl = parent
        try:
            # cwd "/": nothing the zygote imports may find a site's files.
            with _spawn_lock:
                self.proc = subprocess.Popen(
                    [sys.executable, "-c", _ZYGOTE_BOOT, str(EXEC_DIR), str(child.fileno())],
                    cwd="/", env=worker_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE, pass_fds=(child.fileno(),), start_new_session=True)
                _zygote_pids.add(self.proc.pid)
        finally:
            child.close()
        stderr = self.proc.stderr
        assert stderr is not None, "started with stderr=PIPE"
        # Wait for "ready" in slices, so that close() need not wait for a slow start.
        deadline = time.monotonic() + self.startup_timeout
        parent.settimeout(0.2)
        data = None
        while data is None:
            if self.state == "closed":
                raise ValueError("closed while starting")
            if time.monotonic() > deadline:
                self.proc.kill()
                data = b""
                break
            with contextlib.suppress(TimeoutError):
                data = parent.recv(1 << 16)
        parent.settimeout(None)
        message = json.loads(data) if data else {}
        if message.get("op") != "ready":
            self.proc.kill()
            self.proc.wait()
            err = stderr.read().decode("utf-8", "replace").strip()
            detail = message.get("error") or (err.splitlines()[-1] if err else "") \
                or f"exited with {self.proc.returncode}"
            raise ValueError(f"the fork server did not start: {detail}")
        # It sent "ready" after moving its fd 2 to /dev/null: nothing more comes here.
        stderr.close()
        self.info = message
        self._reader = threading.Thread(target=self._read, args=(parent,), name="exec-zygote", daemon=True)
        self._reader.start()

    # -- spawn -------------------------------------------------------------
    def spawn(self, cwd: Path, sock_fd: int) -> _ForkedWorker | None:
        """Fork a worker in ``cwd`` whose protocol socket is ``sock_fd``; None if unavailable."""
        if not self._ensure():
            return None
        ctrl = self.ctrl
        assert ctrl is not None, "set by _start() before the zygote became ready, and never unset"
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        with self._cond:
            ident = self._next_id
            self._next_id += 1
        request = json.dumps({"op": "spawn", "id": ident, "cwd": str(cwd)}).encode()
        try:
            with self._send_lock:
                socket.send_fds(ctrl, [request], [sock_fd, out_w, err_w])
        except OSError as exc:
            self._lose(f"could not send to the fork server: {exc}")
            os.close(out_r)
            os.close(err_r)
            return None
        finally:
            # In flight, the fds are the zygote's (and then the child's) own
            # copies: ours must go, or the pipes would never report EOF.
            os.close(out_w)
            os.close(err_w)
        with self._cond:
            deadline = time.monotonic() + self.startup_timeout
            while ident not in self._replies and self.state == "ready":
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            reply = self._replies.pop(ident, None)
        if reply is None or "pid" not in reply:
            os.close(out_r)
            os.close(err_r)
            if reply is None:
                self._lose("the fork server did not answer a spawn request")
            return None
        return _ForkedWorker(self, ident, reply["pid"], out_r, err_r)

    # -- replies and exit statuses ---------------------------------------------------
    def _read(self, ctrl: socket.socket) -> None:
        """The reader thread: ``ctrl`` is :attr:`ctrl` (passed, as it is never None here)."""
        while True:
            try:
                data = ctrl.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            try:
                message = json.loads(data)
            except ValueError:
                break
            with self._cond:
                if message["op"] == "spawned":
                    self._replies[message["id"]] = message
                    if "pid" in message:
                        self._pid_ident[message["pid"]] = message["id"]
                elif message["op"] == "exited":
                    # Keyed by spawn id, not pid: a pid may be reused by a later
                    # spawn before an earlier worker's status has been read.
                    ident = self._pid_ident.pop(message["pid"], None)
                    if ident is not None:
                        self._codes[ident] = message["code"]
                self._cond.notify_all()
        self._lose("the fork server exited")

    def _lose(self, reason: str) -> None:
        with self._cond:
            if self.state == "ready":
                self.state, self.reason = "lost", reason
            self._cond.notify_all()

    def returncode(self, ident: int) -> int | None:
        with self._cond:
            return self._codes.get(ident)

    def wait_code(self, ident: int, pid: int, timeout: float | None) -> tuple[bool, int | None]:
        """(ended, return code) of a spawned worker, waiting at most ``timeout`` seconds.

        When the zygote is gone, so is the status: the worker counts as ended
        (code None) once its process is.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                if ident in self._codes:
                    return True, self._codes[ident]
                if self.state != "ready" and _gone(pid):
                    return True, None
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False, None
                # Poll when the zygote is gone: nobody will notify us of this exit.
                self._cond.wait(0.05 if self.state != "ready" else left)

    # -- stop ----------------------------------------------------------------
    def close(self) -> None:
        """Stop the zygote (its running children are unaffected: they have their own sockets)."""
        with self._cond:
            previous = self.state
            if previous != "failed":   # a failed one keeps saying why
                self.state = "closed"
            self._cond.notify_all()
        if previous in ("new", "failed"):
            return
        if self.ctrl is not None:
            with contextlib.suppress(OSError):
                self.ctrl.shutdown(socket.SHUT_RDWR)   # a start in progress gives up at once
        with self._start_lock:
            self._discard()

    def _discard(self) -> None:
        if self.ctrl is not None:
            with contextlib.suppress(OSError):
                self.ctrl.shutdown(socket.SHUT_RDWR)   # wakes the reader thread; the zygote sees EOF
        if self._reader is not None:
            self._reader.join(5)
        if self.ctrl is not None:
            self.ctrl.close()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stderr is not None:
                self.proc.stderr.close()
            with _spawn_lock:
                _zygote_pids.discard(self.proc.pid)


class _ForkedWorker:
    """The part of Popen's interface that WorkerProcess uses, for a zygote's child."""

    def __init__(self, zygote: Zygote, ident: int, pid: int, out_fd: int, err_fd: int):
        self.zygote, self.ident, self.pid = zygote, ident, pid
        self.args = f"worker forked by the zygote (pid {pid})"
        self.stdout = open(out_fd, "rb")  # noqa: SIM115 -- closed by WorkerProcess.close, like Popen's
        self.stderr = open(err_fd, "rb")  # noqa: SIM115
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.returncode(self.ident)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if self.returncode is not None:
            return self.returncode
        ended, code = self.zygote.wait_code(self.ident, self.pid, timeout)
        if not ended:
            assert timeout is not None, "without a timeout, wait_code waits until the worker ends"
            raise subprocess.TimeoutExpired(self.args, timeout)
        self.returncode = code
        return code


def _unsupported() -> str:
    """Why no zygote can be used here ('' when one can)."""
    if os.environ.get(NO_ZYGOTE_VAR, "") not in ("", "0"):
        return f"disabled by {NO_ZYGOTE_VAR}"
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds") \
            or not hasattr(socket, "SOCK_SEQPACKET"):
        return "this platform cannot fork workers or pass file descriptors"
    return ""


def _gone(pid: int) -> bool:
    """Whether a process that is not our child has ended (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except FileNotFoundError:
        return True
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False
