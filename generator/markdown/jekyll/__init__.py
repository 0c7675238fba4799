"""Jekyll compatibility: the Liquid subset math posts use, and kramdown's syntax as plugins.

* :mod:`.liquid` runs on the body before Markdown (``render_liquid``);
* ``ial_plugin``: ``{: .class #id}`` attribute lists, ALDs, ``{#id}`` header ids;
* ``toc_plugin``: ``* TOC`` + ``{:toc}``;
* ``extensions_plugin``: ``{::comment}``, ``{::nomarkdown}``, ``{::options /}``;
* ``includes_plugin``: expands ``{% include %}`` placeholders left by the Liquid stage;
* ``mathjax_scripts_plugin``: drops in-body MathJax configuration scripts;
* ``html_math_plugin``: marks math written inside raw HTML blocks for MathJax.
"""

from .extensions import extensions_plugin
from .htmlmath import html_math_plugin
from .ial import ial_plugin
from .includes import includes_plugin
from .liquid import LiquidContext, has_liquid, render_liquid
from .mathjax import mathjax_scripts_plugin
from .toc import toc_plugin

__all__ = [
           "LiquidContext",
           "extensions_plugin",
           "has_liquid",
    "html_math_plugin",
           "ial_plugin",
           "includes_plugin",
           "mathjax_scripts_plugin",
           "render_liquid",
           "toc_plugin",
]
