"""The on-disk layout of the execution cache (the site's ``.cache/exec/``).

::

    entries/ab/<cell key>.json     outputs, files read, files written of one cell run
    inline/ab/<inline key>.json    the value of one inline expression
    blobs/ab/<sha256>.<ext>        figures, content-addressed (the worker writes them)
    ckpt/ab/<state>.pkl            namespace checkpoint after a cell (see _worker.checkpoint)
    posts/<post id>.json           the post's last run: key components and its entries,
                                   read first so a cached post costs one file read
    stamps.json                    content-hash memo of files (hashing.StampMemo)
    tmp/                           scratch space of running workers

Every write goes to a temporary name first and is renamed into place, so an
interrupted build never leaves a half-written entry behind.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from generator.kernel.hashing import digest


class ExecCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    # -- entries -----------------------------------------------------------
    def entry(self, key: str) -> dict | None:
        return _read_json(self._sharded("entries", key, ".json"))

    def put_entry(self, key: str, entry: dict) -> None:
        _write_json(self._sharded("entries", key, ".json"), entry)

    def inline(self, key: str) -> str | None:
        data = _read_json(self._sharded("inline", key, ".json"))
        return data.get("value") if data else None

    def put_inline(self, key: str, value: str) -> None:
        _write_json(self._sharded("inline", key, ".json"), {"value": value})

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
        """Move a checkpoint the worker wrote to a scratch path to its keyed place."""
        path = self.checkpoint_path(state)
        path.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, path)

    def scratch_dir(self) -> Path:
        path = self.root / "tmp"
        path.mkdir(parents=True, exist_ok=True)
        return path

    # -- per-post records ----------------------------------------------------
    def record(self, post_key: str) -> dict | None:
        return _read_json(self._record_path(post_key))

    def put_record(self, post_key: str, record: dict) -> None:
        _write_json(self._record_path(post_key), record)

    def _record_path(self, post_key: str) -> Path:
        return self.root / "posts" / f"{digest('post', post_key)[:32]}.json"

    def _sharded(self, kind: str, key: str, ext: str) -> Path:
        return self.root / kind / key[:2] / f"{key}{ext}"


def _read_json(path: Path) -> dict | None:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, separators=(",", ":"), sort_keys=True)
    os.replace(tmp, path)
