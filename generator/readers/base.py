"""What a reader is given and what it is: the types shared by every reader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import SiteConfig
from ..document import Document
from ..errors import Diagnostic


@dataclass(frozen=True)
class Source:
    """A file the load stage decided is a document."""

    path: Path
    rel: str                       # "content/posts/x.md", as shown in messages
    kind: str                      # "post" or "page"
    bundle: Path | None = None     # the page-bundle folder when the file is its index


@dataclass
class ReadContext:
    """What every reader may use besides the file itself."""

    config: SiteConfig
    tz: dt.tzinfo
    site_root: Path
    warnings: list[Diagnostic] = field(default_factory=list)
    #: Per-build memo of folder defaults (see :mod:`generator.readers.defaults`).
    memo: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Reader:
    name: str
    suffixes: tuple[str, ...]      # lower case, with the dot
    read: Callable[[Source, ReadContext], Document]
