"""Helpers for execution tests: a throwaway site with posts, executed for real.

(Not named conftest: tests/gdcore has one too, and ``from conftest import`` would be ambiguous.)
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from markdown_it import MarkdownIt  # noqa: E402

from generator.kernel import ExecRequest, execute_posts, resolve_defaults  # noqa: E402
from generator.markdown.cells import cells_plugin, extract_program  # noqa: E402


@dataclass
class Site:
    root: Path
    cache: Path

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def request(self, rel: str, *, exec_settings: dict | None = None) -> ExecRequest:
        """Parse the post like the pipeline does and build its ExecRequest."""
        path = self.root / rel
        md = MarkdownIt("commonmark").use(cells_plugin)
        defaults = resolve_defaults(None, exec_settings)
        cells, inline = extract_program(md.parse(path.read_text(encoding="utf-8")),
                                        defaults=defaults, path=rel)
        return ExecRequest(key=rel, display_path=rel, source_path=path, cwd=path.parent,
                           cells=cells, inline=inline, seed=defaults.seed)

    def execute(self, *rels: str, **options):
        requests = [self.request(r) if isinstance(r, str) else r for r in rels]
        options.setdefault("gdcore_hash", "test-gdcore")
        options.setdefault("jobs", 2)
        return execute_posts(requests, cache_dir=self.cache, site_root=self.root,
                             project_root=PROJECT_ROOT, **options)


def make_site(tmp_path: Path) -> Site:
    root = tmp_path / "site"
    (root / "content" / "posts").mkdir(parents=True)
    return Site(root, root / ".cache" / "exec")


def fence(code: str, *options: str) -> str:
    """A ```{python} cell (options as 'key: value' strings)."""
    opts = "".join(f"#| {o}\n" for o in options)
    return f"```{{python}}\n{opts}{textwrap.dedent(code).strip()}\n```\n"
