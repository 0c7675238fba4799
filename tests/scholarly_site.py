"""The scholarly fixture site (tests/sites/scholarly): build one of its two posts, check a page."""

from __future__ import annotations

import re
import shutil
import struct
import zlib
from pathlib import Path


from generator import BuildOptions, build

SITE = Path(__file__).parent / "sites" / "scholarly"
POSTS = {"md": "scholarly-md", "qmd": "scholarly-qmd"}


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def build_post(tmp: Path, variant: str, base_url: str = "/"):
    """Build a site holding only the ``variant`` ("md" or "qmd") post; returns (report, output folder)."""
    root = tmp / f"site-{variant}"
    shutil.copy(SITE / "config.yml", root / "config.yml") if root.exists() else None
    shutil.copytree(SITE / "content" / "posts" / POSTS[variant], root / "content" / "posts" / POSTS[variant],
                    dirs_exist_ok=True)
    shutil.copy(SITE / "config.yml", root / "config.yml")
    folder = root / "content" / "posts" / POSTS[variant]
    for name, colour in (("sine.png", (30, 90, 180)), ("left.png", (180, 60, 30)), ("right.png", (40, 150, 60))):
        (folder / name).write_bytes(png(60, 40, colour))
    out = root / "_site"
    report = build(BuildOptions(source=root, out=out, base_url=base_url, jobs=1))
    return report, out


#: What each cross-reference must say, by target (the .md and .qmd posts are the same text).
EXPECTED_XREFS = {
    "fig-sine": {"Figure 1", "1"}, "fig-panel": {"Figure 2"}, "fig-left": {"Figure 2 (a)"},
    "fig-right": {"Figure 2 (b)"}, "tbl-results": {"Table 1"}, "eq-mse": {"Equation 1"}, "eq-grad": {"(2)"},
    "sec-method": {"Section 1", "1"}, "sec-shortcodes": {"Section 2"}, "fig-cell": {"Figure 3"},
}
RAW = re.compile(r":::|\{#|\{\.|\[@|\[-@|(?<![\w.])@(?:fig|tbl|eq|sec)-|\{\{<|\$\$")


def page_problems(tree) -> list[str]:
    """Everything the scholarly layer got wrong on the rendered post page."""
    problems = []
    ids = {node.attributes.get("id") for node in tree.css("[id]")}
    for link in tree.css("a.quarto-xref"):
        target = link.attributes.get("href", "")[1:]
        text = link.text().replace("\u00a0", " ")
        if target not in ids:
            problems.append(f"cross-reference to missing #{target}")
        elif text not in EXPECTED_XREFS.get(target, {text}):
            problems.append(f"@{target} reads {text!r}, expected one of {sorted(EXPECTED_XREFS[target])}")
    missing = set(EXPECTED_XREFS) - {link.attributes.get("href", "")[1:] for link in tree.css("a.quarto-xref")}
    problems += [f"no reference to #{label}" for label in sorted(missing)]
    entries = {node.attributes.get("id") for node in tree.css("div.csl-entry")}
    for link in tree.css("a[role=doc-biblioref]"):
        if link.attributes.get("href", "")[1:] not in entries:
            problems.append(f"citation link to missing {link.attributes.get('href')}")
    if len(entries) != 4:
        problems.append(f"{len(entries)} bibliography entries, expected 4")
    kinds = {c for node in tree.css(".callout") for c in node.attributes.get("class", "").split()}
    for kind in ("note", "tip", "warning", "important", "caution"):
        if f"callout-{kind}" not in kinds:
            problems.append(f"no callout-{kind}")
    if len(tree.css(".panel-tabset [role=tab]")) != 2:
        problems.append("the tabset does not have 2 tabs")
    if not tree.css(".column-margin") or not tree.css("span.aside") or not tree.css(".margin-note"):
        problems.append("margin content missing")
    toc = [node.text() for node in tree.css("nav.toc a")]
    if [t.split(" ", 1)[-1].strip() for t in toc] != ["Method", "Shortcodes", "Discussion", "References"]:
        problems.append(f"table of contents: {toc}")
    if any(t in " ".join(toc) for t in ("A note with a title", "Click to expand", "Python")):
        problems.append(f"callout or tab headings in the table of contents: {toc}")
    cell = tree.css_first("figure#fig-cell figcaption")
    if cell is None or not cell.text().replace("\u00a0", " ").startswith("Figure 3:"):
        problems.append("the cell's figure is not Figure 3")
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(tree.html)  # a copy: code and scripts are removed for the text check
    for node in tree.css("pre, code, script, style"):
        node.decompose()
    text = tree.css_first("article").text()
    problems += [f"raw syntax on the page: ...{text[max(0, m.start() - 30): m.end() + 30]!r}..."
                 for m in RAW.finditer(text)]
    for needed in ("Optimization 101", "An included paragraph with bold text", "By Ada Lovelace"):
        if needed not in text:
            problems.append(f"missing text {needed!r}")
    return problems
