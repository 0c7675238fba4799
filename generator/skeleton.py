"""``gdblog init [DIR]``: start a blog that builds at once, from the skeleton in ``templates/init/``.

The skeleton (package data, see :mod:`generator.resources`) is the new blog as
it will be, file for file, with two rules:

* ``NAME.jinja`` is rendered with Jinja and written as ``NAME``; it gets
  ``title`` (made from the folder's name) and ``requirement`` (the
  requirements.txt line naming this gdblog, see :mod:`generator.installed`);
* a post, ``content/posts/NAME.md``, is written dated today:
  ``content/posts/YYYY-MM-DD-NAME.md``.

Every other file is copied byte for byte (the workflow's ``${{ }}`` are GitHub's).

The folder must be new or empty (a lone ``.git/`` is fine: ``git init`` or a
clone first is common), so nothing a writer has is ever at risk; ``force``
adds the files that are missing and leaves every existing one as it is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BuildError
from .installed import Requirement, requirement
from .resources import builtin

#: Entries of a folder that do not make it "not empty" for init.
IGNORED_ENTRIES = frozenset({".git"})
#: How many of the files in the way an error names before "and N more".
SHOWN = 8


@dataclass
class InitResult:
    root: Path
    created: list[str] = field(default_factory=list)   # paths relative to root, sorted
    kept: list[str] = field(default_factory=list)      # existing files left alone (force)
    requirement: Requirement | None = None


def title_for(folder: Path) -> str:
    """A blog title from a folder name: ``descent-notes`` -> ``Descent Notes``."""
    words = [w for w in re.split(r"[-_\s.]+", folder.name) if w]
    return " ".join(w[:1].upper() + w[1:] for w in words) or "My Blog"


def skeleton_files(*, title: str, today: dt.date, req: Requirement) -> dict[str, bytes]:
    """Path relative to the new blog -> content, for every file of the skeleton."""
    import jinja2

    root = builtin("init")
    env = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters["yaml"] = lambda value: json.dumps(str(value), ensure_ascii=False)
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            data = path.read_bytes()
            if rel.endswith(".jinja"):
                rel = rel[: -len(".jinja")]
                try:
                    text = env.from_string(data.decode("utf-8")).render(title=title, requirement=req.text.rstrip("\n"))
                except jinja2.TemplateError as exc:
                    raise BuildError(f"skeleton template error: {exc}", path=path) from None
                data = text.encode("utf-8")
            if rel.startswith("content/posts/") and rel.endswith(".md"):
                folder, _, stem = rel.rpartition("/")
                rel = f"{folder}/{today.isoformat()}-{stem}"
            files[rel] = data
    return files


def _in_the_way(folder: Path) -> list[str]:
    entries = sorted(e for e in os.listdir(folder) if e not in IGNORED_ENTRIES)
    return [e + "/" if (folder / e).is_dir() else e for e in entries]


def init_site(folder: Path, *, force: bool = False, today: dt.date | None = None,
              req: Requirement | None = None) -> InitResult:
    """Create a blog in ``folder`` (made if missing); return what was written.

    Raises BuildError, writing nothing, when ``folder`` is a file or a folder
    that is not empty (unless ``force``).  ``today`` and ``req`` are for tests.
    """
    folder = Path(folder).resolve()
    if folder.exists() and not folder.is_dir():
        raise BuildError(f"{folder} is a file, not a folder", hint="name a new folder: gdblog init myblog")
    in_the_way = _in_the_way(folder) if folder.is_dir() else []
    if in_the_way and not force:
        more = len(in_the_way) - SHOWN
        shown = ", ".join(in_the_way[:SHOWN]) + (f" and {more} more" if more > 0 else "")
        raise BuildError(f"{folder} is not empty: {shown}",
                         hint="start the blog in a new folder (gdblog init myblog), or add --force to add "
                              "only the missing files (no existing file is ever overwritten)")
    req = req or requirement()
    files = skeleton_files(title=title_for(folder), today=today or dt.date.today(), req=req)
    result = InitResult(root=folder, requirement=req)
    for rel, data in files.items():
        path = folder / rel
        if os.path.lexists(path):
            result.kept.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # "x": created here or not at all, even if something appeared meanwhile
            with open(path, "xb") as fh:
                fh.write(data)
        except FileExistsError:
            result.kept.append(rel)
            continue
        result.created.append(rel)
    return result
