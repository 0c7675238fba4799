"""The README's set-up commands are a contract: CI runs exactly its test command."""

from __future__ import annotations

import re

from tests.helpers import PROJECT


def _quick_start_commands() -> list[str]:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Work on gdblog itself", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_starts_with_your_own_blog():
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    sections = [line for line in readme.splitlines() if line.startswith("## ")]
    assert sections[:2] == ["## Start your own blog", "## Work on gdblog itself"]
    start = readme.split("## Start your own blog", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", start, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in block.splitlines()]
    assert commands[1].startswith('pip install "gdblog[search] @ git+https://')
    assert commands[2:] == ["gdblog init myblog", "cd myblog && gdblog serve"]
    assert "open `_site/index.html`" not in readme.lower()


def test_quick_start_is_two_commands_and_ci_runs_the_second():
    commands = _quick_start_commands()
    assert len(commands) == 2
    build, tests = commands
    assert build.endswith("build.py") and "pytest" in tests
    ci = (PROJECT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines(), "the test command in .ci/run must be the README's, verbatim"
