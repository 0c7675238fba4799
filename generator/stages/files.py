"""The files stage: figures made by cells, theme assets, the site's assets and content files.

Keys: a figure is content-addressed in the execution cache, so its cached
file's path is its key; a notebook's stored image is keyed by its SHA-256 (its
bytes are decoded from the notebook again only when the file must be made); a
copied file's key is its path, size and mtime (a link published as a link: its
target text); the Pygments stylesheet's key is the two style names.

Which files are copied is decided by the load stage (:func:`static_files`,
called there so that every output path is claimed before anything is made);
this stage only copies them.
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ..document import Document, Site
from ..errors import BuildError
from ..fileio import Walk, os_error
from ..manifest import key
from ..outputs import Link
from ..state import BuildState
from ..theme import builtin_assets, pygments_css
from .execute import figure_files

#: Owner of the theme's own files in the outputs ledger.
THEME = "(theme)"


@dataclass(frozen=True)
class Copy:
    """A file copied into the site: where it comes from, and who claims its output path."""

    path: Path
    owner: str              # "assets/x.css", "content/images/x.png", "(theme)"
    link: str | None = None  # publish this symlink target text instead of the file (follow_symlinks: false)


def walk_files(folder: Path):
    """Files under ``folder`` in a stable order, leaving out hidden ones (but ``.well-known/``)
    and editor backups.  For the generator's own folders; a site's folders go through a
    :class:`~generator.fileio.Walk`, which also checks symlinks and special files."""
    walk = Walk(folder)
    for entry in walk.files(folder):
        yield entry.path


def run(state: BuildState) -> None:
    _figures(state)
    _notebooks(state)
    _copies(state)
    light, dark = state.config.highlight_light, state.config.highlight_dark
    state.outputs.reuse_or_make("assets/theme/pygments.css", key("pygments", light, dark),
                                lambda: pygments_css(light, dark, site_root=state.root), owner=THEME)
    state.outputs.reuse_or_make(".nojekyll", key("nojekyll"), lambda: "", owner="(generated)")


def _figures(state: BuildState) -> None:
    """Figures made by cells, beside their pages."""
    by_rel = {doc.rel: doc for doc in state.site.documents}
    for rel, result in state.exec_results.items():
        for out_path, file in figure_files(by_rel[rel], result):
            state.outputs.reuse_or_make(out_path, key("figure", str(file)), partial(Path, file), owner=rel)


def _notebooks(state: BuildState) -> None:
    """Each notebook beside its page (the "Download notebook" link), with the images of its stored
    outputs (unless it was executed: then its figures come from the cells) and of its attachments."""
    for doc in state.site.documents:
        if doc.format != "notebook" or not isinstance(doc.payload, dict):
            continue
        folder = doc.out_path.rsplit("/", 1)[0] + "/" if "/" in doc.out_path else ""
        executed = doc.rel in state.exec_results
        loaded: list[dict] = []
        for entry in doc.payload.get("images", []):
            if executed and "attachment" not in entry:
                continue
            state.outputs.reuse_or_make(folder + entry["file"], key("notebook-image", entry["sha"]),
                                        partial(_notebook_image, doc, entry, loaded), owner=doc.rel)
        if doc.meta.get("download", True) is not False:
            st = doc.path.stat()
            state.outputs.reuse_or_make(folder + doc.path.name, key("copy", str(doc.path), st.st_mtime_ns, st.st_size),
                                        partial(Path, doc.path), owner=doc.rel)


def _notebook_image(doc: Document, entry: dict, loaded: list[dict]) -> bytes:
    """An image's bytes, decoded from the notebook (read once per notebook)."""
    from ..readers.nbcells import image_bytes
    from ..readers.notebook import parse_notebook
    from ..readers.text import decode

    if not loaded:
        try:
            loaded.append(parse_notebook(decode(doc.path.read_bytes(), doc.rel), doc.rel, []))
        except (OSError, BuildError):
            loaded.append({})
    data = image_bytes(loaded[0], entry)
    if data is None:
        raise BuildError("the notebook changed while the site was being built", path=doc.rel,
                         hint="build again")
    return data


def static_files(site: Site, root: Path, walk: Walk) -> tuple[dict[str, Copy], list[tuple[str, str, str]]]:
    """Output path -> :class:`Copy` of every copied file: built-in assets (theme, embeds), the
    site's assets/ (overriding them), content files, page-bundle files, CNAME; and the collisions
    found among them, as (output path, owner, other owner)."""
    files: dict[str, Copy] = {}
    clashes: list[tuple[str, str, str]] = []

    def add(out_path: str, copy: Copy) -> None:
        other = files.get(out_path)
        if other is not None and other.owner != THEME:
            clashes.append((out_path, copy.owner, other.owner))
            return
        files[out_path] = copy

    for name, builtin in builtin_assets().items():
        for path in walk_files(builtin):
            files[f"assets/{name}/" + path.relative_to(builtin).as_posix()] = Copy(path, THEME)
    assets = root / "assets"
    for entry in walk.files(assets):
        add("assets/" + entry.rel, Copy(entry.path, "assets/" + entry.rel, entry.link))
    for item in site.static:
        add(item.out_path, Copy(item.path, item.rel, getattr(item, "link", None)))
    for doc in site.documents:
        if doc.bundle is not None:
            folder = doc.out_path.rsplit("/", 1)[0] + "/" if "/" in doc.out_path else ""
            shown = doc.rel.rsplit("/", 1)[0]
            for entry in walk.files(doc.bundle):
                if entry.path != doc.path and entry.rel != os.path.basename(doc.path):
                    add(folder + entry.rel, Copy(entry.path, f"{shown}/{entry.rel}", entry.link))
    cname = root / "CNAME"
    if os.path.lexists(cname):
        kind, _ = walk.classify(str(cname))
        if kind in ("file", "link"):
            add("CNAME", Copy(cname, "CNAME", os.readlink(cname) if kind == "link" else None))
    return files, clashes


def _copies(state: BuildState) -> None:
    for out_path, copy in state.static.items():
        if out_path in state.outputs.entries:
            raise BuildError(f"{copy.owner} would overwrite the generated page {out_path}",
                             hint="rename or move the file")
        if copy.link is not None:
            state.outputs.reuse_or_make(out_path, key("link", copy.link), partial(Link, copy.link),
                                        owner=copy.owner)
            continue
        st = copy.path.stat()
        if not os.access(copy.path, os.R_OK):   # reused or not, a clean build would have to read it
            raise os_error(PermissionError(errno.EACCES, os.strerror(errno.EACCES)), "read this file", copy.owner)
        state.outputs.reuse_or_make(out_path, key("copy", str(copy.path), st.st_mtime_ns, st.st_size),
                                    partial(Path, copy.path), owner=copy.owner)
