"""Helpers for tests: build a site from files in a temporary folder, parse the HTML it wrote."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"


def shared(*parts: str) -> Path:
    """A file from ../shared, or skip the test (CI always has it)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing; CI must provide ../shared")
        pytest.skip(f"{path} not found: ../shared (seed posts and references) is not beside the project")
    return path


def require_plantuml(why: str = "") -> list[str]:
    """The local PlantUML command, or skip the test (CI installs it, so there it fails instead)."""
    from generator.markdown.diagrams import find_command

    command = find_command()
    if command is None:
        if os.environ.get("CI"):
            pytest.fail("PlantUML is missing; CI must install it (apt-get install plantuml)")
        pytest.skip("PlantUML is not installed (apt-get install plantuml, or set GDBLOG_PLANTUML)"
                    + (f": {why}" if why else ""))
    return command


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data) if data.startswith("\n") else data, encoding="utf-8")


def html(path: Path) -> LexborHTMLParser:
    return LexborHTMLParser(path.read_text(encoding="utf-8"))


def math_texts(tree: LexborHTMLParser, scope: str = ".content") -> list[str]:
    """The text MathJax receives from each math element in ``scope``, delimiters included."""
    return [node.text() for node in tree.css(f"{scope} .math")]


def strip_delimiters(text: str) -> str:
    if text[:2] in ("\\(", "\\[") and text[-2:] in ("\\)", "\\]"):
        return text[2:-2]
    return text


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run ``python build.py ARGS`` as a user would."""
    proc = subprocess.run([sys.executable, str(PROJECT / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=600)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to prove something did not change)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
