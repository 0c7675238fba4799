"""Executable cells in Markdown: the markdown-it plugin and the program extractor.

    md = MarkdownIt("commonmark").use(cells_plugin)
    tokens = md.parse(body)
    cells, inline = extract_program(tokens, line_offset=front_matter_lines,
                                    defaults=exec_defaults.options, path="content/posts/x.md")
    ... execute_posts(...) ...
    html = md.renderer.render(tokens, md.options, {"exec": post_result})
"""

from generator.markdown.cells.index import cells_plugin
from generator.markdown.cells.program import extract_program
from generator.markdown.cells.render import repro_note_html

__all__ = ["cells_plugin", "extract_program", "repro_note_html"]
