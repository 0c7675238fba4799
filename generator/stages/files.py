"""The files stage: figures made by cells, notebooks' images, theme assets, the site's assets and content files.

Keys: a figure is content-addressed in the execution cache, so its cached
file's path is its key; a notebook's stored image is keyed by its SHA-256 (its
bytes are decoded from the notebook again only when the file must be made); a
copied file's key is its path, size and mtime; the Pygments stylesheet's key is
the two style names.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from ..document import Document, Site
from ..errors import BuildError
from ..manifest import key
from ..state import BuildState
from ..theme import builtin_assets, pygments_css
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
    _notebooks(state)
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


def static_files(site: Site, root: Path) -> dict[str, Path]:
    """Output path -> source file of every copied file: built-in assets (theme, embeds),
    the site's assets/ (overriding them), content files, page-bundle files, CNAME."""
    files: dict[str, Path] = {}
    for name, builtin in builtin_assets().items():
        for path in walk_files(builtin):
            files[f"assets/{name}/" + path.relative_to(builtin).as_posix()] = path
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
