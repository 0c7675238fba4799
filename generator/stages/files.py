"""The files stage: figures made by cells, theme assets, the site's assets and content files.

Keys: a figure is content-addressed in the execution cache, so its cached
file's path is its key; a copied file's key is its path, size and mtime; the
Pygments stylesheet's key is the two style names.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..document import Site
from ..errors import BuildError
from ..manifest import key
from ..state import BuildState
from ..theme import BUILTIN_THEME_ASSETS, pygments_css
from .execute import figure_files


def walk_files(folder: Path):
    """Files under ``folder`` in a stable order, leaving out hidden ones (but ``.well-known/``)."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") or d == ".well-known")
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


def run(state: BuildState) -> None:
    _figures(state)
    _copies(state)
    light, dark = state.config.highlight_light, state.config.highlight_dark
    state.outputs.reuse_or_make("assets/theme/pygments.css", key("pygments", light, dark),
                                lambda: pygments_css(light, dark), owner="(theme)")
    state.outputs.reuse_or_make(".nojekyll", key("nojekyll"), lambda: "", owner="(generated)")


def _figures(state: BuildState) -> None:
    """Figures made by cells, beside their pages."""
    by_rel = {doc.rel: doc for doc in state.site.documents}
    for rel, result in state.exec_results.items():
        for out_path, file in figure_files(by_rel[rel], result):
            state.outputs.reuse_or_make(out_path, key("figure", str(file)), lambda file=file: file, owner=rel)


def static_files(site: Site, root: Path) -> dict[str, Path]:
    """Output path -> source file of every copied file: theme assets, the site's assets/
    (overriding the theme's), content files, page-bundle files, CNAME."""
    files: dict[str, Path] = {}
    if BUILTIN_THEME_ASSETS.is_dir():
        for path in walk_files(BUILTIN_THEME_ASSETS):
            files["assets/theme/" + path.relative_to(BUILTIN_THEME_ASSETS).as_posix()] = path
    assets = root / "assets"
    if assets.is_dir():
        for path in walk_files(assets):
            files["assets/" + path.relative_to(assets).as_posix()] = path
    for item in site.static:
        files[item.out_path] = item.path
    for doc in site.documents:
        if doc.bundle is not None:
            folder = doc.out_path.rsplit("/", 1)[0] + "/" if "/" in doc.out_path else ""
            for path in walk_files(doc.bundle):
                if path != doc.path:
                    files[folder + path.relative_to(doc.bundle).as_posix()] = path
    if (root / "CNAME").is_file():
        files["CNAME"] = root / "CNAME"
    return files


def _copies(state: BuildState) -> None:
    root = state.root
    for out_path, path in static_files(state.site, root).items():
        shown = path.relative_to(root).as_posix() if root in path.parents else str(path)
        if out_path in state.outputs.entries:
            raise BuildError(f"{shown} would overwrite the generated page {out_path}",
                             hint="rename or move the file")
        st = path.stat()
        state.outputs.reuse_or_make(out_path, key("copy", str(path), st.st_mtime_ns, st.st_size),
                                    lambda path=path: path, owner=shown)
