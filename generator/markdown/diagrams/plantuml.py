"""PlantUML: run the local command to get SVG, cache it, or build a server URL.

Nothing here knows about Markdown.  :class:`LocalPlantUML` turns a list of
diagram sources (each a complete ``@startX`` ... ``@endX`` block) into one
:class:`Rendered` per source.  Java start-up dominates PlantUML's cost (about
a second), so every source that is not in the cache goes to ONE
``plantuml -tsvg -pipe`` process, which writes the SVGs one after another,
each followed by a delimiter line.

PlantUML's exit code only says that *some* diagram of a batch was wrong, not
which one; so when a batch fails, the diagrams are rendered again one per
process to attribute each error to its diagram.  That is slow, but only
happens for broken diagrams, and errors are cached too.

The cache is one file per diagram, named by the SHA-256 of the diagram source
and the identity of the PlantUML install (its path, size and mtime), so a
rebuild never starts Java again and an upgrade of PlantUML re-renders.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from collections.abc import Sequence

#: Environment variable naming the PlantUML command (a command line, split
#: like a shell would: ``java -jar /opt/plantuml.jar``); ``none`` disables
#: the local renderer, so diagrams become images from the PlantUML server.
ENV_VAR = "GDBLOG_PLANTUML"

#: Printed by PlantUML after each image of a batch (``-pipedelimitor``).
DELIMITER = "@@gdblog-plantuml-end-of-image@@"

#: Bumped when the cached data's meaning changes.
CACHE_FORMAT = "1"

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_DECODE = {c: i for i, c in enumerate(_ALPHABET)}


@dataclass(frozen=True)
class Rendered:
    """What PlantUML made of one diagram.

    ``svg`` is PlantUML's SVG as written (for a broken diagram: the image it
    draws for the error, if any).  ``error`` is its message when the diagram
    is wrong, ``error_line`` the line (1-based, ``@startuml`` is line 1).
    """

    svg: str | None
    error: str | None = None
    error_line: int | None = None


class Renderer(Protocol):
    """Anything that renders PlantUML sources (the fixture tests use a fake)."""

    def render(self, sources: Sequence[str]) -> list[Rendered]: ...


class PlantUMLFailure(Exception):
    """PlantUML itself did not work (not installed properly, Java missing, timeout)."""


# --------------------------------------------------------------------------
# finding the command

def find_command(explicit: str | Sequence[str] | None = None) -> list[str] | None:
    """The PlantUML command line to run, or None when there is none.

    ``explicit`` wins; then the ``GDBLOG_PLANTUML`` environment variable;
    then ``plantuml`` on the PATH (Debian's ``apt-get install plantuml``).
    """
    if explicit is None:
        value = os.environ.get(ENV_VAR, "").strip()
        if value.lower() in ("none", "off", "0", "false"):
            return None
        if not value:
            found = shutil.which("plantuml")
            return [found] if found else None
        explicit = value
    argv = shlex.split(explicit) if isinstance(explicit, str) else list(explicit)
    if not argv:
        return None
    exe = shutil.which(argv[0])
    return [exe, *argv[1:]] if exe else None


def command_fingerprint(command: Sequence[str] | None) -> str | None:
    """Identity of an install: changes when the executable is replaced or upgraded."""
    if not command:
        return None
    parts = [shlex.join(command)]
    for arg in command:
        # the launcher and, for "java -jar x.jar", the jar: what an upgrade replaces
        if os.path.sep in arg and os.path.exists(arg):
            real = os.path.realpath(arg)
            st = os.stat(real)
            parts.append(f"{real}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


def fingerprint(plantuml: str | Sequence[str] | None = None) -> str:
    """Which renderer a build with these settings uses: for the pipeline's cache keys.

    Pages must be rendered again when PlantUML appears or disappears (inline
    SVG versus server images) or is upgraded.
    """
    return command_fingerprint(find_command(plantuml)) or "server"


# --------------------------------------------------------------------------
# the local renderer

class LocalPlantUML:
    """Render with a local PlantUML command, caching results under ``cache_dir``.

    :param command: the command line (see :func:`find_command`).
    :param cache_dir: folder for ``<sha256>.svg`` (and ``<sha256>.error.json``)
        files, or None for no cache.
    :param timeout: seconds one PlantUML process may take, plus ``per_diagram``
        seconds for each diagram it renders.
    """

    def __init__(self, command: Sequence[str], cache_dir: str | os.PathLike | None = None, *,
                 timeout: float = 120.0, per_diagram: float = 10.0):
        self.command = list(command)
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.timeout = timeout
        self.per_diagram = per_diagram
        self.identity = command_fingerprint(self.command) or ""
        #: Number of PlantUML processes started (for tests and timings).
        self.runs = 0

    def key(self, source: str) -> str:
        data = f"{CACHE_FORMAT}\0{self.identity}\0{source}".encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).hexdigest()

    def render(self, sources: Sequence[str]) -> list[Rendered]:
        results: list[Rendered | None] = [self._load(self.key(s)) for s in sources]
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            fresh = self._run_batch([sources[i] for i in missing])
            for i, rendered in zip(missing, fresh):
                results[i] = rendered
                self._store(self.key(sources[i]), rendered)
        return results  # type: ignore[return-value]

    # ---- cache

    def _load(self, key: str) -> Rendered | None:
        if self.cache_dir is None:
            return None
        try:
            svg = (self.cache_dir / f"{key}.svg").read_text(encoding="utf-8")
            return Rendered(svg)
        except OSError:
            pass
        try:
            data = json.loads((self.cache_dir / f"{key}.error.json").read_text(encoding="utf-8"))
            return Rendered(data.get("svg"), data["error"], data.get("line"))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _store(self, key: str, rendered: Rendered) -> None:
        if self.cache_dir is None:
            return
        if rendered.error is None:
            name, text = f"{key}.svg", rendered.svg or ""
        else:
            name = f"{key}.error.json"
            text = json.dumps({"error": rendered.error, "line": rendered.error_line, "svg": rendered.svg})
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            # several build workers may write the same diagram: write aside, then rename
            tmp = self.cache_dir / f".{name}.{os.getpid()}.tmp"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.cache_dir / name)
        except OSError:
            pass  # the cache only saves time; a read-only folder must not fail the build

    # ---- running PlantUML

    def _run(self, sources: Sequence[str]) -> tuple[int, list[str], str]:
        """Run one process on ``sources``; (exit code, one output per source, stderr)."""
        self.runs += 1
        text = "".join(s if s.endswith("\n") else s + "\n" for s in sources)
        argv = [*self.command, "-tsvg", "-pipe", "-charset", "UTF-8", "-nometadata",
                "-pipedelimitor", DELIMITER]
        try:
            proc = subprocess.run(argv, input=text.encode("utf-8"), capture_output=True, env=_java_env(),
                                  timeout=self.timeout + self.per_diagram * len(sources))
        except subprocess.TimeoutExpired as exc:
            raise PlantUMLFailure(f"PlantUML took longer than {exc.timeout:.0f} s") from None
        except OSError as exc:
            raise PlantUMLFailure(f"cannot run {shlex.join(self.command)}: {exc}") from None
        out = proc.stdout.decode("utf-8", "replace")
        err = proc.stderr.decode("utf-8", "replace")
        parts = out.split(DELIMITER)
        outputs = [p.strip() for p in parts[:-1]]
        if parts[-1].strip() or len(outputs) != len(sources):
            if "<svg" not in out and not _ERROR_BLOCK.search(err):
                detail = err.strip() or out.strip() or f"exit code {proc.returncode}"
                raise PlantUMLFailure(f"{shlex.join(self.command)} produced no SVG: {detail[-800:]}")
            # a diagram printed the delimiter itself: the split is not trustworthy
            outputs = []
        return proc.returncode, outputs, err

    def _run_batch(self, sources: Sequence[str]) -> list[Rendered]:
        code, outputs, err = self._run(sources)
        if code == 0 and outputs:
            return [_checked(src, svg) for src, svg in zip(sources, outputs)]
        if len(sources) == 1:
            return [_result(sources[0], code, outputs, err)]
        if outputs:
            # Some diagram is wrong, but "-pipe" does not say which.  PlantUML's
            # file mode does ("Error line N in file: dK.puml"): one more process.
            failing = self._failing(sources)
            if failing:
                messages = [m for _, m in parse_stderr_all(err)]
                if len(messages) != len(failing):
                    messages = ["syntax error"] * len(failing)
                by_index = dict(zip(sorted(failing), messages))
                return [Rendered(svg, by_index[i], failing[i]) if i in failing else _checked(src, svg)
                        for i, (src, svg) in enumerate(zip(sources, outputs))]
        # no way to tell: one process per diagram
        return [_result(src, *self._run([src])) for src in sources]

    def _failing(self, sources: Sequence[str]) -> dict[int, int | None]:
        """{index: 1-based line} of the diagrams PlantUML's file mode reports as wrong."""
        import tempfile

        self.runs += 1
        with tempfile.TemporaryDirectory(prefix="gdblog-plantuml-") as tmp:
            names = []
            for i, src in enumerate(sources):
                path = Path(tmp, f"d{i}.puml")
                path.write_text(src, encoding="utf-8")
                names.append(str(path))
            try:
                proc = subprocess.run([*self.command, "-tsvg", "-charset", "UTF-8", "-nometadata", *names],
                                      capture_output=True, cwd=tmp, env=_java_env(),
                                      timeout=self.timeout + self.per_diagram * len(sources))
            except (subprocess.TimeoutExpired, OSError):
                return {}
        failing: dict[int, int | None] = {}
        for match in _FILE_ERROR.finditer(proc.stderr.decode("utf-8", "replace")):
            failing[int(match.group(2))] = int(match.group(1)) + 1
        return failing


#: A PlantUML run is short: the JIT's optimising compiler and the parallel
#: collector cost more start-up CPU than they ever save (measured: 4 diagrams
#: in 1.3 s instead of 3.1 s on a busy 2-core machine).
JAVA_FAST_START = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto"


def _java_env() -> dict[str, str]:
    env = dict(os.environ)
    # the launcher (Debian's /usr/bin/plantuml) passes no JVM options of its own; the user's come last and win
    env["JAVA_TOOL_OPTIONS"] = (JAVA_FAST_START + " " + env.get("JAVA_TOOL_OPTIONS", "")).strip()
    return env


def _result(source: str, code: int, outputs: list[str], stderr: str) -> Rendered:
    """The outcome of a process that rendered ``source`` alone."""
    svg = outputs[0] if outputs else None
    if code == 0:
        if svg is None:
            raise PlantUMLFailure("PlantUML's output could not be split into images")
        return _checked(source, svg)
    line, message = parse_stderr(stderr)
    return Rendered(svg, message, line)


def _checked(source: str, svg: str) -> Rendered:
    """A successful run may still have drawn an error: an unknown ``@startX``."""
    if ">No @startuml/@enduml found<" in svg:
        kind = _start_kind(source)
        return Rendered(svg, f"this PlantUML does not know @start{kind} diagrams", 1)
    return Rendered(svg)


_ERROR_BLOCK = re.compile(r"^ERROR\s*\n\s*(\d+)\s*\n(.*?)(?=^ERROR\s*$|^Some diagram description contains errors|\Z)",
                          re.M | re.S)


_FILE_ERROR = re.compile(r"^Error line (\d+) in file: .*?d(\d+)\.puml\s*$", re.M)


def parse_stderr_all(stderr: str) -> list[tuple[int, str]]:
    """Every (1-based line, message) PlantUML printed in ``-pipe`` mode, in order."""
    return [(int(m.group(1)) + 1, " ".join(m.group(2).split()) or "syntax error")
            for m in _ERROR_BLOCK.finditer(stderr)]


def parse_stderr(stderr: str) -> tuple[int | None, str]:
    """(line, message) of the first error PlantUML printed in ``-pipe`` mode.

    PlantUML writes ``ERROR``, the 0-based line of the error in the diagram
    text, then the message; the returned line is 1-based.
    """
    match = _ERROR_BLOCK.search(stderr)
    if match:
        message = " ".join(match.group(2).split()) or "syntax error"
        return int(match.group(1)) + 1, message
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    return None, lines[-1].strip() if lines else "PlantUML reported an error"


def _start_kind(source: str) -> str:
    match = re.match(r"\s*@start([A-Za-z]+)", source)
    return match.group(1) if match else "uml"


# --------------------------------------------------------------------------
# the server fallback: PlantUML's text encoding

def encode(text: str) -> str:
    """PlantUML's URL encoding: UTF-8, raw deflate, then its own base64 alphabet.

    Every 3 bytes become 4 characters of ``0-9A-Za-z-_``; a last short group
    is padded with zero bytes (PlantUML's encoder does the same).
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = compressor.compress(text.encode("utf-8")) + compressor.flush()
    out = []
    for i in range(0, len(data), 3):
        chunk = data[i: i + 3].ljust(3, b"\0")
        n = (chunk[0] << 16) | (chunk[1] << 8) | chunk[2]
        out.append(_ALPHABET[n >> 18] + _ALPHABET[(n >> 12) & 63] + _ALPHABET[(n >> 6) & 63] + _ALPHABET[n & 63])
    return "".join(out)


def decode(encoded: str) -> str:
    """Inverse of :func:`encode` (accepts any PlantUML-encoded deflate text)."""
    data = bytearray()
    for i in range(0, len(encoded) - len(encoded) % 4, 4):
        n = 0
        for ch in encoded[i: i + 4]:
            n = (n << 6) | _DECODE[ch]
        data += bytes(((n >> 16) & 255, (n >> 8) & 255, n & 255))
    # the zero padding after the end of the deflate stream is ignored
    return zlib.decompressobj(-15).decompress(bytes(data)).decode("utf-8")


def server_url(server: str, source: str, fmt: str = "svg") -> str:
    """``<server>/svg/<encoded source>``: the image the PlantUML server draws."""
    return f"{server.rstrip('/')}/{fmt}/{encode(source)}"
