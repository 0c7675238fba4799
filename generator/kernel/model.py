"""The data exchanged with the build pipeline: requests in, results out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import Diagnostic
from generator.markdown.cells.model import Cell, InlineExpr

__all__ = ["Cell", "CellResult", "ExecRequest", "Frame", "InlineExpr", "Output", "PostResult", "ProgressEvent",
           "Sweep"]


@dataclass(frozen=True)
class ExecRequest:
    """Everything needed to execute one post."""

    key: str              # stable id of the post (its source path relative to the site root)
    display_path: str     # path shown in messages and tracebacks, e.g. "content/posts/x.md"
    source_path: Path     # absolute path of the Markdown file
    cwd: Path             # the post's folder
    cells: tuple[Cell, ...]
    inline: tuple[InlineExpr, ...] = ()
    seed: int = 0
    #: The text tracebacks quote, when it is not the source file's (a notebook's code cells,
    #: one after another: each ``Cell.line`` is a line of this text).
    source_text: str | None = None


@dataclass
class Output:
    """One thing a cell showed, in display order."""

    #: "stream" | "text" | "html" | "image" | "error", and from displayed rich values
    #: (see generator.markdown.cells.mime): "markdown" | "latex" | "plotly" | "vegalite" |
    #: "widget" | "javascript" | "omitted"
    kind: str
    text: str = ""             # for the text kinds; the JSON spec of a chart
    name: str = ""             # "stdout"/"stderr" for streams
    file: Path | None = None   # for images: the stored file in the cache (content-addressed)
    filename: str = ""         # for images: its name in the output folder, e.g. "fig-loss-1.svg"
    mime: str = ""             # image/svg+xml, image/png, image/gif; the MIME type a rich output came as
    width: int | None = None   # images shown from a rich value: their size, when known
    height: int | None = None
    dark_file: Path | None = None  # for images: the variant shown on dark pages, if the cell made one
    dark_filename: str = ""        # its name in the output folder, e.g. "fig-loss-1-dark.svg"


@dataclass
class CellResult:
    index: int
    status: str                # "ran" | "cached" | "missing" | "skipped"
    reason: str                # why it ran (or "cached"), for --explain
    outputs: list[Output] = field(default_factory=list)
    options: dict = field(default_factory=dict)  # the merged options the cell had
    seconds: float = 0.0       # run time when it last ran
    sweep: Sweep | None = None  # an interactive cell's frames (its outputs are the default frame)


@dataclass
class PostResult:
    cells: list[CellResult]
    inline_values: list[str | None]   # None when missing (no_exec without a cached value)
    repro: dict
    warnings: list[Diagnostic]
    files_read: dict[str, str]        # path -> content hash, for the pipeline's render cache key
    fingerprint: str                  # changes iff any output may change
    started_worker: bool = False      # whether building this result started a worker process
    inline_reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProgressEvent:
    """What a progress sink is told about a post being executed."""

    key: str
    display_path: str
    state: str        # "running" | "done" | "failed"
    total: int        # cells to account for (eval: true)
    ran: int
    cached: int
    elapsed: float


@dataclass
class Frame:
    """What an interactive cell showed for one combination of its parameters."""

    values: dict                                # parameter name -> the value the run saw
    images: list[Output]                        # its figures, in order (``filename`` beside the page)
    outputs: list[Output]                       # everything else it showed (printed text, errors, ...)
    inline: dict[int, str] = field(default_factory=dict)  # inline expression index -> its value there


@dataclass
class Sweep:
    """The frames of an interactive cell (``#| interactive:``), in row-major order of ``params``.

    The cell's own ``outputs`` are the default frame's: what readers without
    JavaScript, the feed and the social image see.  ``complete`` is False when
    some frames have no cached output (``--no-exec``): the page shows the
    default frame only.
    """

    params: list                                # generator.markdown.cells.params.Param
    default: int                                # frame number of the default frame
    frames: list[Frame]
    complete: bool = True
