"""What one build knows, passed from stage to stage: :class:`BuildState`.

Also the two public records around it: :class:`BuildOptions` (what the caller
asks for) and :class:`BuildReport` (what the build did).
"""

from __future__ import annotations

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


@dataclass
class Fingerprints:
    """Parts of many cache keys, computed once per build."""

    site: str = ""        # config, navigation, PlantUML mode: every page shows or depends on them
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
                plantuml_server=self.config.plantuml_server, heading_ids=self.config.heading_ids))
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
    if not root.is_dir():
        raise BuildError(f"site folder {root} does not exist")
