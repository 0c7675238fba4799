"""What an import carried over, and each thing it could not, for the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Diagnostic

#: Order and wording of the counts in the summary.
COUNTED = ("posts", "drafts", "pages", "static files", "includes", "data files", "macros")


@dataclass
class ImportReport:
    """The outcome of ``gdblog import jekyll SRC DEST``.

    ``not_carried`` holds one located item per thing the site had that the
    gdblog site does not (a plugin, a layout, a Liquid loop...), with the file
    and line in SRC and what to do about it; ``notes`` holds what was carried
    in a way worth knowing (a translated permalink, a rewritten front matter).
    """

    source: Path
    dest: Path
    counts: dict[str, int] = field(default_factory=dict)
    #: config.yml as written (key -> value)
    config: dict = field(default_factory=dict)
    notes: list[Diagnostic] = field(default_factory=list)
    not_carried: list[Diagnostic] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def skip(self, path: str | None, line: int | None, message: str, hint: str | None = None) -> None:
        self.not_carried.append(Diagnostic(path, line, message, hint))

    def note(self, path: str | None, line: int | None, message: str, hint: str | None = None) -> None:
        self.notes.append(Diagnostic(path, line, message, hint))


def plural(n: int, words: str) -> str:
    """``plural(1, "static files")`` is "1 static file"; other counts keep the plural."""
    if n == 1 and words.endswith("s"):
        return f"1 {words[:-1]}"
    return f"{n} {words}"


def format_report(report: ImportReport) -> list[str]:
    """The report as lines for the terminal: a summary, notes, then what was not carried."""
    counts = [plural(report.counts[k], k) for k in COUNTED if report.counts.get(k)]
    lines = [f"Imported the Jekyll site {report.source} into {report.dest}:",
             "  " + (", ".join(counts) if counts else "nothing to carry") + "."]
    if report.config:
        lines.append("  config.yml: " + ", ".join(report.config) + ".")
    if report.notes:
        lines.append("Carried with a change:")
        lines += ["  " + line for note in report.notes for line in str(note).splitlines()]
    if report.not_carried:
        lines.append(f"Not carried ({len(report.not_carried)}):")
        ordered = sorted(report.not_carried, key=lambda d: (d.path or "", d.line or 0))
        lines += ["  " + line for item in ordered for line in str(item).splitlines()]
    else:
        lines.append("Everything was carried.")
    lines.append(f"Next: gdblog check --source {report.dest}, then gdblog serve --source {report.dest}")
    return lines
