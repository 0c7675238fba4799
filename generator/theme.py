"""Templates and theme assets, with the site's own files taking precedence.

A site may override any built-in template by putting a file of the same name
in its ``templates/`` folder, and any theme asset under ``assets/theme/``.
Each template gets a fingerprint covering itself and everything it extends,
includes or imports, so a change re-renders exactly the pages that use it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

from .errors import BuildError
from .resources import builtin
from .fileio import os_error, read_bytes

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
        self._site_root = site_root
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
        on_disk = None
        if self._cache_dir is not None:
            # compiled templates survive between builds (a one-post rebuild need not recompile them)
            on_disk = signed_bytecode_cache(self._cache_dir)
        env = jinja2.Environment(
            bytecode_cache=process_bytecode_cache(on_disk, self._cache_dir),
            loader=_site_loader(jinja2, self.dirs, self._site_root),
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
            path = folder / name
            if os.path.lexists(path):
                _check_template(path, self._site_root)
                return path
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
                data = read_bytes(path, _shown(path, self._site_root))
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


def pygments_css(light: str, dark: str, site_root: Path | None = None) -> str:
    """The stylesheet of the two Pygments styles; an unknown name is an error at its config line."""
    for key, name in (("highlight_light", light), ("highlight_dark", dark)):
        if not _style_exists(name):
            from pygments.styles import get_all_styles

            from .config import CONFIG_NAME, config_line

            raise BuildError(f"unknown Pygments style {name!r} for {key}", path=CONFIG_NAME,
                             line=config_line(site_root, key) if site_root is not None else None,
                             hint="known styles: " + ", ".join(sorted(get_all_styles())))
    return _stylesheet(light, dark)


@lru_cache(maxsize=8)
def _stylesheet(light: str, dark: str) -> str:
    from .markdown.highlight import stylesheet

    return stylesheet(light, dark)


@lru_cache(maxsize=16)
def _style_exists(name: str) -> bool:
    from pygments.styles import get_style_by_name
    from pygments.util import ClassNotFound

    try:
        get_style_by_name(name)
    except (ClassNotFound, ImportError, ValueError):
        return False
    return True


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _check_template(path: Path, site_root: Path) -> None:
    """A site's template must be a regular file inside the site (or the built-in theme)."""
    real = os.path.realpath(path)
    inside = any(real == base or real.startswith(base + os.sep)
                 for base in (os.path.realpath(site_root), os.path.realpath(builtin("templates"))))
    if not inside:
        raise BuildError(f"is a symlink to {os.readlink(path)}, outside the site", path=_shown(path, site_root),
                         hint="copy the template into templates/")
    if not os.path.isfile(real):
        raise BuildError("is not a regular file (a dangling link, a FIFO, a device?)",
                         path=_shown(path, site_root), hint="templates must be regular files")


def _site_loader(jinja2, dirs: list[Path], site_root: Path):
    """Jinja's file loader, with the checks of :func:`_check_template` and located read errors."""

    class SiteLoader(jinja2.FileSystemLoader):
        def get_source(self, environment, template):
            for folder in dirs:
                path = folder / template
                if os.path.lexists(path):
                    _check_template(path, site_root)
                    break
            try:
                return super().get_source(environment, template)
            except OSError as exc:
                raise os_error(exc, "read this template", exc.filename, site_root) from None

    return SiteLoader([str(d) for d in dirs])


#: Templates compiled in this process: Jinja's bytes by cache key (each holds its source's
#: checksum, which Jinja checks on load).  Made here, so never untrusted.
_COMPILED: dict[str, bytes] = {}
#: (cache folder, key) of the compiled templates this process knows to be in that folder.
_STORED: set[tuple[str, str]] = set()


def process_bytecode_cache(on_disk, folder: Path | None):
    """Jinja's bytecode cache: this process's compiled templates first, then ``on_disk``
    (the site's ``folder``), which also receives them, so a later process finds them there.

    Every build makes a new Environment; a process that builds again (``serve``,
    the tests) then reuses what it compiled instead of compiling each template anew.
    """
    import jinja2

    def store(bucket) -> None:
        if on_disk is not None and (str(folder), bucket.key) not in _STORED:
            on_disk.dump_bytecode(bucket)
            _STORED.add((str(folder), bucket.key))

    class ProcessBytecodeCache(jinja2.BytecodeCache):
        def load_bytecode(self, bucket) -> None:
            known = _COMPILED.get(bucket.key)
            if known is not None:
                bucket.bytecode_from_string(known)   # resets itself when the source changed
                if bucket.code is not None:
                    store(bucket)
                    return
            if on_disk is not None:
                on_disk.load_bytecode(bucket)
                if bucket.code is not None:
                    _COMPILED[bucket.key] = bucket.bytecode_to_string()
                    _STORED.add((str(folder), bucket.key))

        def dump_bytecode(self, bucket) -> None:
            _COMPILED[bucket.key] = bucket.bytecode_to_string()
            _STORED.discard((str(folder), bucket.key))   # a new compilation: the folder holds an older one
            store(bucket)

    return ProcessBytecodeCache()


#: Label of the compiled-template files this module signs (see generator/signing.py).
_BUCKET_LABEL = "jinja-bytecode:"


def signed_bytecode_cache(folder: Path):
    """Jinja's bytecode cache, with every file signed with this machine's key.

    Jinja's own cache files start with a pickle and hold marshalled code: loading
    one from a cache restored from elsewhere would run whatever it contains.  These
    files are ``MAC + Jinja's bytes``, loaded only when the MAC checks out; a file
    that does not (damaged, or written elsewhere) is a miss and the template is
    compiled again.  Without a key (see :func:`generator.signing.machine_key`),
    templates are compiled on every build.
    """
    import jinja2

    from .signing import MAC_SIZE, machine_key, sign, verify

    found = machine_key()
    if found is None:
        return None
    key: bytes = found

    class SignedBytecodeCache(jinja2.BytecodeCache):
        def _path(self, bucket) -> str:
            return os.path.join(folder, f"{bucket.key}.signed")

        def load_bytecode(self, bucket) -> None:
            try:
                with open(self._path(bucket), "rb") as fh:
                    data = fh.read()
            except OSError:
                return
            mac, body = data[:MAC_SIZE], data[MAC_SIZE:]
            if len(mac) != MAC_SIZE or not verify(key, _BUCKET_LABEL + bucket.key, body, mac):
                return
            try:
                bucket.bytecode_from_string(body)
            except Exception:  # signed by us but unreadable (another Python?): compile again
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            body = bucket.bytecode_to_string()
            path = self._path(bucket)
            tmp = f"{path}.{os.getpid()}.tmp"
            try:
                os.makedirs(folder, exist_ok=True)
                with open(tmp, "wb") as fh:
                    fh.write(sign(key, _BUCKET_LABEL + bucket.key, body) + body)
                os.replace(tmp, path)
            except OSError:  # only an accelerator: a read-only cache compiles every time
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    return SignedBytecodeCache()
