"""``python build.py serve``: build, serve on 127.0.0.1, rebuild on change, reload the browser.

The writer's loop: save a post, and the page open in the browser shows the new
version a moment later.  Pieces:

* the **build** is the normal incremental one, writing the normal output
  folder; a rebuild after an edit renders only what changed;
* the **HTTP server** serves that folder under the site's base path (so a
  project site's ``/repo/`` URLs work locally) and adds a small script to
  every HTML response as it is sent — the files on disk stay exactly what
  ``python build.py`` writes;
* the **watcher** (watchfiles, or polling mtimes without it) rebuilds after a
  burst of changes to ``content/``, ``templates/``, ``assets/``, ``gdcore/`` or
  ``config.yml``;
* the **events endpoint** ``/__gdblog/events`` streams the server's state
  (build generation and current error) as Server-Sent Events.  The injected
  script reloads when the generation moves past the one its page was served
  from, and shows the error as an overlay while the last build failed.

Because the script compares states rather than reacting to individual
events, a missed event, a reconnect or a restarted server all end in the right
page.  A failed build leaves the previous output in place (the pipeline only
swaps in complete builds), so the last good site keeps being served.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import mimetypes
import os
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from dataclasses import dataclass, field

from .config import load_config
from .errors import BuildError
from .pipeline import build
from .state import BuildOptions, BuildReport

#: Special URLs live outside any base path, under a name no site uses.
EVENTS_PATH = "/__gdblog/events"
#: What the site-relative folders and file the watcher looks at.
WATCHED = ("content", "templates", "assets", "gdcore", "config.yml")
#: Seconds between keep-alive comments on an idle event stream (proxies and
#: browsers drop silent connections; the comment also detects closed tabs).
KEEPALIVE = 15.0
#: Seconds a connection may stay silent (a request not finished, a keep-alive
#: connection unused) before the server closes it, so idle clients cannot pile up.
IDLE_TIMEOUT = 30.0
#: Host names a request may use when the server listens on a loopback address.
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "localhost.localdomain", "ip6-localhost"})


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

_RELOAD_SCRIPT = """<script id="__gdblog-live">
(function () {
  // Added by "build.py serve" only; never part of the built files.
  var served = %(generation)d, source = new EventSource(%(events)s);
  source.onmessage = function (event) {
    var state = JSON.parse(event.data), box = document.getElementById("__gdblog-error");
    if (state.error) {
      if (!box) {
        box = document.createElement("pre");
        box.id = "__gdblog-error";
        box.title = "click to hide";
        box.style.cssText = "position:fixed;z-index:2147483647;left:1rem;right:1rem;bottom:1rem;" +
          "max-height:60vh;overflow:auto;margin:0;padding:1rem;white-space:pre-wrap;" +
          "font:13px/1.45 ui-monospace,monospace;color:#fff;background:#8b1a1a;" +
          "border-radius:6px;box-shadow:0 4px 24px rgba(0,0,0,.4);cursor:pointer";
        box.onclick = function () { box.style.display = "none"; };
        document.body.appendChild(box);
      }
      box.style.display = "";
      box.textContent = "Build failed; this is the last good version.\\n\\n" + state.error;
    } else if (state.generation !== served) {
      source.close();
      location.reload();
    } else if (box) {
      box.remove();
    }
  };
})();
</script>
"""


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every watched file: the polling watcher's view of the site."""
    found: dict[str, tuple[int, int]] = {}
    for name in WATCHED:
        top = root / name
        if top.is_file():
            st = top.stat()
            found[str(top)] = (st.st_mtime_ns, st.st_size)
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
            for filename in filenames:
                if filename.startswith(".") or filename.endswith((".pyc", "~")):
                    continue
                path = os.path.join(dirpath, filename)
                try:
                    st = os.stat(path)
                except OSError:  # deleted between listing and stat
                    continue
                found[path] = (st.st_mtime_ns, st.st_size)
    return found


class Server:
    """The build + HTTP server + watcher behind ``build.py serve``, usable without a terminal.

    ``start()`` builds once (a failure is reported, not raised), binds the port
    and starts serving and watching in background threads; ``stop()`` ends
    them.  ``port=0`` picks a free port (see :attr:`port`).  ``watch`` is
    ``"auto"`` (watchfiles if installed, else polling), ``"poll"``, or
    ``None`` for no watching (call :meth:`rebuild` yourself).
    """

    def __init__(self, options: BuildOptions, *, port: int = 8000, host: str = "127.0.0.1",
                 watch: str | None = "auto", poll_interval: float = 0.5, quiet: bool = False,
                 stdout=None, stderr=None, host_check: bool | None = None, idle_timeout: float = IDLE_TIMEOUT):
        self.options = options
        self.root = options.source.resolve()
        self.host, self.requested_port = host, port
        #: Answer only requests addressed to a localhost name (the default when listening on a
        #: loopback address): a page on another site cannot reach the preview through DNS rebinding.
        self.host_check = _is_loopback(host) if host_check is None else host_check
        self.idle_timeout = idle_timeout
        self.watch, self.poll_interval, self.quiet = watch, poll_interval, quiet
        self.stdout, self.stderr = stdout or sys.stdout, stderr or sys.stderr
        #: Builds triggered by changes (the first build is not counted), failed ones included.
        self.rebuild_count = 0
        #: Successful builds so far; pages are stamped with it to know when to reload.
        self.generation = 0
        #: The text of the last build's errors, or None when it succeeded.
        self.last_error: str | None = None
        self.last_report: BuildReport | None = None
        self.out_dir, self.base_path = self._locate()
        self._build_lock = threading.Lock()
        self._state = threading.Condition()
        self._stopping = threading.Event()
        self._watch_ready = threading.Event()
        self._printed_warnings: set[str] = set()
        self._httpd: http.server.ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------ lifecycle
    @property
    def port(self) -> int:
        return self._httpd.server_address[1] if self._httpd else self.requested_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.base_path}"

    def start(self) -> Server:
        # Bind before the first build so a busy port fails fast, and build
        # before starting threads so a parallel (forking) first build forks a
        # single-threaded process.
        handler = type("Handler", (_Handler,), {"app": self, "timeout": self.idle_timeout})
        try:
            self._httpd = _HTTPServer((self.host, self.requested_port), handler)
        except OSError as exc:
            raise BuildError(f"cannot listen on {self.host}:{self.requested_port}: {exc.strerror or exc}",
                             hint="another server may be running; choose another port with --port") from None
        self._build(first=True)
        self._spawn(lambda: self._httpd.serve_forever(poll_interval=0.25), "gdblog-http")
        if self.watch:
            self._spawn(self._watch_loop, "gdblog-watch")
            # Edits made before the watcher is registered would be lost; the
            # watcher signals once it sees the file system.
            self._watch_ready.wait(10)
        return self

    def stop(self) -> None:
        if self._stopping.is_set():
            return
        self._stopping.set()
        with self._state:  # wake the event streams so their threads end
            self._state.notify_all()
        if self._httpd is not None:
            if any(t.name == "gdblog-http" for t in self._threads):
                self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            # A build in progress (running cells, say) is not interrupted; the
            # daemon thread dies with the process if it outlasts the timeout.
            thread.join(timeout=5)

    def wait_stopped(self, timeout: float | None = None) -> bool:
        return self._stopping.wait(timeout)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _spawn(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    # ---------------------------------------------------------------- build
    def _locate(self) -> tuple[Path, str]:
        """Output folder and base path as the build will compute them (defaults if config.yml is broken)."""
        try:
            config = load_config(self.root, {"base_url": self.options.base_url})
            base, output = config.base_url, config.output
        except BuildError:
            base, output = getattr(self, "base_path", "/"), "_site"
        out = self.options.out or Path(output)
        return (out if out.is_absolute() else self.root / out).resolve(), base

    def rebuild(self, changed: list[str] | None = None) -> bool:
        """Build now (serialized with other builds); True if it succeeded."""
        return self._build(first=False, changed=changed)

    def _build(self, *, first: bool, changed: list[str] | None = None) -> bool:
        with self._build_lock:
            started = time.perf_counter()
            try:
                report = build(self.options)
            except BuildError as exc:
                error = "\n".join(str(e) for e in exc.errors)
                for diagnostic in exc.errors:
                    print(f"error: {diagnostic}", file=self.stderr, flush=True)
                print("(still serving the last good build; fix the file and save to rebuild)",
                      file=self.stderr, flush=True)
                self._publish(error=error, success=False, first=first)
                return False
            except Exception as exc:  # a bug must not kill the writer's session
                import traceback

                traceback.print_exc(file=self.stderr)
                self._publish(error=f"internal error: {exc!r} (see the terminal)", success=False, first=first)
                return False
            self.last_report = report
            self.out_dir = report.out_dir
            self.base_path = self._locate()[1]
            self._print_report(report, first, changed, time.perf_counter() - started)
            self._publish(error=None, success=True, first=first)
            return True

    def _publish(self, *, error: str | None, success: bool, first: bool) -> None:
        with self._state:
            if not first:
                self.rebuild_count += 1
            if success:
                self.generation += 1
            self.last_error = error
            self._state.notify_all()

    def state(self) -> dict:
        with self._state:
            return {"generation": self.generation, "error": self.last_error}

    def wait_for_state_change(self, known: dict | None, timeout: float) -> dict | None:
        """The state once it differs from ``known`` (or after ``timeout``); None when stopping."""
        with self._state:
            if self.state() == known and not self._stopping.is_set():
                self._state.wait(timeout)
            return None if self._stopping.is_set() else self.state()

    def building(self) -> bool:
        return self._build_lock.locked()

    def wait_for_build(self, timeout: float) -> bool:
        """Wait until no build is running; False on timeout."""
        if not self._build_lock.acquire(timeout=timeout):
            return False
        self._build_lock.release()
        return True

    def _print_report(self, report: BuildReport, first: bool, changed, seconds: float) -> None:
        # Every build reports the same load warnings again; only new ones are news.
        texts = list(dict.fromkeys(str(w) for w in report.warnings))
        for text in texts:
            if text not in self._printed_warnings:
                print(f"warning: {text}", file=self.stderr, flush=True)
        self._printed_warnings = set(texts)
        if self.quiet:
            return
        if first:
            line = f"Built {report.files} files in {seconds:.2f} s"
        else:
            what = ""
            if changed:
                names = sorted({os.path.relpath(p, self.root) for p in changed})
                what = f" after {names[0]}" + (f" and {len(names) - 1} more" if len(names) > 1 else "") + " changed"
            line = f"Rebuilt in {seconds:.2f} s ({report.rendered} rendered){what}"
        print(line, file=self.stdout, flush=True)

    # -------------------------------------------------------------- watching
    def _watch_loop(self) -> None:
        try:
            import watchfiles
        except ImportError:
            watchfiles = None  # type: ignore[assignment]  # optional: the loop polls instead
        if self.watch != "poll" and watchfiles is not None:
            try:
                self._watchfiles_loop(watchfiles)
                return
            except Exception as exc:  # e.g. out of inotify watches: polling still works
                print(f"warning: watching files failed ({exc}); checking for changes every "
                      f"{self.poll_interval:g} s instead", file=self.stderr, flush=True)
        self._poll_loop()

    def _targets(self) -> tuple:
        """What exists of the watched paths (with inodes: an editor may replace config.yml)."""
        found = []
        for name in WATCHED:
            path = self.root / name
            try:
                st = path.stat()
            except OSError:
                continue
            found.append((str(path), st.st_ino if path.is_file() else 0))
        return tuple(found)

    def _watchfiles_loop(self, watchfiles) -> None:
        while not self._stopping.is_set():
            targets = self._targets()
            if not targets:  # nothing to watch yet: wait for content/ to appear
                self._watch_ready.set()
                if self._stopping.wait(self.poll_interval):
                    return
                continue
            # rust_timeout makes the generator yield an empty set now and
            # then: the first one says the watches are registered, later ones
            # let us notice a watched path appearing or being replaced.
            for changes in watchfiles.watch(*(p for p, _ in targets), step=100, debounce=1600,
                                            rust_timeout=300, yield_on_timeout=True,
                                            stop_event=self._stopping, raise_interrupt=False):
                self._watch_ready.set()
                if self._stopping.is_set():
                    return
                if changes:
                    self.rebuild(sorted({path for _, path in changes}))
                if self._targets() != targets:
                    if not changes:
                        self.rebuild([p for p, _ in set(self._targets()) ^ set(targets)])
                    break  # re-register the watches for the new set of paths

    def _poll_loop(self) -> None:
        before = _snapshot(self.root)
        self._watch_ready.set()
        while not self._stopping.wait(self.poll_interval):
            now = _snapshot(self.root)
            if now == before:
                continue
            # Debounce: a save (or a git checkout) is often several writes;
            # wait until two looks in a row agree.
            while not self._stopping.wait(min(self.poll_interval, 0.2)):
                settled = _snapshot(self.root)
                if settled == now:
                    break
                now = settled
            changed = sorted(k for k in now.keys() | before.keys() if now.get(k) != before.get(k))
            before = now
            if not self._stopping.is_set():
                self.rebuild(changed)

    # ------------------------------------------------------------- requests
    def resolve(self, url_path: str) -> tuple[str, Path | str | None]:
        """Map a decoded request path to ("file", path), ("redirect", location) or ("missing", None)."""
        base = self.base_path
        if not url_path.startswith(base):
            if url_path == "/" or url_path + "/" == base:
                return "redirect", base
            return "missing", None
        parts = [p for p in url_path[len(base):].split("/") if p]
        if any(p in (".", "..") or "\\" in p or "\x00" in p for p in parts):
            return "missing", None
        target = self.out_dir.joinpath(*parts)
        if target.is_dir():
            if not url_path.endswith("/"):  # as GitHub Pages does: /x -> /x/
                return "redirect", url_path + "/"
            target = target / "index.html"
        elif not target.exists() and parts and (target.parent / (parts[-1] + ".html")).is_file():
            target = target.parent / (parts[-1] + ".html")  # GitHub Pages serves /about from about.html
        if target.is_file():
            return "file", target
        return "missing", None

    def host_allowed(self, header: str | None) -> bool:
        """Whether a request's Host header names this server as the host check wants."""
        if not self.host_check:
            return True
        if not header:
            return False
        name = header.strip().lower()
        if name.startswith("["):            # [::1] or [::1]:8000
            name = name[1:].split("]", 1)[0]
        elif name.count(":") == 1:
            name = name.split(":", 1)[0]
        return name in LOCAL_NAMES

    def reload_script(self) -> bytes:
        return (_RELOAD_SCRIPT % {"generation": self.generation, "events": json.dumps(EVENTS_PATH)}).encode()


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True  # event streams never end on their own
    allow_reuse_address = True


class _Handler(http.server.BaseHTTPRequestHandler):
    app: Server
    server_version = "gdblog"

    def log_message(self, format, *args):  # the per-request log would drown the build output
        pass

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head: bool = False):
        if not self.app.host_allowed(self.headers.get("Host")):
            return self._refuse(head)
        path = urllib.parse.urlsplit(self.path).path
        if path == EVENTS_PATH:
            return self._events()
        try:
            path = urllib.parse.unquote(path, errors="strict")
        except UnicodeDecodeError:
            return self._missing(head)
        kind, target = self.app.resolve(path)
        if kind == "missing" and self.app.building() and self.app.wait_for_build(timeout=10):
            # The pipeline swaps the new output in with renames; a lookup
            # that fell in between finds nothing, so ask again after the build.
            kind, target = self.app.resolve(path)
        if kind == "redirect" and isinstance(target, str):
            self.send_response(302)
            self.send_header("Location", urllib.parse.quote(target))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if kind == "file" and isinstance(target, Path):
            try:
                data = target.read_bytes()
            except OSError:
                return self._missing(head)
            return self._send(200, target, data, head)
        return self._missing(head)

    def _refuse(self, head: bool) -> None:
        """A request for another host name (DNS rebinding): nothing from the site, not even a 404 page."""
        body = b"This preview server answers only to localhost (see 'serve --host').\n"
        self.send_response(403)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)
        self.close_connection = True

    def _missing(self, head: bool) -> None:
        page = self.app.out_dir / "404.html"
        try:
            data = page.read_bytes()
        except OSError:
            page, data = Path("404.html"), b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>\n"
        self._send(404, page, data, head)

    def _send(self, status: int, path: Path, data: bytes, head: bool) -> None:
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if ctype == "text/html":
            data = _inject(data, self.app.reload_script())
        if ctype.startswith("text/") or ctype in ("application/javascript", "application/json", "image/svg+xml"):
            ctype += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")  # a reload must never show a stale copy
        self.end_headers()
        if not head:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

    def _events(self) -> None:
        app = self.app
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        sent = None
        try:
            self.wfile.write(b"retry: 1000\n\n")  # reconnect quickly after a server restart
            while True:
                state = app.wait_for_state_change(sent, KEEPALIVE)
                if state is None:  # the server is stopping
                    break
                if state != sent:
                    self.wfile.write(f"data: {json.dumps(state)}\n\n".encode())
                    sent = state
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass  # the tab was closed
        self.close_connection = True


def _inject(html: bytes, script: bytes) -> bytes:
    """Put the live-reload script before the last ``</body>`` (or at the end)."""
    at = html.lower().rfind(b"</body>")
    if at < 0:
        return html + script
    return html[:at] + script + html[at:]


@dataclass
class ServeOptions:
    """What ``serve`` is asked for: the build, and where to listen."""

    build: BuildOptions = field(default_factory=BuildOptions)
    port: int = 8000
    host: str = "127.0.0.1"
    quiet: bool = False
    #: None: check Host headers when listening on a loopback address (see Server.host_check).
    host_check: bool | None = None


def serve(options: ServeOptions) -> int:
    """Build, serve and rebuild on change until Ctrl-C; returns the exit code."""
    server = Server(options.build, port=options.port, host=options.host, quiet=options.quiet,
                    host_check=options.host_check)
    try:
        server.start()
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            print("note: watchfiles is not installed; checking for changes every "
                  f"{server.poll_interval:g} s (pip install 'gdblog[serve]')", file=sys.stderr)
        print(f"Serving {server.url}  (Ctrl-C to stop)", flush=True)
        while not server.wait_stopped(0.5):
            pass  # short waits keep the main thread responsive to Ctrl-C
    except KeyboardInterrupt:
        print("\nStopped.", flush=True)
    finally:
        server.stop()
    return 0
