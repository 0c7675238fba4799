"""What one build knows, passed from stage to stage: :class:`BuildState`.

Also the two public records around it: :class:`BuildOptions` (what the caller
asks for) and :class:`BuildReport` (what the build did).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import SiteConfig
from .document import RenderedDoc, Site
from .errors import BuildError, Diagnostic
from .manifest import Manifest
from .outputs import Outputs

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

    from .pool import RenderPool
    from .render import SiteContext
    from .theme import Theme


@dataclass
class BuildOptions:
    source: Path = Path(".")
    out: Path | None = None
    base_url: str | None = None
    url: str | None = None
    drafts: bool | None = None
    jobs: int | None = None
    refresh: bool = False
    no_exec: bool = False
    explain: bool = False
    use_cache: bool = True
    #: Include posts dated after ``now`` (scheduled posts); without it they wait for their date.
    future: bool = False
    #: The build's "now", the one clock every date rule reads: pin it for reproducible builds and tests.
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    #: Called with a ``generator.kernel.ProgressEvent`` as posts execute (see terminal_progress).
    progress: Callable | None = None


@dataclass
class BuildReport:
    out_dir: Path
    files: int = 0
    rendered: int = 0
    reused: int = 0
    warnings: list[Diagnostic] = field(default_factory=list)
    explain: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: Output files made anew (not reused from the last build), relative to out_dir.
    written: set[str] = field(default_factory=set)
    #: (source, date) of posts left out because they are dated after the build's "now".
    scheduled: list[tuple[str, dt.datetime]] = field(default_factory=list)


@dataclass
class Fingerprints:
    """Parts of many cache keys, computed once per build."""

    site: str = ""        # config and navigation: every page shows or depends on them
    plantuml: str = ""    # which PlantUML renders diagrams (inline SVG, or server images)
    urls: str = ""        # what {% post_url %} / {% link %} resolve to
    includes: str = ""    # the text of every {% include %}-able file


@dataclass
class BuildState:
    options: BuildOptions
    root: Path
    config: SiteConfig
    out_dir: Path
    jobs: int
    version: str                          # the generator's code version (part of every key)
    old: Manifest                         # the last build's manifest
    new: Manifest                         # this build's, saved when it succeeds
    outputs: Outputs
    report: BuildReport
    cache_dir: Path | None                # the site's .cache/ (None: use no cache)
    site: Site = field(default=None)      # type: ignore[assignment]  # set by the load stage
    theme: Theme = field(default=None)    # type: ignore[assignment]
    ctx: SiteContext = field(default=None)  # type: ignore[assignment]
    pool: RenderPool = field(default=None)  # type: ignore[assignment]
    lock: Any = None                      # generator.staging.OutputLock, held while the build runs
    fingerprints: Fingerprints = field(default_factory=Fingerprints)
    #: output path -> generator.stages.files.Copy: every file copied into the site (set by the load stage)
    static: dict[str, Any] = field(default_factory=dict)
    #: rel -> PostResult of the posts whose cells ran (or came from the cache)
    exec_results: dict[str, Any] = field(default_factory=dict)
    rendered: dict[str, RenderedDoc] = field(default_factory=dict)
    _parser: MarkdownIt | None = None

    def parser(self) -> MarkdownIt:
        """The Markdown parser, created on first use (a no-change build never needs it)."""
        if self._parser is None:
            from .markdown import MarkdownOptions, create_parser

            self._parser = create_parser(MarkdownOptions(
                base_path=self.config.base_url, cache_dir=str(self.cache_dir) if self.cache_dir else None,
                plantuml_server=self.config.plantuml_server, heading_ids=self.config.heading_ids,
                dialect=self.config.markdown, math_inline=self.config.math_inline))
        return self._parser

    @property
    def has_parser(self) -> bool:
        return self._parser is not None


def resolve_out_dir(root: Path, config: SiteConfig) -> Path:
    out_dir = Path(config.output)
    return (out_dir if out_dir.is_absolute() else root / out_dir).resolve()


def default_jobs(config: SiteConfig) -> int:
    return config.jobs or os.cpu_count() or 1


def require_site_folder(root: Path) -> None:
    """Refuse a folder that is not a site: one with neither ``config.yml`` nor ``content/``.

    Every command works on the folder it is pointed at and nothing else; this
    is what stops a build in the wrong folder (or ``new`` writing into it).
    """
    if (root / "config.yml").is_file() or (root / "content").is_dir():
        return
    import shlex

    start = f"start one with: gdblog init {shlex.quote(str(root))}"
    if not root.is_dir():
        raise BuildError(f"site folder {root} does not exist; {start}")
    # Run from inside a site (content/posts/, say)?  Say where it is; never build it unasked.
    site = next((p for p in root.parents if (p / "config.yml").is_file()), None)
    hint = (f"{root} is inside the site {site}: run the command there, or pass --source "
            f"{shlex.quote(str(site))}") if site else None
    raise BuildError(f"{root} is not a gdblog site (no config.yml or content/); {start}", hint=hint)
