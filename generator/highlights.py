"""The highlighted-code cache between builds (``.cache/build/highlight.pickle``).

Read only when some page has to be rendered, so a no-change build never
touches it; rewritten to hold exactly the code blocks the site still uses.
Tied to the generator's code version and to Pygments' version.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from .markdown.highlight import HighlightMemo, use_memo


def _stamp(code_version: str) -> str:
    import pygments

    return f"{code_version}|{pygments.__version__}"


def load(path: Path | None, code_version: str) -> HighlightMemo:
    """Install (and return) the memo for this build's render workers."""
    known: dict[str, str] = {}
    if path is not None:
        try:
            with open(path, "rb") as fh:
                stored = pickle.load(fh)
            if stored.get("version") == _stamp(code_version):
                known = stored["entries"]
        except Exception:  # missing or unreadable: it is only an accelerator
            known = {}
    memo = HighlightMemo(known)
    use_memo(memo)
    return memo


def save(path: Path, code_version: str, memo: HighlightMemo, fresh: dict[str, str], documents) -> None:
    """Keep the entries some page still uses; write only if that set changed."""
    entries = {}
    for doc in documents:
        for key in doc.highlight_keys:
            value = fresh.get(key, memo.known.get(key))
            if value is not None:
                entries[key] = value
    if entries.keys() == memo.known.keys():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump({"version": _stamp(code_version), "entries": entries}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
