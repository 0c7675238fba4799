"""What outside the post decides its outputs: versions, gdcore, seed.

Versions are read from package metadata, never by importing numpy or
matplotlib into the build process (that alone would cost most of a second).
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform

# Bump when the worker's output format changes, to invalidate old entries.
FORMAT = "2"  # 2: displayed rich values are MIME bundles


#: Libraries whose rendering of a value (a DataFrame's HTML, a chart's spec) is part of a cell's output.
RICH_LIBRARIES = ("pandas", "plotly", "altair", "ipython")


@functools.cache
def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def components(*, post_key: str, gdcore_hash: str, seed: int) -> dict:
    """The key components shared by every cell of a post (for keys and explanations)."""
    return {
        "format": FORMAT,
        "post": post_key,
        "gdcore": gdcore_hash,
        "python": platform.python_version(),
        "numpy": package_version("numpy"),
        "matplotlib": package_version("matplotlib"),
        "pillow": package_version("pillow"),
        # the libraries whose values the worker shows as rich output (tables, charts)
        "rich": ",".join(f"{name} {package_version(name)}" for name in RICH_LIBRARIES),
        "seed": str(seed),
    }


_LABELS = {"format": "cache format", "post": "post path", "gdcore": "gdcore",
           "python": "Python version", "numpy": "numpy version",
           "matplotlib": "matplotlib version", "pillow": "Pillow version",
           "rich": "pandas/plotly/altair/IPython versions", "seed": "seed"}


def describe_changes(old: dict, new: dict) -> str | None:
    """E.g. "numpy version changed (2.4.5 -> 2.4.6)"; None if nothing changed."""
    changes = []
    for key, label in _LABELS.items():
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key == "gdcore":
            changes.append("gdcore changed")
        elif key in ("post", "format"):
            changes.append(f"{label} changed")
        else:
            changes.append(f"{label} changed ({before} -> {after})")
    return "; ".join(changes) or None


def repro(env: dict) -> dict:
    """The reproducibility note for a post: stable across identical builds."""
    return {"gdcore": env["gdcore"][:12], "python": env["python"], "numpy": env["numpy"],
            "matplotlib": env["matplotlib"], "seed": int(env["seed"])}
