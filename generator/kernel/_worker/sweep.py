"""Run an interactive cell once per frame, each run on its own copy of the namespace.

The worker sits after the cells above the interactive cell.  For every frame
it forks a child: the child is a copy of the whole process (namespace, RNG
state, rcParams, imported modules, loaded fonts), sets the frame's parameters
as variables, runs the cell, saves its figures into the blob store, evaluates
the inline expressions that follow the cell, sends the result back on a pipe
and exits.  Nothing a frame does can reach another frame or the worker, and
``parallel`` children run at once.

Where forking is unsafe (another thread is running: a lock it holds would
stay locked in the child) or impossible, the frames run one after another in
the worker, each from a pickled copy of the namespace (see ``checkpoint``),
which is restored once more at the end.

Request ``{"op": "sweep", "frames": [{"id", "values"}], "inline": [{"index",
"expr", "line"}], "parallel", ...}`` plus the fields of a ``run`` request;
reply ``{"op": "swept", "frames": [...], "mode"}`` with, per frame, its
outputs, error, files read and written, inline values, and where its time
went (``seconds``, ``cpu``, ``savefig``).
"""

from __future__ import annotations

import ast
import fcntl
import importlib
import importlib.util
import io
import json
import os
import select
import signal
import stat
import sys
import tempfile
import time

from _worker import checkpoint, figures

NO_FORK_VAR = "GDBLOG_SWEEP_NO_FORK"   # set to 1 to run frames one after another (tests)


def sweep(worker, msg: dict) -> dict:
    frames = msg["frames"]
    reason = fork_unavailable()
    _preimport(worker, msg["source"])
    _warm_up(msg.get("fig_format", "svg"))
    if reason:
        return {"op": "swept", "frames": _copied(worker, msg, frames), "mode": f"one at a time: {reason}"}
    parallel = max(1, int(msg.get("parallel") or 1))
    return {"op": "swept", "frames": _forked(worker, msg, frames, parallel), "mode": f"fork x{parallel}"}


def fork_unavailable() -> str:
    """Why frames cannot run in forked children ('' when they can)."""
    if not hasattr(os, "fork"):
        return "this platform cannot fork"
    if os.environ.get(NO_FORK_VAR, "") not in ("", "0"):
        return f"disabled by {NO_FORK_VAR}"
    try:
        threads = len(os.listdir("/proc/self/task"))
    except OSError:
        import threading
        threads = threading.active_count()
    if threads > 1:
        return f"the post's process runs {threads} threads"
    return ""


# -- one frame -------------------------------------------------------------------

def _run_frame(worker, msg: dict, frame: dict) -> dict:
    """Run the cell with the frame's values, then the inline expressions after it."""
    cpu, wall = time.process_time(), time.perf_counter()
    saving = [0.0]
    original = figures.save_figure

    def timed_save(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            saving[0] += time.perf_counter() - started

    figures.save_figure = timed_save
    try:
        with _fd_capture() as captured:
            ran = worker.run({**msg, "op": "run", "params": frame["values"], "silent": False, "checkpoint": None})
            inline = []
            files_read, written = dict(ran["files_read"]), list(ran["files_written"])
            if not ran["error"]:
                for expr in msg.get("inline", ()):
                    value = worker.inline({"expr": expr["expr"], "line": expr["line"]})
                    inline.append({"index": expr["index"], "value": value["value"], "error": value["error"]})
                    files_read.update(value["files_read"])
                    written += value["files_written"]
    finally:
        figures.save_figure = original
    outputs = ran["outputs"]
    outputs[ran["fd_slot"]:ran["fd_slot"]] = captured
    return {"id": frame["id"], "outputs": outputs, "error": ran["error"], "files_read": files_read,
            "files_written": sorted(set(written)), "inline": inline,
            "seconds": round(time.perf_counter() - wall, 4), "cpu": round(time.process_time() - cpu, 4),
            "savefig": round(saving[0], 4)}


class _fd_capture:
    """What the frame writes to fd 1 and 2 (C code, subprocesses), as stream outputs."""

    def __enter__(self) -> list:
        self.outputs: list = []
        sys.stdout.flush()
        self.saved = [(fd, os.dup(fd)) for fd in (1, 2)]
        self.files = [tempfile.TemporaryFile() for _ in (1, 2)]  # noqa: SIM115 -- closed in __exit__
        for (fd, _), file in zip(self.saved, self.files, strict=True):
            os.dup2(file.fileno(), fd)
        return self.outputs

    def __exit__(self, *exc) -> None:
        _flush_c()
        for (fd, copy), file, name in zip(self.saved, self.files, ("stdout", "stderr"), strict=True):
            os.dup2(copy, fd)
            os.close(copy)
            file.seek(0)
            text = file.read(1 << 20).decode("utf-8", "replace")
            file.close()
            if text:
                self.outputs.append({"kind": "stream", "name": name, "text": text})


def _flush_c() -> None:
    try:
        import ctypes
        ctypes.CDLL(None).fflush(None)
    except Exception:
        pass


def _preimport(worker, source: str) -> None:
    """Import once, before forking, the libraries the cell imports (and pyplot), so that each frame
    does not import them again.

    Only modules from outside the site (the standard library, installed
    packages) or from the folders whose reads never count as a post's data
    (gdcore): a module of the site itself must be imported by the cell, where
    the file recorder sees it read.  Skipped when the post's folder has its
    own ``matplotlibrc``, which matplotlib reads on import.
    """
    names = ["matplotlib.pyplot"] if not os.path.exists("matplotlibrc") else []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        tree = None
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    site = os.path.join(os.path.normpath(worker.site_root), "")
    for name in dict.fromkeys(names):
        if name in sys.modules or (name == "matplotlib.pyplot" and "matplotlib" not in sys.modules
                                   and importlib.util.find_spec("matplotlib") is None):
            continue
        try:
            spec = importlib.util.find_spec(name)
            origin = os.path.abspath(spec.origin) if spec is not None and spec.origin else ""
            if not origin or (origin.startswith(site) and not origin.startswith(worker.recorder.ignore)):
                continue
            importlib.import_module(name)
        except Exception:
            continue   # the frames import it themselves, and fail there if they must


def _warm_up(fmt: str) -> None:
    """Draw and save a throwaway figure once, so that frames (forked after it) find matplotlib's
    fonts and caches loaded instead of each loading them again.  Nothing is shown or kept."""
    if "matplotlib.pyplot" not in sys.modules:
        return
    try:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(2.0, 1.5))
        ax = fig.add_subplot()
        ax.plot([0.0, 1.0], [0.0, 1.0])
        ax.set(title="0.123456789", xlabel="x", ylabel="y")
        fig.savefig(io.BytesIO(), format=fmt, dpi=figures.DPI, bbox_inches="tight")
    except Exception:
        pass


# -- forked frames -----------------------------------------------------------------

def _forked(worker, msg: dict, frames: list[dict], parallel: int) -> list[dict]:
    timeout = float(msg.get("timeout") or 0)
    queue = list(frames)
    running: dict[int, list] = {}   # read end of the child's pipe -> [pid, frame, chunks, deadline]
    results: dict = {}
    sys.stdout.flush()
    sys.stderr.flush()
    while queue or running:
        while queue and len(running) < parallel:
            frame = queue.pop(0)
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                _child(worker, msg, frame, r, w)   # never returns
            os.close(w)
            running[r] = [pid, frame, [], time.monotonic() + timeout if timeout else None]
        deadlines = [entry[3] for entry in running.values() if entry[3] is not None]
        wait = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        ready, _, _ = select.select(list(running), [], [], wait)
        for r in ready:
            data = os.read(r, 1 << 16)
            if data:
                running[r][2].append(data)
                continue
            pid, frame, chunks, _ = running.pop(r)
            os.close(r)
            _, status = os.waitpid(pid, 0)
            results[frame["id"]] = _decode(b"".join(chunks), frame, status)
        now = time.monotonic()
        for r, (pid, frame, _, deadline) in list(running.items()):
            if deadline is not None and now >= deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(r)
                del running[r]
                results[frame["id"]] = _failed(frame, "timeout", f"timed out after {timeout:g} s and was stopped")
    return [results[f["id"]] for f in frames]


def _child(worker, msg: dict, frame: dict, r: int, w: int) -> None:
    code = 1
    try:
        os.close(r)
        if getattr(worker, "sock_fd", None) is not None:
            os.close(worker.sock_fd)   # the parent's conversation, never this process's
        _private_files()
        try:
            result = _run_frame(worker, msg, frame)
        except BaseException as exc:  # the sweep machinery itself failed: say so rather than die mute
            result = _failed(frame, "crash", f"could not run ({type(exc).__name__}: {exc})")
        view = memoryview(json.dumps(result).encode("utf-8"))
        while view:
            view = view[os.write(w, view):]
        code = 0
    finally:
        os._exit(code)


def _decode(data: bytes, frame: dict, status: int) -> dict:
    try:
        return json.loads(data)
    except ValueError:
        pass
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        try:
            how = f"killed by {signal.Signals(-code).name}"
        except ValueError:
            how = f"killed by signal {-code}"
    else:
        how = f"exited with status {code}"
    return _failed(frame, "crash", f"killed its process ({how})")


def _failed(frame: dict, kind: str, message: str) -> dict:
    return {"id": frame["id"], "outputs": [], "error": {"fatal": kind, "message": message}, "files_read": {},
            "files_written": [], "inline": [], "seconds": 0.0, "cpu": 0.0, "savefig": 0.0}


def _private_files() -> None:
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


# -- frames without fork ---------------------------------------------------------------

def _copied(worker, msg: dict, frames: list[dict]) -> list[dict]:
    fd, path = tempfile.mkstemp(suffix=".pkl")
    os.close(fd)
    try:
        try:
            checkpoint.save(worker.ns, path, cap=worker.checkpoint_cap)
        except checkpoint.CheckpointError as exc:
            message = (f"could not give each frame its own copy of the namespace: forking is not possible "
                       f"and the namespace cannot be pickled ({exc})")
            return [_failed(frame, "copy", message) for frame in frames]
        results = []
        for frame in frames:
            checkpoint.load(worker.ns, path, worker.main_module)
            results.append(_run_frame(worker, msg, frame))
        checkpoint.load(worker.ns, path, worker.main_module)   # leave the namespace as it was
        figures.close_all()
        return results
    finally:
        os.unlink(path)
