"""Bounded work: YAML alias bombs, bad settings, the preview server's host check and idle timeout."""

from __future__ import annotations

import http.client
import socket
import time

import pytest

from generator import BuildOptions
from generator.serve import Server
from tests.reliability.conftest import BASE
from tests.reliability.harness import Case

POST = "content/posts/2024-03-01-bomb.md"


def _bomb(key: str, levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        prev = f"*a{n - 1}"
        lines.append(f"a{n}: &a{n} [{', '.join([prev] * 9)}]")
    lines.append(f"{key}: *a{levels - 1}")
    return "\n".join(lines)


@pytest.mark.parametrize("key", ["summary", "tags", "date", "title"])
def test_yaml_alias_bomb_in_front_matter(base: Case, key: str):
    base.write({POST: f"---\n{_bomb(key)}\n---\nBoom.\n"})
    run = base.build(subprocess_=True, timeout=60)
    base.check_failure(run, base.before, f"error: {POST}:", "too large")
    (base.root / POST).unlink()
    base.check_next_build()


def test_yaml_alias_bomb_in_a_cell_option(base: Case):
    options = "\n".join("#| " + line for line in _bomb("fig-cap").splitlines())
    base.write({POST: f"---\ntitle: Bomb\n---\n```{{python}}\n{options}\nprint(1)\n```\n"})
    run = base.build(subprocess_=True, timeout=60)
    base.check_failure(run, base.before, f"error: {POST}:", "too large")
    (base.root / POST).unlink()
    base.check_next_build()


def test_yaml_alias_bomb_in_config(base: Case):
    base.write({"config.yml": BASE["config.yml"] + _bomb("exec").replace("exec: *a8", "math_macros: {x: *a8}")})
    run = base.build(subprocess_=True, timeout=60)
    base.check_failure(run, base.before, "error: config.yml:", "too large")
    base.write({"config.yml": BASE["config.yml"]})
    base.check_next_build()


@pytest.mark.parametrize("key", ["highlight_light", "highlight_dark"])
def test_unknown_highlight_style(base: Case, key: str):
    base.write({"config.yml": BASE["config.yml"] + f"{key}: no-such-style\n"})
    run = base.build()
    base.check_failure(run, base.before, "error: config.yml:5:", "no-such-style")
    base.write({"config.yml": BASE["config.yml"]})
    base.check_next_build()


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_serve_with_an_impossible_port(case: Case, port: str):
    case.write(BASE)
    run = case.build("serve", "--port", port, subprocess_=True, timeout=30)
    assert run.code == 2 and "--port" in run.err and "Traceback" not in run.err, run.text
    case.leftovers()


def _raw_get(port: int, host: str | None, path: str = "/") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", path, skip_host=True)
    if host is not None:
        conn.putheader("Host", host)
    conn.endheaders()
    response = conn.getresponse()
    return response.status, response.read()


@pytest.fixture
def server(base: Case):
    with Server(BuildOptions(source=base.root, jobs=1), port=0, watch=None, quiet=True,
                idle_timeout=1.0) as running:
        yield running


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]", "localhost:{port}", "127.0.0.1:{port}"])
def test_serve_answers_localhost_names(server: Server, host: str):
    status, body = _raw_get(server.port, host.format(port=server.port), "/posts/first/")
    assert status == 200 and b"Hello" in body


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example", None,
                                  "localhost.evil.example"])
def test_serve_refuses_other_host_names(server: Server, host: str | None):
    status, body = _raw_get(server.port, host.format(port=server.port) if host else None, "/posts/first/")
    assert status in (400, 403, 421) and b"Hello" not in body


def test_serve_with_an_explicit_host_accepts_its_names(base: Case):
    with Server(BuildOptions(source=base.root, jobs=1), port=0, host="0.0.0.0", watch=None, quiet=True,
                host_check=False) as running:
        status, _ = _raw_get(running.port, "my-laptop.local", "/posts/first/")
        assert status == 200


def test_serve_closes_idle_connections(server: Server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    started = time.monotonic()
    sock.sendall(b"GET / HTTP/1.1\r\n")         # ... and never the rest
    data = sock.recv(1024)
    while data:
        data = sock.recv(1024)
    assert time.monotonic() - started < 8, "an idle connection must be closed"
    sock.close()
