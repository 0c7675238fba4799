"""Diagrams: Mermaid (drawn in the browser) and PlantUML (SVG at build time).

    md = MarkdownIt("commonmark").use(diagrams_plugin, cache_dir=".cache")
    html = md.render(text, {"path": "content/posts/x.md", "body_line": 5})

``index`` parses and renders, ``plantuml`` runs PlantUML (with its cache and
the server URL encoding), ``svg`` makes PlantUML's SVG safe to inline.
"""

from .plantuml import LocalPlantUML, PlantUMLFailure, Rendered, decode, encode, find_command, fingerprint, server_url
from .svg import inline_svg, prefix_ids, strip_prolog


def __getattr__(name: str):
    # The plugin pulls in markdown-it; the pipeline only needs ``fingerprint`` on a no-change build.
    if name == "diagrams_plugin":
        from .index import diagrams_plugin

        return diagrams_plugin
    raise AttributeError(name)


__all__ = [
    "LocalPlantUML", "PlantUMLFailure", "Rendered", "decode", "diagrams_plugin", "encode", "find_command",
    "fingerprint", "inline_svg", "prefix_ids", "server_url", "strip_prolog",
]
