"""Templates and theme assets, with the site's own files taking precedence.

A site may override any built-in template by putting a file of the same name
in its ``templates/`` folder, and any theme asset under ``assets/theme/``.
Each template gets a fingerprint covering itself and everything it extends,
includes or imports, so a change re-renders exactly the pages that use it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from .errors import BuildError
from .resources import builtin

#: The built-in assets copied into every site under ``assets/`` (the site's own
#: ``assets/`` wins): the theme's CSS/JS and the embeddable pages.
BUILTIN_ASSET_FOLDERS = ("theme", "embeds")


def builtin_assets() -> dict[str, Path]:
    """Output path below ``assets/`` -> built-in folder, e.g. ``"theme"`` -> the theme's files."""
    return {name: builtin(name) for name in BUILTIN_ASSET_FOLDERS}


def __getattr__(name: str) -> Path:
    # The folders as module constants, for code written before they became package
    # data; resolved on first use so that importing this module never fails.
    if name == "BUILTIN_TEMPLATES":
        return builtin("templates")
    if name == "BUILTIN_THEME_ASSETS":
        return builtin("theme")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _isodate(value: dt.datetime | None) -> str:
    return value.isoformat() if value else ""


def _datefmt(value: dt.datetime | None, fmt: str = "%B %d, %Y") -> str:
    if not value:
        return ""
    return value.strftime(fmt).replace(" 0", " ")


_REFERENCE = re.compile(r"""\{%-?\s*(?:extends|include|import|from)\s+["']([^"']+)["']""")


class Theme:
    """The Jinja environment of one build, with per-template fingerprints."""

    def __init__(self, site_root: Path, base_path: str, absolute_base: str, cache_dir: Path | None = None):
        self.dirs = [d for d in (site_root / "templates", builtin("templates")) if d.is_dir()]
        self._base_path, self._absolute_base = base_path, absolute_base
        self._cache_dir = cache_dir
        self._env = None
        self._fingerprints: dict[str, str] = {}

    @property
    def env(self):
        """The Jinja environment, created on first use (a no-change build never needs it)."""
        if self._env is None:
            self._env = self._make_env()
        return self._env

    def __getstate__(self):
        return {**self.__dict__, "_env": None}

    def _make_env(self):
        import jinja2

        base_path, absolute_base = self._base_path, self._absolute_base
        bytecode_cache = None
        if self._cache_dir is not None:
            # compiled templates survive between builds (a one-post rebuild need not recompile them)
            self._cache_dir.mkdir(parents=True, exist_ok=True)
            bytecode_cache = jinja2.FileSystemBytecodeCache(str(self._cache_dir))
        env = jinja2.Environment(
            bytecode_cache=bytecode_cache,
            loader=jinja2.FileSystemLoader([str(d) for d in self.dirs]),
            autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
            undefined=jinja2.ChainableUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            auto_reload=False, cache_size=-1,
        )
        env.filters["isodate"] = _isodate
        env.filters["datefmt"] = _datefmt
        env.globals["url"] = lambda path: base_path + str(path).lstrip("/")
        env.globals["abs_url"] = lambda path: absolute_base + "/" + str(path).lstrip("/")
        return env

    def source_path(self, name: str) -> Path | None:
        for folder in self.dirs:
            if (folder / name).is_file():
                return folder / name
        return None

    def fingerprint(self, name: str) -> str:
        """Hash of a template and every template it pulls in (found by a regex, so
        that computing it does not need Jinja; a dynamic include is not followed)."""
        if name not in self._fingerprints:
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
                todo.extend(_REFERENCE.findall(data.decode("utf-8", "replace")))
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
            raise BuildError(f"template {exc.name!r} not found",
                             hint="add it to templates/ or pick another layout") from None

    def has(self, name: str) -> bool:
        return self.source_path(name) is not None


@lru_cache(maxsize=8)
def pygments_css(light: str, dark: str) -> str:
    from .markdown.highlight import stylesheet

    return stylesheet(light, dark)
