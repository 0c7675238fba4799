"""``build.py serve``: real HTTP against a real server on a free port, real file edits.

Nothing sleeps for a fixed time: every wait polls (or reads the event stream)
until a condition holds, with a timeout.
"""

from __future__ import annotations

import http.client
import io
import json
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from generator import BuildOptions
from generator.serve import EVENTS_PATH, Server
from tests.helpers import PROJECT, write_files

TIMEOUT = 15

SITE = {
    "config.yml": "title: Live\n",
    "content/posts/2024-01-01-hello.md": "---\ntitle: Hello\n---\nFirst version.\n",
    "content/pages/about.md": "---\ntitle: About\n---\nAbout me.\n",
}
POST = "content/posts/2024-01-01-hello.md"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def get(url: str) -> tuple[int, dict, str]:
    """(status, headers, body) without following redirects; 4xx/5xx are results, not exceptions."""
    try:
        with _opener.open(url, timeout=TIMEOUT) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def wait_until(condition, what: str, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class EventStream:
    """The live-reload endpoint, read as the browser's EventSource reads it."""

    def __init__(self, server: Server):
        self.response = urllib.request.urlopen(f"http://127.0.0.1:{server.port}{EVENTS_PATH}", timeout=TIMEOUT)
        assert self.response.headers["Content-Type"].startswith("text/event-stream")

    def wait_for(self, condition, what: str) -> dict:
        """Read messages until one satisfies ``condition`` (the socket timeout bounds each read)."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            line = self.response.readline().decode()
            if not line:
                pytest.fail(f"event stream closed while waiting for {what}")
            if line.startswith("data: "):
                state = json.loads(line[len("data: "):])
                if condition(state):
                    return state
        pytest.fail(f"timed out waiting for {what}")

    def close(self):
        self.response.close()


@pytest.fixture
def server(tmp_path: Path):
    write_files(tmp_path, SITE)
    srv = Server(BuildOptions(source=tmp_path, base_url="/blog/", jobs=1), port=0,
                 stdout=io.StringIO(), stderr=io.StringIO())
    srv.start()
    yield srv
    srv.stop()


def test_edit_reload_error_overlay_and_recovery(server: Server, tmp_path: Path):
    page = server.url + "posts/hello/"
    status, headers, body = get(page)
    assert status == 200 and "First version." in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    # The reload script is added while serving, before </body>, and never written to disk.
    assert EVENTS_PATH in body and body.index("__gdblog-live") < body.rindex("</body>")
    on_disk = (tmp_path / "_site" / "posts" / "hello" / "index.html").read_text()
    assert "__gdblog" not in on_disk and "First version." in on_disk

    events = EventStream(server)
    try:
        first = events.wait_for(lambda s: True, "the initial state")
        assert first == {"generation": 1, "error": None}

        write_files(tmp_path, {POST: "---\ntitle: Hello\n---\nSecond version, longer.\n"})
        events.wait_for(lambda s: s["generation"] == 2, "a rebuild after the edit")
        wait_until(lambda: "Second version" in get(page)[2], "the served page to change")

        write_files(tmp_path, {POST: "---\ntitle: [oops\n---\nBroken.\n"})
        state = events.wait_for(lambda s: s["error"], "the build error")
        assert f"{POST}:" in state["error"] and "invalid YAML" in state["error"]
        assert server.last_error == state["error"]
        assert f"error: {POST}:" in server.stderr.getvalue()
        # The last good site is still what is served.
        status, _, body = get(page)
        assert status == 200 and "Second version" in body and "Broken" not in body

        write_files(tmp_path, {POST: "---\ntitle: Hello\n---\nThird version.\n"})
        state = events.wait_for(lambda s: not s["error"], "the error to clear")
        assert state["generation"] > 2  # a new generation: open pages reload
        assert "Third version." in get(page)[2]
        assert server.rebuild_count >= 3 and server.last_error is None
    finally:
        events.close()


def test_base_path_redirects_and_404(server: Server):
    root = f"http://127.0.0.1:{server.port}"
    assert server.url == root + "/blog/"
    status, headers, _ = get(root + "/")
    assert status == 302 and headers["Location"] == "/blog/"
    assert get(root + "/blog")[0] == 302
    status, headers, _ = get(root + "/blog/about")
    assert status == 302 and headers["Location"] == "/blog/about/"

    status, _, body = get(root + "/blog/")
    assert status == 200 and "Hello" in body
    status, headers, body = get(root + "/blog/assets/theme/style.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css") and "__gdblog" not in body

    for missing in ("/blog/no/such/page/", "/posts/hello/"):  # the second is outside the base path
        status, headers, body = get(root + missing)
        assert status == 404, missing
        assert "Page not found" in body and EVENTS_PATH in body  # the site's 404.html, live

    # A path that climbs out of the output folder is just missing.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=TIMEOUT)
    conn.request("GET", "/blog/%2e%2e/config.yml")
    response = conn.getresponse()
    assert response.status == 404 and b"title: Live" not in response.read()
    conn.close()


def test_polling_watcher_without_watchfiles(tmp_path: Path):
    write_files(tmp_path, SITE)
    with Server(BuildOptions(source=tmp_path, jobs=1), port=0, watch="poll", poll_interval=0.1,
                stdout=io.StringIO(), stderr=io.StringIO()) as srv:
        page = srv.url + "about/"
        assert "About me." in get(page)[2]
        write_files(tmp_path, {"content/pages/about.md": "---\ntitle: About\n---\nAbout us, now.\n"})
        wait_until(lambda: "About us, now." in get(page)[2], "the polled change to be served")
        # The new files are live a moment before the build is counted as done.
        wait_until(lambda: srv.rebuild_count == 1 and srv.generation == 2, "the rebuild to be counted")


def test_serve_command_runs_until_ctrl_c(tmp_path: Path):
    write_files(tmp_path, SITE)
    proc = subprocess.Popen([sys.executable, str(PROJECT / "build.py"), "serve", "--source", str(tmp_path),
                             "--port", "0", "--base-url", "/repo/"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        url = None
        while url is None:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail("serve never printed its URL: " + proc.stderr.read())
            if line.startswith("Serving "):
                url = line.split()[1]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/repo/")
        status, _, body = get(url + "posts/hello/")
        assert status == 200 and "First version." in body
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(TIMEOUT)
    assert "Traceback" not in proc.stderr.read()
    reader.join(TIMEOUT)  # it ends at the end of the output
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert any("Stopped" in line for line in rest)
