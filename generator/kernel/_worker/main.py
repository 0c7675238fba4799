"""The worker's main loop: one fresh process runs one post's cells in order.

Started by :mod:`generator.kernel.runner` with a private socket on the fd
given as argument.  Requests (``init``, ``run``, ``inline``, ``restore``,
``reset``, ``quit``) and replies travel on that socket only.  After every
request the worker writes an end marker to fd 1 and fd 2 so the parent can
cut what user code wrote there directly into per-request pieces.
"""

from __future__ import annotations

import builtins
import contextlib
import faulthandler
import os
import random
import signal
import socket
import sys
import time
import types
import warnings
from typing import TYPE_CHECKING, Any, TextIO

from _worker import audit, capture, checkpoint, darkmode, figures, protocol, reaper, rich, runcode, sweep

if TYPE_CHECKING:
    import ctypes   # imported when first needed (end_marker)


@contextlib.contextmanager
def cell_settings(msg: dict):
    """What a cell's options change while it runs: ``fig-width``/``fig-height`` (the size of the
    figures it makes, in inches, as Quarto reads them) and ``warning: false`` (warnings dropped)."""
    with warnings.catch_warnings():
        if msg.get("warnings", True) is False:
            warnings.simplefilter("ignore")
        size = msg.get("figsize")
        if size:
            import matplotlib

            with matplotlib.rc_context({"figure.figsize": size}):
                yield
        else:
            yield

class Worker:
    """Process-wide state: the namespace, the capture streams, the file recorder."""

    #: The fd of the socket to the build, set by main() (forked frames close it: see sweep.py).
    sock_fd: int

    def __init__(self, init: dict):
        self.filename = init["display_path"]
        self.seed = init["seed"]
        self.blob_dir = init["blob_dir"]
        self.marker = init["marker"].encode()
        self.display_cap = init["display_cap"]
        self.hard_cap = init["hard_cap"]
        self.checkpoint_cap = init["checkpoint_cap"]
        self.site_root = init["site_root"]
        self.scratch = os.path.join(init["cache_dir"], "tmp")
        os.chdir(init["cwd"])
        # The post's folder first (local helper modules), then site and project
        # roots (gdcore), then the interpreter's own paths.
        base = [p for p in sys.path if p and p != init["exec_dir"]]
        sys.path[:] = [init["cwd"], init["site_root"], init["project_root"]] + base
        sys.argv = [self.filename]
        sys.dont_write_bytecode = True  # never leave __pycache__ in content/
        # plt.show() is harmless here (figures are collected after each cell),
        # so its "non-interactive backend" warning would only clutter the page.
        warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")
        try:
            if init.get("source_text") is not None:  # a notebook: its code cells one after another
                runcode.register_source(self.filename, init["source_text"])
            else:
                with open(init["source_path"], encoding="utf-8") as f:
                    runcode.register_source(self.filename, f.read())
        except OSError:
            pass
        rich.install_ipython_hooks(self._show)
        self.recorder = audit.FileRecorder(
            site_root=init["site_root"], ignore=[init["gdcore_dir"], init["generator_dir"], init["cache_dir"]])
        self.recorder.install()
        self.stdout = capture.CapturedStream("stdout", 1)
        self.stderr = capture.CapturedStream("stderr", 2)
        sys.stdout, sys.stderr = self.stdout, self.stderr
        self._libc: ctypes.CDLL | None = None
        self.sink: capture.OutputSink | None = None
        self.shown: list = []   # figures already saved in this cell (identity)
        self.fig_format = "svg"
        self.renderings = None  # the cell's 'renderings' option (None: each figure's own)
        self.silent = False
        self.fresh_namespace()

    # -- namespace -------------------------------------------------------
    def fresh_namespace(self) -> None:
        module = types.ModuleType("__main__")
        module.__dict__.update(__builtins__=builtins, display=self.display)
        # A real __main__ module, as in a notebook, so pickle and friends work.
        sys.modules["__main__"] = module
        self.main_module = module
        self.ns = module.__dict__
        random.seed(self.seed)
        np = sys.modules.get("numpy")
        if np is not None:
            np.random.seed(self.seed)
        figures.close_all()
        if "matplotlib" in sys.modules:
            checkpoint.restore_rc({})

    # -- display ---------------------------------------------------------
    def display(self, *objs) -> None:
        """Show objects in the page like a notebook's trailing expression."""
        for obj in objs:
            self._show(obj)

    def _show(self, obj) -> None:
        if obj is None or self.sink is None or self.silent:
            return
        recording, self.recorder.active = self.recorder.active, False
        try:
            if figures.is_animation(obj):
                self.sink.add(figures.save_animation(obj, self.blob_dir))
                self.shown.append(figures.animation_figure(obj))
            elif figures.is_figure(obj):
                if any(obj is f for f in self.shown):
                    return
                self.sink.add(self._save(obj))
                self.shown.append(obj)
            elif (bundle := rich.bundle_of(obj)) is not None:
                self.sink.add(rich.bundle_output(bundle[0], bundle[1], self.blob_dir))
            elif hasattr(obj, "_repr_html_") and not isinstance(obj, type):
                html = obj._repr_html_()
                if html is None:
                    self.sink.add({"kind": "text", "text": repr(obj)})
                else:
                    self.sink.add({"kind": "html", "text": str(html)})
            else:
                self.sink.add({"kind": "text", "text": _capped(repr(obj), self.display_cap)})
        finally:
            self.recorder.active = recording

    def _save(self, fig) -> dict:
        return figures.save_figure(fig, self.fig_format, self.blob_dir,
                                   dark=darkmode.wants_dark(fig, self.renderings))

    # -- requests --------------------------------------------------------
    def run(self, msg: dict) -> dict:  # noqa: C901 -- one cell's life, step by step
        """Run one cell; reply with its outputs, files and checkpoint."""
        self.fig_format = msg.get("fig_format", "svg")
        self.renderings = msg.get("renderings")
        # A silent run only rebuilds state for a later cell: its outputs are cached already.
        silent = self.silent = msg.get("silent", False)
        self.sink = capture.OutputSink(display_cap=self.display_cap, hard_cap=self.hard_cap)
        self.stdout.sink = self.stderr.sink = self.sink
        sys.stdout, sys.stderr = self.stdout, self.stderr  # in case a cell replaced them
        self.shown = []
        # An interactive cell's parameters (its default frame, or one frame of a sweep) are plain variables.
        self.ns.update(msg.get("params") or {})
        error = None
        fd_slot = None  # where fd-level output goes: after the body's own output
        started = time.perf_counter()
        if "get_ipython" in msg["source"] and "get_ipython" not in self.ns:  # magics IPython transformed
            self.ns["get_ipython"] = rich.make_get_ipython(self.ns, self.main_module, self.scratch)
        try:
            compiled = runcode.compile_cell(msg["source"], filename=self.filename,
                                            first_line=msg["line"])
            if msg.get("timeout"):
                # Where was it stuck?  Dumped to fd 2 just before the parent kills us.
                faulthandler.dump_traceback_later(msg["timeout"], file=_real_stderr())
            self.recorder.active = True
            try:
                with cell_settings(msg):
                    exec(compiled.body, self.ns)
                fd_slot = len(self.sink.outputs)
                if compiled.last is not None:
                    value = eval(compiled.last, self.ns)
                    # An open pyplot figure is saved by the sweep below, in creation
                    # order with the others, so list captions stay with their figures.
                    if not (figures.is_figure(value) and any(value is f for f in figures.open_figures())):
                        self._show(value)
            finally:
                self.recorder.active = False
                faulthandler.cancel_dump_traceback_later()
        except capture.OutputLimitExceeded as exc:
            error = {"fatal": "output", "message": str(exc)}
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: never end silently
            error = runcode.describe_error(exc, filename=self.filename, fallback_line=msg["line"])
        if fd_slot is None:
            fd_slot = len(self.sink.outputs)
        seconds = time.perf_counter() - started
        # Figures drawn before an exception are kept, as in a notebook (shown
        # when the cell has 'error: true'; otherwise the build fails anyway).
        if not silent and not (error and error.get("fatal")):
            try:
                for fig in figures.open_figures():
                    if not any(fig is f for f in self.shown):
                        self.sink.add(self._save(fig))
            except BaseException as exc:
                error = error or runcode.describe_error(exc, filename=self.filename, fallback_line=msg["line"])
        figures.close_all()
        self.stdout.sink = self.stderr.sink = None
        files_read, files_written = self.recorder.take()
        reply = {"op": "ran", "outputs": [] if silent else self.sink.finish(), "error": error,
                 "fd_slot": fd_slot, "files_read": files_read, "files_written": files_written,
                 "seconds": round(seconds, 3), "checkpoint": None, "checkpoint_note": ""}
        self.sink = None
        if msg.get("checkpoint") and (not error or not error.get("fatal")):
            try:
                checkpoint.save(self.ns, msg["checkpoint"], cap=self.checkpoint_cap)
                reply["checkpoint"] = msg["checkpoint"]
            except checkpoint.CheckpointError as exc:
                reply["checkpoint_note"] = str(exc)
        return reply

    def inline(self, msg: dict) -> dict:
        """Evaluate an inline expression; the RNG state is left as it was."""
        np = sys.modules.get("numpy")
        saved = (random.getstate(), np.random.get_state() if np is not None else None)
        self.sink = capture.OutputSink(display_cap=self.display_cap, hard_cap=self.hard_cap)
        self.stdout.sink = self.stderr.sink = self.sink
        try:
            code = runcode.compile_expression(msg["expr"], filename=self.filename, line=msg["line"])
            self.recorder.active = True
            try:
                value = eval(code, self.ns)
            finally:
                self.recorder.active = False
            reply: dict[str, Any] = {"op": "value", "value": _capped(str(value), self.display_cap),
                                     "error": None}
        except capture.OutputLimitExceeded as exc:
            reply = {"op": "value", "value": None, "error": {"fatal": "output", "message": str(exc)}}
        except BaseException as exc:
            reply = {"op": "value", "value": None,
                     "error": runcode.describe_error(exc, filename=self.filename, fallback_line=msg["line"])}
        finally:
            self.stdout.sink = self.stderr.sink = self.sink = None
            random.setstate(saved[0])
            if np is not None and saved[1] is not None:   # saved[1] is set exactly when numpy is
                np.random.set_state(saved[1])
            figures.close_all()
        files_read, files_written = self.recorder.take()
        reply.update(files_read=files_read, files_written=files_written)
        return reply

    def restore(self, msg: dict) -> dict:
        try:
            checkpoint.load(self.ns, msg["path"], self.main_module)
        except checkpoint.CheckpointError as exc:
            return {"op": "restored", "ok": False, "note": str(exc)}
        figures.close_all()  # restored figures were closed when saved; keep it so
        return {"op": "restored", "ok": True, "note": ""}

    def reset(self, msg: dict) -> dict:
        self.fresh_namespace()
        return {"op": "reset"}

    def end_marker(self) -> None:
        """Flush C-level buffers, then mark the end of this request on fd 1 and 2."""
        try:
            if self._libc is None:
                import ctypes
                self._libc = ctypes.CDLL(None)
            self._libc.fflush(None)
        except Exception:
            pass
        for fd in (1, 2):
            with contextlib.suppress(OSError):
                os.write(fd, self.marker)


def _real_stderr() -> TextIO:
    """``sys.__stderr__`` (``sys.stderr`` is the cells' capture stream): fd 2, the pipe the build
    reads, which the runner always connects."""
    stream = sys.__stderr__
    assert stream is not None, "a worker always has fd 2"
    return stream


def _capped(text: str, cap: int) -> str:
    if len(text) <= cap:
        return text
    return text[:cap] + f"\n[truncated: {len(text) - cap} more characters not shown]"


def _preimport() -> None:
    # numpy is needed to seed its global RNG before user code runs; it is
    # cheap (~70 ms).  matplotlib is not: pyplot costs ~0.4-0.8 s, so a plain
    # worker leaves it to the cells that use it (MPLBACKEND=Agg is set in the
    # environment).  A worker forked by the zygote has both already.
    with contextlib.suppress(ImportError):
        import numpy  # noqa: F401


def _die_with_the_build() -> None:
    """End this worker, and everything its cells started, as soon as the build is gone.

    The build enforces timeouts; if it dies (kill -9, a crash), nothing else
    would stop a cell that loops forever.  The kernel sends SIGTERM when the
    worker's parent ends (the build, or the fork server, which exits with the
    build), and the handler kills the worker's whole tree.  A signal rather
    than a watching thread: the worker stays single-threaded, as user code
    that forks expects.
    """
    signal.signal(signal.SIGTERM, _terminated)
    _BUILD.extend((_build_pid(), os.getppid()))
    if not reaper.set_parent_death_signal(signal.SIGTERM) and os.getppid() == 1:
        _exit(1)   # the build is already gone


#: The pid of the build this worker serves (its parent, or its fork server's parent), then its parent's.
_BUILD: list[int] = []


def _build_pid() -> int:
    """The build's pid: the parent, or, under a fork server, the parent's parent (read from /proc)."""
    parent = os.getppid()
    try:
        with open(f"/proc/{parent}/cmdline", "rb") as fh:
            forked = b"_worker.zygote" in fh.read()
        with open(f"/proc/{parent}/stat", "rb") as fh:
            grandparent = int(fh.read().rsplit(b")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return parent
    return grandparent if forked else parent


def _terminated(signum, frame) -> None:
    """SIGTERM (the build is gone, or a cell sent it): end the tree, then die of it as usual.

    A fork server that died while the build goes on (a cell killed it) also sends it: the
    build, a subreaper, has adopted this worker, which then carries on, now tied to the build.
    """
    parent = os.getppid()
    if _BUILD and parent != _BUILD[1] and parent == _BUILD[0] and parent != 1:
        reaper.set_parent_death_signal(signal.SIGTERM)
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    reaper.kill_tree(os.getpid(), include_self=False)
    os.kill(os.getpid(), signal.SIGTERM)


def _exit(code: int) -> None:
    """Leave nothing behind: kill what the cells started (adopted orphans included), then exit."""
    reaper.kill_tree(os.getpid(), include_self=False)
    os._exit(code)


def main(fd: int) -> None:
    sock = socket.socket(fileno=fd)
    # Orphans of what the cells start come to this process, not to init: _exit() finds them.
    reaper.set_subreaper()
    _die_with_the_build()
    faulthandler.enable(file=_real_stderr())  # a segfault dumps the cell's stack to fd 2
    profiler = _profiler()
    init = protocol.recv(sock)
    if init is None:
        _exit(0)
    _preimport()
    worker = Worker(init)
    worker.sock_fd = fd   # forked frames close it: only this process talks to the build
    worker.end_marker()
    protocol.send(sock, {"op": "ready", "pid": os.getpid()})
    handlers = {"run": worker.run, "inline": worker.inline, "restore": worker.restore,
                "reset": worker.reset, "sweep": lambda msg: sweep.sweep(worker, msg)}
    while True:
        msg = protocol.recv(sock)
        if msg is None or msg["op"] == "quit":
            break
        reply = handlers[msg["op"]](msg)
        worker.end_marker()
        protocol.send(sock, reply)
    if profiler is not None:
        profiler.disable()
        name = os.path.basename(worker.filename)
        profiler.dump_stats(os.path.join(os.environ[PROFILE_VAR], f"{name}.{os.getpid()}.prof"))
    # Skip interpreter teardown: user atexit handlers or threads must not hang or print.
    _exit(0)


# For finding where a post's time goes: GDBLOG_WORKER_PROFILE=/some/folder
# makes every worker write a cProfile dump of its whole life (init, cells,
# figures, checkpoints) there when it quits normally.
PROFILE_VAR = "GDBLOG_WORKER_PROFILE"


def _profiler():
    folder = os.environ.get(PROFILE_VAR)
    if not folder:
        return None
    import cProfile
    os.makedirs(folder, exist_ok=True)
    profiler = cProfile.Profile()
    profiler.enable()
    return profiler
