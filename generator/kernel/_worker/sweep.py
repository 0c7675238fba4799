"""Run an interactive cell once per frame, each run on its own copy of the namespace.

The worker sits after the cells above the interactive cell.  It pickles the
namespace once (a *snapshot*: the variables, the RNG states, the rcParams
the cells changed; see ``checkpoint``) and forks ``parallel`` processes
(``pool.in_slots``).  Each runs frames one after another: before each, it
restores the snapshot and the process's working folder, ``sys.path``,
environment and numpy settings, sets the frame's parameters as variables,
runs the cell, saves its figures into the blob store, evaluates the inline
expressions that follow the cell and sends the result back.  So no frame sees
another's variables, and the worker itself is never touched.

What the snapshot does not cover -- attributes a frame sets on an imported
module -- could reach the next frame of the same process.  A namespace that
cannot be pickled (a class defined in a cell, an open file), or that takes
longer to unpickle than a fork costs (figures, big arrays), gets a fork per
frame instead (``pool.per_frame``), where nothing at all is shared.
Where forking is unsafe (another thread is running: a lock it holds would stay
locked in the child) or impossible, the frames run one after another in the
worker from the snapshot, which is restored once more at the end.

Request ``{"op": "sweep", "frames": [{"id", "values"}], "inline": [{"index",
"expr", "line"}], "parallel", ...}`` plus the fields of a ``run`` request;
reply ``{"op": "swept", "frames": [...], "mode"}`` with, per frame, its
outputs, error, files read and written, inline values, and where its time
went (``seconds``, ``cpu``, ``savefig``).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import io
import os
import sys
import tempfile
import time

from _worker import checkpoint, figures, pool

NO_FORK_VAR = "GDBLOG_SWEEP_NO_FORK"   # set to 1 to run frames one after another (tests)
#: A namespace that takes longer to unpickle than this (figures, big arrays) is copied by a fork
#: per frame instead, which costs about this much (page copying) whatever the namespace holds.
FORK_COST = 0.015


def sweep(worker, msg: dict) -> dict:
    frames = msg["frames"]
    reason = fork_unavailable()
    _preimport(worker, msg["source"])
    _warm_up(msg.get("fig_format", "svg"))
    parallel = max(1, int(msg.get("parallel") or 1))
    timeout = float(msg.get("timeout") or 0)
    snapshot = _Snapshot(worker)
    try:
        if reason:
            if snapshot.problem:
                message = (f"could not give each frame its own copy of the namespace: forking is not possible "
                           f"({reason}) and {snapshot.problem}")
                return {"op": "swept", "frames": [_failed(f, "copy", message) for f in frames], "mode": ""}
            results = [snapshot.run(msg, frame) for frame in frames]
            snapshot.restore()   # leave the worker's namespace as it was
            figures.close_all()
            return {"op": "swept", "frames": results, "mode": f"one at a time: {reason}"}
        close = (worker.sock_fd,) if getattr(worker, "sock_fd", None) is not None else ()
        if snapshot.problem or snapshot.cost > FORK_COST:
            why = snapshot.problem or f"copying the namespace takes {snapshot.cost * 1000:.0f} ms, more than a fork"
            results = pool.per_frame(lambda frame: _run_frame(worker, msg, frame), _failed, frames,
                                     parallel=parallel, timeout=timeout, close_in_child=close)
            return {"op": "swept", "frames": results, "mode": f"a fork per frame x{parallel}: {why}"}
        results = pool.in_slots(lambda frame: snapshot.run(msg, frame), _failed, frames,
                                parallel=parallel, timeout=timeout, close_in_child=close)
        return {"op": "swept", "frames": results, "mode": f"forked x{parallel}"}
    finally:
        snapshot.discard()


class _Snapshot:
    """The worker's state before the interactive cell, to start every frame from."""

    def __init__(self, worker):
        self.worker = worker
        self.problem = ""
        fd, self.path = tempfile.mkstemp(suffix=".pkl")
        os.close(fd)
        self.cost = 0.0   # seconds to restore it (measured once, into a scratch namespace)
        try:
            checkpoint.save(worker.ns, self.path, cap=worker.checkpoint_cap)
            scratch = type(worker.main_module)("__main__")
            started = time.process_time()
            checkpoint.load(scratch.__dict__, self.path, scratch)
            self.cost = time.process_time() - started
        except checkpoint.CheckpointError as exc:
            self.problem = f"the namespace cannot be copied ({exc})"
        self.cwd, self.path_list, self.environ = os.getcwd(), list(sys.path), dict(os.environ)
        np = sys.modules.get("numpy")
        self.numpy = (np.geterr(), np.get_printoptions()) if np is not None else None

    def restore(self) -> None:
        checkpoint.load(self.worker.ns, self.path, self.worker.main_module)
        os.chdir(self.cwd)
        sys.path[:] = self.path_list
        if dict(os.environ) != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        np = sys.modules.get("numpy")
        if np is not None and self.numpy is not None:
            np.seterr(**self.numpy[0])
            np.set_printoptions(**self.numpy[1])

    def run(self, msg: dict, frame: dict) -> dict:
        return _run_frame(self.worker, msg, frame, prepare=self.restore)

    def discard(self) -> None:
        try:
            os.unlink(self.path)
        except OSError:
            pass


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

def _run_frame(worker, msg: dict, frame: dict, prepare=None) -> dict:
    """Run the cell with the frame's values (after ``prepare``, which gives it a fresh namespace),
    then the inline expressions after it; time the whole, and the share of ``savefig``."""
    cpu, wall = time.process_time(), time.perf_counter()
    if prepare is not None:
        prepare()
    saving = [0.0, 0.0]   # wall, CPU
    original = figures.save_figure

    def timed_save(*args, **kwargs):
        started, started_cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            saving[0] += time.perf_counter() - started
            saving[1] += time.process_time() - started_cpu

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
            "savefig": round(saving[0], 4), "savefig_cpu": round(saving[1], 4)}


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


def _failed(frame: dict, kind: str, message: str) -> dict:
    return {"id": frame["id"], "outputs": [], "error": {"fatal": kind, "message": message}, "files_read": {},
            "files_written": [], "inline": [], "seconds": 0.0, "cpu": 0.0, "savefig": 0.0, "savefig_cpu": 0.0}
