"""Templates and theme assets, with the site's own files taking precedence.

A site may override any built-in template by putting a file of the same name
in its ``templates/`` folder, and any theme asset under ``assets/theme/``.
Each template gets a fingerprint covering itself and everything it extends,
includes or imports, so a change re-renders exactly the pages that use it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from .errors import BuildError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILTIN_TEMPLATES = PROJECT_ROOT / "templates"
BUILTIN_THEME_ASSETS = PROJECT_ROOT / "assets" / "theme"


def _isodate(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


def _datefmt(value: dt.datetime | None, fmt: str = "%B %d, %Y") -> str:
    if not value:
        return ""
    return value.strftime(fmt).replace(" 0", " ")


class Theme:
    """The Jinja environment of one build, with per-template fingerprints."""

    def __init__(self, site_root: Path, base_path: str, absolute_base: str):
        import jinja2

        self.dirs = [d for d in (site_root / "templates", BUILTIN_TEMPLATES) if d.is_dir()]
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in self.dirs]),
            autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
            undefined=jinja2.ChainableUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            auto_reload=False, cache_size=-1,
        )
        self.env.filters["isodate"] = _isodate
        self.env.filters["datefmt"] = _datefmt
        self.env.filters["tojson"] = lambda v: json.dumps(v, sort_keys=True)
        self.env.globals["url"] = lambda path: base_path + str(path).lstrip("/")
        self.env.globals["abs_url"] = lambda path: absolute_base + "/" + str(path).lstrip("/")
        self._fingerprints: dict[str, str] = {}

    def source_path(self, name: str) -> Path | None:
        for folder in self.dirs:
            if (folder / name).is_file():
                return folder / name
        return None

    def fingerprint(self, name: str) -> str:
        """Hash of a template and every template it pulls in."""
        if name not in self._fingerprints:
            import jinja2.meta

            seen: dict[str, bytes] = {}
            todo = [name]
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                path = self.source_path(current)
                if path is None:
                    raise BuildError(f"template {current!r} not found in {', '.join(map(str, self.dirs))}")
                data = path.read_bytes()
                seen[current] = data
                try:
                    ast = self.env.parse(data.decode("utf-8"))
                except Exception as exc:
                    line = getattr(exc, "lineno", None)
                    raise BuildError(f"template error: {exc}", path=str(path), line=line) from None
                todo.extend(t for t in jinja2.meta.find_referenced_templates(ast) if t)
            digest = hashlib.sha1()
            for key in sorted(seen):
                digest.update(key.encode() + b"\0" + seen[key] + b"\0")
            self._fingerprints[name] = digest.hexdigest()
        return self._fingerprints[name]

    def render(self, name: str, **context) -> str:
        import jinja2

        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(f"template error: {exc.message}", path=exc.filename or name, line=exc.lineno) from None
        except jinja2.TemplateNotFound as exc:
            raise BuildError(f"template {exc.name!r} not found", hint="add it to templates/ or pick another layout") from None

    def has(self, name: str) -> bool:
        return self.source_path(name) is not None


@lru_cache(maxsize=8)
def pygments_css(light: str, dark: str) -> str:
    from .markdown.highlight import stylesheet

    return stylesheet(light, dark)
