"""The reliability suite's harness: one small site per case, built the way a user builds it.

Every case checks the same promises (see :func:`Case.check_failure` and
:func:`Case.check_next_build`):

* the exit code;
* a message naming the file (and the line, where there is one), and no
  Python traceback on stderr;
* the previous output, byte for byte (a hash of the whole folder: names,
  kinds, contents and link targets);
* no process left running that the build or its cells started: every build
  runs with a tag in its environment, inherited by workers and whatever their
  cells start, and ``/proc`` is searched for it afterwards;
* the next normal build succeeds and equals a clean build (no output folder,
  no cache).

Builds run in this process through :func:`generator.cli.main` (fast: no
interpreter start), or as ``python build.py`` in a subprocess when the case
needs signals, another user, or a time limit (a case that hangs must not hang
the suite).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import PROJECT, write_files

#: Set in the environment of every build; workers and everything their cells start inherit it.
TAG_VAR = "GDBLOG_RELIABILITY_TAG"
#: The unprivileged user cases about permissions run as (CI runs as root, which reads anything).
NOBODY = 65534


@dataclass
class Run:
    """What one build did."""

    code: int | None          # exit code (None: it had to be killed after the time limit)
    out: str
    err: str
    seconds: float

    @property
    def text(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def tree_hash(folder: Path) -> str:
    """One hash of a folder: every entry's relative name, kind, bytes (files) or target (links)."""
    digest = hashlib.sha256()
    if not folder.exists():
        return "missing"
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, folder)
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.normpath(os.path.join(rel_dir, name))
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                digest.update(f"L {rel} -> {os.readlink(full)}\n".encode())
            elif stat.S_ISDIR(st.st_mode):
                digest.update(f"D {rel}\n".encode())
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as fh:
                    digest.update(f"F {rel} {hashlib.sha256(fh.read()).hexdigest()}\n".encode())
            else:
                digest.update(f"S {rel} {stat.S_IFMT(st.st_mode)}\n".encode())
    return digest.hexdigest()


def tree_contents(folder: Path) -> dict[str, bytes]:
    """Relative name -> bytes (or link target) of every file under ``folder``."""
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = b"-> " + os.readlink(path).encode()
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


def _first_difference(name: str, one: bytes, two: bytes) -> str:
    at = next((i for i, (a, b) in enumerate(zip(one, two)) if a != b), min(len(one), len(two)))
    start = max(0, at - 80)
    return f"{name} (byte {at}):\n  next:  {one[start:at + 160]!r}\n  clean: {two[start:at + 160]!r}"


def tree_files(folder: Path) -> set[str]:
    """Relative names of the files and links under ``folder`` (for messages and simple checks)."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def tagged_processes(tag: str) -> list[int]:
    """Live processes (not zombies) whose environment carries ``tag``."""
    wanted = f"{TAG_VAR}={tag}".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as fh:
                env = fh.read().split(b"\0")
            with open(f"/proc/{name}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if wanted in env and state not in (b"Z", b"X"):
            found.append(int(name))
    return found


def describe(pids: list[int]) -> str:
    lines = []
    for pid in pids:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmd = "?"
        lines.append(f"{pid}: {cmd[:120]}")
    return "\n".join(lines)


def kill_tagged(tag: str) -> None:
    for pid in tagged_processes(tag):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def can_run_as_nobody() -> str | None:
    """Why builds cannot run as an unprivileged user here ('' / None when they can)."""
    if os.geteuid() != 0:
        return "needs root to switch to an unprivileged user (as a normal user, run this suite as root or in CI)"
    if shutil.which("setpriv") is None:
        return "setpriv (util-linux) is not installed"
    return None


def can_mount() -> str | None:
    """Why this test cannot mount a small tmpfs (None when it can)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return "needs root to mount a small tmpfs"
    probe = Path(tempfile.mkdtemp(prefix="gdblog-mount-probe-"))
    try:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            return f"cannot mount a tmpfs here: {result.stderr.strip()}"
        subprocess.run(["umount", str(probe)], check=True)
        return None
    finally:
        probe.rmdir()


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    """A tmpfs of ``size`` mounted at ``path`` for the duration of the block."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@dataclass
class Case:
    """One small site in its own folder, and the builds of one reliability case."""

    root: Path
    tag: str = field(default_factory=lambda: uuid.uuid4().hex)
    out: Path | None = None            # --out, when not the default _site

    # ------------------------------------------------------------- files
    def write(self, files: dict[str, str | bytes]) -> Case:
        write_files(self.root, files)
        return self

    @property
    def site_out(self) -> Path:
        return self.out or self.root / "_site"

    def out_hash(self) -> str:
        return tree_hash(self.site_out)

    # ------------------------------------------------------------ builds
    def argv(self, *args: str) -> list[str]:
        argv = [*args]
        if not argv or argv[0] not in ("serve", "check", "new"):
            argv = ["build", *argv]
        argv += ["--source", str(self.root)]
        if self.out is not None and argv[0] == "build" and "--out" not in argv:
            argv += ["--out", str(self.out)]
        if argv[0] in ("build", "check") and "--jobs" not in argv and "-j" not in argv:
            argv += ["--jobs", "2"]
        return argv

    def build(self, *args: str, subprocess_: bool = False, user: int | None = None,
              timeout: float = 120, env: dict | None = None) -> Run:
        """Build as a user would; in this process unless a subprocess is asked for (or needed)."""
        if subprocess_ or user is not None or env:
            return self._subprocess(self.argv(*args), user=user, timeout=timeout, env=env)
        return self._inprocess(self.argv(*args))

    def _inprocess(self, argv: list[str]) -> Run:
        from generator.cli import main

        out, err = io.StringIO(), io.StringIO()
        previous = os.environ.get(TAG_VAR)
        os.environ[TAG_VAR] = self.tag
        started = time.perf_counter()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv + ["--quiet"] if argv[0] in ("build", "check") else argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:  # what a user would have seen: a traceback
            err.write(traceback.format_exc())
            code = 1
        finally:
            if previous is None:
                os.environ.pop(TAG_VAR, None)
            else:
                os.environ[TAG_VAR] = previous
        return Run(code, out.getvalue(), err.getvalue(), time.perf_counter() - started)

    def command(self, argv: list[str], user: int | None = None) -> list[str]:
        command = [sys.executable, str(PROJECT / "build.py"), *argv]
        if argv[0] in ("build", "check"):
            command.append("--quiet")
        if user is not None:
            command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
        return command

    def environment(self, env: dict | None = None) -> dict:
        return {**os.environ, TAG_VAR: self.tag, "HOME": str(self.root / ".home"), **(env or {})}

    def _subprocess(self, argv: list[str], *, user: int | None, timeout: float, env: dict | None) -> Run:
        started = time.perf_counter()
        proc = subprocess.Popen(self.command(argv, user), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.environment(env), cwd=self.root)
        try:
            out, err = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            code = None
            err += f"\n[killed by the test after {timeout} s]"
        return Run(code, out, err, time.perf_counter() - started)

    def start(self, *args: str, env: dict | None = None) -> subprocess.Popen:
        """Start a build in the background (for signals and races)."""
        return subprocess.Popen(self.command(self.argv(*args)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=self.environment(env), cwd=self.root, start_new_session=True)

    # ----------------------------------------------------------- checks
    def good(self, *args: str, **kwargs) -> str:
        """Build; it must succeed; return the output's hash."""
        run = self.build(*args, **kwargs)
        assert run.code == 0, run.text
        assert "Traceback" not in run.err, run.text
        return self.out_hash()

    def leftovers(self, grace: float = 5.0) -> list[int]:
        """Processes of this case still running after ``grace`` seconds (then killed)."""
        deadline = time.monotonic() + grace
        while True:
            pids = tagged_processes(self.tag)
            if not pids or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if pids:
            info = describe(pids)
            kill_tagged(self.tag)
            pytest.fail(f"processes left running by the build:\n{info}")
        return pids

    def check_failure(self, run: Run, before: str, *messages: str, code: int = 1) -> None:
        """A failed build: its exit code, located messages, no traceback, the old site untouched."""
        assert run.code == code, run.text
        for message in messages:
            assert message in run.err, f"expected {message!r} in stderr\n{run.text}"
        assert "Traceback" not in run.err, run.text
        assert "internal error" not in run.err, run.text
        assert self.out_hash() == before, "the previous output must be byte-identical"
        self.leftovers()

    def check_success(self, run: Run, *messages: str) -> None:
        """A build that succeeds with warnings (a skipped file, a healed cache)."""
        assert run.code == 0, run.text
        for message in messages:
            assert message in run.err, f"expected {message!r} in stderr\n{run.text}"
        assert "Traceback" not in run.err, run.text
        self.leftovers()

    def check_next_build(self, *args: str, **kwargs) -> str:
        """The next normal build succeeds and equals a clean build (no output, no cache)."""
        after = self.good(*args, **kwargs)
        files = tree_contents(self.site_out)
        self.clean()
        clean = self.good(*args, **kwargs)
        if after != clean:
            now = tree_contents(self.site_out)
            differ = sorted(k for k in files.keys() | now.keys() if files.get(k) != now.get(k))
            detail = "\n".join(_first_difference(k, files.get(k, b"(missing)"), now.get(k, b"(missing)"))
                               for k in differ[:5])
            pytest.fail(f"the next build must equal a clean one; these differ:\n{detail}")
        self.leftovers()
        return after

    def clean(self) -> None:
        """Remove the output (its content, when it is a mount point) and every cache."""
        out = self.site_out
        if out.is_mount():
            for child in out.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        else:
            shutil.rmtree(out, ignore_errors=True)
        staging = out.parent / f".{out.name}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(self.root / ".cache", ignore_errors=True)


def chown_tree(root: Path, uid: int) -> None:
    """Give ``root`` and everything under it to ``uid`` (links themselves, not their targets)."""
    os.chown(root, uid, uid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            with contextlib.suppress(OSError):
                os.chown(os.path.join(dirpath, name), uid, uid, follow_symlinks=False)
