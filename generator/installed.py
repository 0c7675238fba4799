"""How this gdblog was installed: its version, and the requirements.txt line that installs it again.

A new blog's Pages workflow runs ``pip install -r requirements.txt``, so that
file must name gdblog exactly as the writer has it, or the published site is
built by another version than the one they previewed.  The installation says
where it came from in ``direct_url.json`` (PEP 610):

* no such file: installed from a package index -> ``gdblog==VERSION``;
* ``vcs_info``: from a git URL -> ``gdblog @ git+URL@COMMIT`` (the commit that
  was installed, not a branch name that moves; the requested ref is noted);
* ``archive_info`` with an http(s) URL -> ``gdblog @ URL``;
* a local folder or file (``dir_info``, ``file://``), or no installation at
  all (a checkout run as ``python build.py``): GitHub's runners cannot reach
  it, so the line is a commented placeholder and the caller tells the writer.

The record must be that of the gdblog *running now*: a checkout also holds a
``gdblog.egg-info`` (made by ``pip install -e .``, found first on ``sys.path``
when ``build.py`` runs) and a venv may hold another gdblog than the checkout
being run, so a record counts only if pip installed it (it has a RECORD) and it
lists this very ``generator`` package, or is the editable install of its folder.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit

DIST = "gdblog"
#: What requirements.txt asks for: gdblog with Pagefind, so the published blog has its search box.
WANTED = "gdblog[search]"
#: This package's folder, by which the installation that provides it is recognised.
_HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Requirement:
    """The requirements.txt text naming gdblog (comment lines included)."""

    text: str
    #: Why ``text`` is only a placeholder (None when it installs gdblog).
    placeholder_reason: str | None = None


def _direct_url(dist: metadata.Distribution) -> dict | None:
    try:
        info = json.loads(dist.read_text("direct_url.json") or "null")
    except ValueError:
        return None
    return info if isinstance(info, dict) else None


def _provides_this_code(dist: metadata.Distribution) -> bool:
    """Whether ``dist`` is a pip installation of the gdblog running now."""
    if dist.read_text("RECORD") is None:
        return False  # an egg-info of a source tree, not an installation
    info = _direct_url(dist) or {}
    if (info.get("dir_info") or {}).get("editable"):
        url = urlsplit(str(info.get("url", "")))
        return url.scheme == "file" and Path(unquote(url.path)).resolve() == _HERE.parent
    ours = _HERE / "__init__.py"
    return any(f.as_posix() == "generator/__init__.py" and Path(str(dist.locate_file(f))).resolve() == ours
               for f in dist.files or ())


def installation() -> metadata.Distribution | None:
    """The pip installation of the gdblog running now; None when it runs from a checkout."""
    return next((d for d in metadata.distributions(name=DIST) if _provides_this_code(d)), None)


def version() -> str | None:
    """The running gdblog's version, or None when it is not installed (a bare checkout)."""
    dist = installation()
    if dist is not None:
        return dist.version
    try:
        return metadata.version(DIST)  # e.g. the egg-info of an editable checkout
    except metadata.PackageNotFoundError:
        return None


def requirement() -> Requirement:
    """The requirement line of the gdblog running now (see the module docstring)."""
    dist = installation()
    if dist is None:
        return placeholder(version(), "this gdblog runs from a source folder, not from an installed package")
    if dist.read_text("direct_url.json") is None:
        return Requirement(f"{WANTED}=={dist.version}\n")
    info = _direct_url(dist)
    if info is None:
        return placeholder(dist.version, "its installation record (direct_url.json) cannot be read")
    return from_direct_url(info, dist.version)


def from_direct_url(info: dict, installed_version: str | None) -> Requirement:
    """The requirement for an installation described by a PEP 610 ``direct_url.json``."""
    url = str(info.get("url", ""))
    subdirectory = info.get("subdirectory")
    fragment = f"#subdirectory={subdirectory}" if subdirectory else ""
    vcs = info.get("vcs_info")
    reachable = urlsplit(url).scheme not in ("", "file")  # not a folder, file or repository on this machine
    ref = (vcs.get("commit_id") or vcs.get("requested_revision")) if isinstance(vcs, dict) else None
    if reachable and isinstance(vcs, dict) and vcs.get("vcs") and ref:
        asked = vcs.get("requested_revision")
        note = f' (you asked for "{asked}")' if asked and asked != ref else ""
        return Requirement(
            f"# the commit of {url} that was installed{note}; to upgrade, put a newer tag or commit after the @\n"
            f"{WANTED} @ {vcs['vcs']}+{url}@{ref}{fragment}\n")
    if reachable and "archive_info" in info:
        return Requirement(f"{WANTED} @ {url}{fragment}\n")
    where = url or "an unknown place"
    return placeholder(installed_version, f"gdblog was installed from {where}, which GitHub's runners cannot reach")


def placeholder(installed_version: str | None, reason: str) -> Requirement:
    """A commented requirements.txt entry that says what to write instead, and why."""
    release = f"{WANTED}=={installed_version}" if installed_version else f"{WANTED}==<version>"
    text = (f"# {reason}.\n"
            "# Replace this comment with a line that installs the gdblog you use, either a release:\n"
            f"#   {release}\n"
            "# or a git URL with a tag or commit:\n"
            f"#   {WANTED} @ git+https://github.com/<owner>/gdblog@<tag or commit>\n")
    return Requirement(text, placeholder_reason=reason)
