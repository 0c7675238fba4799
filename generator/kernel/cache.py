"""The on-disk layout of the execution cache (the site's ``.cache/exec/``), and its validation.

::

    entries/ab/<cell key>.json     outputs, files read, files written of one cell run
    inline/ab/<inline key>.json    the value of one inline expression
    blobs/ab/<sha256>.<ext>        figures, content-addressed (the worker writes them)
    ckpt/ab/<state>.pkl            namespace checkpoint after a cell (see _worker.checkpoint)
    ckpt/ab/<state>.pkl.mac        its HMAC with this machine's key (see generator.signing)
    posts/<post id>.json           the post's last run: key components and its entries,
                                   read first so a cached post costs one file read
    stamps.json                    content-hash memo of files (hashing.StampMemo)
    tmp/                           scratch space of running workers

Every write goes to a temporary name first and is renamed into place, so an
interrupted build never leaves a half-written entry behind.

The folder may come from anywhere (a restored CI cache), so nothing read from
it is trusted: every JSON file is checked for the exact shape the code uses
(:func:`valid_entry`, :func:`valid_record`), a figure's bytes are checked
against the hash in its name before it is used (see ``plan._stale``), and a
checkpoint -- a pickle, which runs code when loaded -- is handed to a worker
only when its HMAC, made with a key that never leaves this machine, checks
out.  Anything invalid is a cache miss: the cell runs again, with one warning
naming the file (:attr:`ExecCache.damaged`), and the damaged file is removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
from pathlib import Path

from generator.kernel.hashing import digest
from generator.signing import MAC_SIZE, machine_key, sign, verify

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_OUTPUT_KINDS = {"stream", "text", "html", "error"}
_IMAGE_TYPES = {"svg": "image/svg+xml", "png": "image/png", "gif": "image/gif"}
#: Label of checkpoint MACs (a checkpoint's MAC is bound to its state: it cannot be moved).
_CHECKPOINT_LABEL = "exec-checkpoint:"


class ExecCache:
    def __init__(self, root: Path, *, site_root: Path | None = None):
        self.root = Path(root)
        self.site_root = site_root
        #: Cache files found damaged this build (shown paths), for one warning each.
        self.damaged: list[str] = []
        self._lock = threading.Lock()

    # -- damage --------------------------------------------------------------
    def shown(self, path: Path) -> str:
        if self.site_root is not None:
            try:
                return path.relative_to(self.site_root).as_posix()
            except ValueError:
                pass
        return str(path)

    def report_damage(self, path: Path) -> None:
        """Remember a damaged file (one warning per file) and remove it: it is rewritten by the re-run."""
        with self._lock:
            shown = self.shown(path)
            if shown not in self.damaged:
                self.damaged.append(shown)
        with contextlib.suppress(OSError):
            path.unlink()

    def _read_valid(self, path: Path, check) -> dict | None:
        data = _read_json(path)
        if data is _MISSING:
            return None
        if not check(data):
            self.report_damage(path)
            return None
        return data

    # -- entries -----------------------------------------------------------
    def entry(self, key: str) -> dict | None:
        return self._read_valid(self._sharded("entries", key, ".json"), valid_entry)

    def put_entry(self, key: str, entry: dict) -> None:
        self._write(self._sharded("entries", key, ".json"), entry)

    def inline(self, key: str) -> str | None:
        data = self._read_valid(self._sharded("inline", key, ".json"),
                                lambda d: isinstance(d, dict) and isinstance(d.get("value"), str))
        return data["value"] if data else None

    def put_inline(self, key: str, value: str) -> None:
        self._write(self._sharded("inline", key, ".json"), {"value": value})

    # -- files ---------------------------------------------------------------
    @property
    def blob_dir(self) -> Path:
        return self.root / "blobs"

    def blob_path(self, content_hash: str, ext: str) -> Path:
        return self.root / "blobs" / content_hash[:2] / f"{content_hash}.{ext}"

    def checkpoint_path(self, state: str) -> Path:
        return self._sharded("ckpt", state, ".pkl")

    def has_checkpoint(self, state: str | None) -> bool:
        return state is not None and self.checkpoint_path(state).is_file()

    def adopt_checkpoint(self, tmp: str, state: str) -> None:
        """Move a checkpoint the worker wrote to a scratch path to its keyed place, signed.

        Without a key for this machine (see generator.signing) checkpoints are not kept:
        an unsigned one could never be loaded again.
        """
        key = machine_key()
        if key is None:
            os.unlink(tmp)
            return
        path = self.checkpoint_path(state)
        with open(tmp, "rb") as fh:
            mac = sign(key, _CHECKPOINT_LABEL + state, fh.read())
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, path)
        _write_bytes(path.with_name(path.name + ".mac"), mac)

    def verified_checkpoint(self, state: str) -> Path | None:
        """A private copy of the checkpoint after ``state`` for a worker to load, when its MAC
        checks out; None otherwise (then the cells before it are run again).

        The worker loads the copy, never the cache's file: what it unpickles is
        exactly the bytes that were verified.
        """
        key = machine_key()
        path = self.checkpoint_path(state)
        if key is None:
            return None
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            with open(path.with_name(path.name + ".mac"), "rb") as fh:
                mac = fh.read(MAC_SIZE + 1)
        except OSError:
            return None
        if len(mac) != MAC_SIZE or not verify(key, _CHECKPOINT_LABEL + state, data, mac):
            self.report_damage(path)
            with contextlib.suppress(OSError):
                path.with_name(path.name + ".mac").unlink()
            return None
        copy = self.scratch_dir() / f"restore-{state[:16]}.{os.getpid()}.{threading.get_ident()}.pkl"
        _write_bytes(copy, data)
        return copy

    def remove_checkpoint(self, state: str) -> None:
        path = self.checkpoint_path(state)
        for victim in (path, path.with_name(path.name + ".mac")):
            with contextlib.suppress(OSError):
                victim.unlink()

    def scratch_dir(self) -> Path:
        path = self.root / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- per-post records ----------------------------------------------------
    def record(self, post_key: str) -> dict | None:
        return self._read_valid(self.record_path(post_key), valid_record)

    def put_record(self, post_key: str, record: dict) -> None:
        self._write(self.record_path(post_key), record)

    def record_path(self, post_key: str) -> Path:
        return self.root / "posts" / f"{digest('post', post_key)[:32]}.json"

    def _sharded(self, kind: str, key: str, ext: str) -> Path:
        return self.root / kind / key[:2] / f"{key}{ext}"

    def _write(self, path: Path, data: dict) -> None:
        try:
            _write_json(path, data)
        except OSError as exc:
            from generator.fileio import os_error

            raise os_error(exc, "write the execution cache (cells' outputs and figures are kept there)",
                           path, self.site_root) from None


_MISSING = object()


def _read_json(path: Path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return _MISSING
    except (OSError, ValueError, RecursionError):
        return None   # unreadable or not JSON: damaged


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, separators=(",", ":"), sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------- shapes

def _str_map(value, item=str) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, item) for k, v in value.items())


def _str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def valid_output(out) -> bool:
    if not isinstance(out, dict):
        return False
    kind = out.get("kind")
    if kind == "image":
        return (isinstance(out.get("blob"), str) and bool(_HEX64.match(out["blob"]))
                and out.get("ext") in _IMAGE_TYPES and out.get("mime") == _IMAGE_TYPES[out["ext"]])
    return kind in _OUTPUT_KINDS and isinstance(out.get("text", ""), str) and isinstance(out.get("name", ""), str)


def valid_entry(entry) -> bool:
    """The shape session.py writes and plan.py / results.py read."""
    return (isinstance(entry, dict)
            and isinstance(entry.get("outputs"), list) and all(valid_output(o) for o in entry["outputs"])
            and _str_map(entry.get("files"))
            and _str_list(entry.get("written", []))
            and isinstance(entry.get("lines", []), list)
            and all(isinstance(p, list) and len(p) == 2 and all(type(n) is int for n in p)
                    for p in entry.get("lines", []))
            and isinstance(entry.get("seconds", 0.0), (int, float))
            and isinstance(entry.get("checkpoint", False), bool)
            and isinstance(entry.get("checkpoint_note", ""), str))


def valid_record(record) -> bool:
    """The shape session.write_record writes (entries inside are checked when used)."""
    cells = record.get("cells") if isinstance(record, dict) else None
    return (isinstance(record, dict)
            and _str_map(record.get("env"))
            and isinstance(cells, list)
            and all(isinstance(c, dict) and isinstance(c.get("src"), str) and isinstance(c.get("opts"), str)
                    and isinstance(c.get("eval", True), bool) for c in cells)
            and _str_map(record.get("entries"), dict)
            and _str_map(record.get("inline", {}))
            and _str_list(record.get("inline_exprs", []))
            and _str_list(record.get("checkpoints", [])))


def damage_warnings(cache: ExecCache) -> list:
    """One warning per damaged cache file found this build."""
    from generator.errors import Diagnostic

    return [Diagnostic(path, None, "cache entry was damaged; re-running the cells that need it",
                       "it is rewritten by this build (a cache restored from elsewhere, or a disk problem?)")
            for path in cache.damaged]

