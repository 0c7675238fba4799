"""Read a cell's ``#|`` option lines (Quarto's convention) into a mapping."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field

import yaml

from generator.limits import TOO_LARGE_HINT, describe, too_large
from generator.markdown.cells.options import BUILTIN, check_options


@dataclass
class ParsedCell:
    code: str                 # the body without the option lines
    options: dict             # the cell's own options (not merged with defaults)
    line: int                 # line of the first code line, relative to the parsed text (1-based)
    problems: list = field(default_factory=list)  # (line, message, hint) in the parsed text: errors
    warnings: list = field(default_factory=list)  # likewise, for options that are only ignored
    #: line of each option key in the parsed text, for messages about options found later
    option_lines: dict = field(default_factory=dict)


def parse_cell(content: str, *, first_line: int) -> ParsedCell:
    """Split a fence body (starting at ``first_line``) into options and code."""
    lines = content.split("\n")
    count = 0
    while count < len(lines) and lines[count].startswith("#|"):
        count += 1
    option_lines = [ln[2:] for ln in lines[:count]]
    code = "\n".join(lines[count:])
    options: dict = {}
    problems: list = []
    warnings: list = []
    if option_lines:
        options, problems, warnings = _parse_options(option_lines, first_line)
    key_lines = {key: _line_of(key, option_lines, first_line) for key in options}
    return ParsedCell(code, options, first_line + count, problems, warnings, key_lines)


def _parse_options(option_lines: list[str], first_line: int) -> tuple[dict, list, list]:
    text = textwrap.dedent("\n".join(option_lines))
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = getattr(exc, "problem", None) or str(exc)
        return {}, [(line, f"cell options are not valid YAML: {problem}",
                     "write options as '#| key: value', one per line")], []
    if data is None:
        return {}, [], []
    if "*" in text and too_large(data):   # YAML aliases: checking the options would take exponential time
        return {}, [(first_line, describe("the cell's options"), TOO_LARGE_HINT)], []
    if not isinstance(data, dict):
        return {}, [(first_line, "cell options must be 'key: value' lines",
                     "write options as '#| key: value', one per line")], []
    problems: list[tuple] = []
    warnings: list[tuple] = []
    for problem in check_options(data):
        found = (_line_of(problem.key, option_lines, first_line), problem.message, problem.hint)
        (problems if problem.fatal else warnings).append(found)
    return {k: v for k, v in data.items() if k in BUILTIN}, problems, warnings


def _line_of(key: str, option_lines: list[str], first_line: int) -> int:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*:")
    for i, line in enumerate(option_lines):
        if pattern.match(line):
            return first_line + i
    return first_line
