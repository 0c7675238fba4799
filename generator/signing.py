"""This machine's key for the cache files that must never be trusted from elsewhere.

Two caches hold formats that run code when loaded: namespace checkpoints are
pickles (they restore a cell's variables, functions included), and Jinja's
compiled templates are marshalled code behind a pickled checksum.  A
``.cache/`` folder may come from anywhere (a restored CI cache, a shared
drive), so each such file carries an HMAC-SHA256 made with a secret that
lives outside the site, and is loaded only when the HMAC checks out.  A file
written elsewhere (another machine, another user) is then simply a cache miss.

The secret is 32 random bytes in ``$XDG_CONFIG_HOME/gdblog/cache-key``
(``~/.config/gdblog/cache-key``), created on first use with mode 0600, or
the file named by ``$GDBLOG_CACHE_KEY_FILE``.  When it can be neither read
nor created, :func:`machine_key` returns None and those caches are not used.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path

KEY_FILE_VAR = "GDBLOG_CACHE_KEY_FILE"
KEY_SIZE = 32
MAC_SIZE = 32


def key_file() -> Path:
    named = os.environ.get(KEY_FILE_VAR)
    if named:
        return Path(named)
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(config) / "gdblog" / "cache-key"


@lru_cache(maxsize=4)
def _key_at(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            key = fh.read(KEY_SIZE + 1)
        return key if len(key) == KEY_SIZE else None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:   # another build made it meanwhile
        _key_at.cache_clear()
        return _key_at(path) if os.path.getsize(path) == KEY_SIZE else None
    except OSError:
        return None
    key = os.urandom(KEY_SIZE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def machine_key() -> bytes | None:
    """The secret, or None when there is none to be had (then signed caches are off)."""
    return _key_at(os.fspath(key_file()))


def sign(key: bytes, label: str, data: bytes) -> bytes:
    """The MAC of ``data`` stored under ``label`` (a file's role and name: a valid file
    moved to another name does not verify)."""
    mac = hmac.new(key, label.encode("utf-8") + b"\0", hashlib.sha256)
    mac.update(data)
    return mac.digest()


def verify(key: bytes, label: str, data: bytes, mac: bytes) -> bool:
    return hmac.compare_digest(sign(key, label, data), mac)
