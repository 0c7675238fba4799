"""The fork server ("zygote"): import the heavy libraries once, fork a worker per post.

Started by :class:`generator.kernel.runner.Zygote` as ``python -c`` with the
same environment as a plain worker and a SOCK_SEQPACKET control socket on
the fd given as argument.  It imports numpy and matplotlib.pyplot (about
0.6 s that every post would otherwise pay again), then serves requests::

    parent -> zygote   {"op": "spawn", "id": n, "cwd": path}  + fds [sock, stdout_w, stderr_w]
    zygote -> parent   {"op": "spawned", "id": n, "pid": pid}  (or "error" instead of "pid")
    zygote -> parent   {"op": "exited", "pid": pid, "code": returncode}   (Popen's convention)

A forked child becomes exactly what a plain worker is: the leader of its own
session (so the parent's killpg reaches everything the post starts), fd 0 on
/dev/null, fd 1 and 2 on the parent's pipes, and the usual worker loop.  The
zygote never runs user code and never touches the site, so every post starts
from the same freshly imported state.  It exits when the control socket
closes (the build finished or died).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import select
import signal
import socket
import sys
import threading

_MAX_MESSAGE = 1 << 16
_SOCK_FD = 3   # where a child finds its protocol socket (0-2 are the std streams)


def _preimport() -> list[str]:
    """Import what nearly every post needs but that never depends on the site.

    Not gdcore (the site's own code, which may change between builds), and
    nothing that reads files in a post's folder: the zygote's cwd is ``/``.
    A library that is not installed is skipped (the posts would fail on it
    the same way); one that is installed but breaks on import stops the
    zygote, and the build falls back to plain workers.

    Imports only, no drawing: a font matplotlib loads keeps its file open,
    and children sharing that open file (and its offset) would read each
    other's glyphs.  :func:`_open_files` checks that nothing stays open.
    """
    done = []
    if _optional("numpy"):
        done.append("numpy")
    if _optional("matplotlib") and _optional("matplotlib.pyplot"):
        import matplotlib.pyplot as plt
        # Resolve the backend (MPLBACKEND=Agg) and load the modules a first
        # figure and a first savefig would import anyway.
        getattr(plt, "_get_backend_mod", plt.get_backend)()
        for name in ("matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg",
                     "matplotlib.collections", "matplotlib.contour"):
            importlib.import_module(name)
        done += ["matplotlib", "matplotlib.pyplot"]
    # The worker's own modules (stdlib only) and what it loads lazily.
    for name in ("ctypes", "_worker.main", "_worker.reaper"):
        importlib.import_module(name)
    return done


def _optional(name: str) -> bool:
    try:
        __import__(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return False   # not installed
        raise
    return True


def _open_files(keep: int) -> list[str]:
    """Open fds besides 0-2 and ``keep`` (children would share their offsets)."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return []
    found = []
    for name in names:
        fd = int(name)
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):   # the listing's own fd, closed by now
                found.append(os.readlink(f"/proc/self/fd/{fd}"))
    return found


def _threads() -> int:
    """Threads of this process as the kernel sees them (native ones included)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def serve(ctrl_fd: int) -> None:
    ctrl = socket.socket(fileno=ctrl_fd)
    try:
        modules = _preimport()
    except BaseException as exc:
        _send(ctrl, {"op": "failed", "error": f"{type(exc).__name__}: {exc}"})
        os._exit(1)
    threads = _threads()
    if threads != 1 or threading.active_count() != 1:
        # fork() copies only the calling thread: a lock held by another one
        # would stay locked forever in every child.
        _send(ctrl, {"op": "failed", "error": f"the fork server has {threads} threads"})
        os._exit(1)
    files = _open_files(ctrl.fileno())
    if files:
        _send(ctrl, {"op": "failed", "error": f"the fork server has files open: {', '.join(files)}"})
        os._exit(1)
    # The zygote's own output is never read after start-up (the children get
    # fresh pipes): /dev/null keeps a stray write from failing on a closed pipe.
    sys.stdout.flush()
    sys.stderr.flush()
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    # Everything imported so far lives as long as the process: keep the
    # children's garbage collector from scanning (and copying) it again.
    gc.collect()
    gc.freeze()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
    _send(ctrl, {"op": "ready", "pid": os.getpid(), "modules": modules, "threads": threads})
    poller = select.poll()
    poller.register(ctrl.fileno(), select.POLLIN)
    poller.register(wake_r, select.POLLIN)
    try:
        while True:
            for fd, _ in poller.poll():
                if fd == wake_r:
                    _drain(wake_r)
                    continue
                data, fds, _, _ = socket.recv_fds(ctrl, _MAX_MESSAGE, 8)
                if not data:
                    break
                _spawn(ctrl, json.loads(data), fds, own=(wake_r, wake_w))
            else:
                # SIGCHLD only says "look": reap whatever ended and report it.
                _reap(ctrl)
                continue
            break
    except OSError:
        pass   # the build died mid-conversation
    # The build closed the socket or died.  Running children keep their own
    # sockets, so they end when the build stops talking to them.
    os._exit(0)


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 512):
            pass
    except BlockingIOError:
        pass


def _reap(ctrl) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(ctrl, {"op": "exited", "pid": pid, "code": os.waitstatus_to_exitcode(status)})


def _spawn(ctrl, request: dict, fds: list[int], own: tuple[int, ...]) -> None:
    if request.get("op") != "spawn" or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        _send(ctrl, {"op": "spawned", "id": request.get("id"), "error": "bad spawn request"})
        return
    # The child closes its end of this pipe once it leads its own session:
    # only then may the build's killpg(pid) reach it, so only then is the pid
    # handed out.
    sync_r, sync_w = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        for fd in fds + [sync_r, sync_w]:
            os.close(fd)
        _send(ctrl, {"op": "spawned", "id": request["id"], "error": f"fork failed: {exc}"})
        return
    if pid == 0:
        _child(ctrl, request, fds, sync_w, own + (sync_r,))   # never returns
    # The zygote keeps no copy: the build must see EOF on the pipes and the
    # socket as soon as the child is gone, and the next child must not inherit them.
    for fd in fds + [sync_w]:
        os.close(fd)
    while True:
        try:
            if not os.read(sync_r, 1):
                break
        except InterruptedError:
            pass
    os.close(sync_r)
    _send(ctrl, {"op": "spawned", "id": request["id"], "pid": pid})


def _child(ctrl, request: dict, fds: list[int], sync_w: int, own: tuple[int, ...]) -> None:
    code = 1
    try:
        os.setsid()
        os.close(sync_w)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        sock_fd, out_fd, err_fd = fds
        # Lay the fds out like a plain worker's: 0 on /dev/null, 1 and 2 the
        # pipes (inheritable, for the post's subprocesses), the protocol
        # socket at 3.
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        if sock_fd == _SOCK_FD:
            os.set_inheritable(_SOCK_FD, False)
        else:
            # Whatever sat at 3 is one of the fds closed below (or a copy of one).
            os.dup2(sock_fd, _SOCK_FD, inheritable=False)
        # Then close the zygote's own fds, and only those: an fd that an
        # imported library opened stays valid in the child, as it would in a
        # plain worker.  (There are none today; and the zygote holds no other
        # child's fds: it closes them right after each fork.)
        ctrl_fd = ctrl.detach()   # by number below; the object must never close a reused fd
        for fd in {ctrl_fd, null, out_fd, err_fd, sock_fd, *own} - {0, 1, 2, _SOCK_FD}:
            with contextlib.suppress(OSError):
                os.close(fd)
        os.chdir(request["cwd"])
        import _worker.main
        _worker.main.main(_SOCK_FD)   # ends with os._exit
    except BaseException:
        try:
            import traceback
            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:
            pass
    finally:
        os._exit(code)   # never fall back into the zygote's loop


def _send(ctrl, message: dict) -> None:
    ctrl.sendall(json.dumps(message, separators=(",", ":")).encode("utf-8"))
