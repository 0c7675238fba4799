"""Social cards: a 1200x630 PNG per post (title, date, site name) for pages shared without a picture.

A post-build step, on when ``social_cards: true``.  The page already points
its ``og:image`` at ``social-card.png`` beside it (see ``render.share_image``,
which marks such pages with the ``social-card`` feature); this step draws the
cards with matplotlib's Agg backend.  A card's key is what it shows, so an
unchanged post never draws again; drawn cards are also kept in
``.cache/social/`` by key, so a build into an empty output folder copies them
instead of drawing.  PNGs are byte-identical from build to build (no
timestamps in the file, matplotlib's bundled DejaVu font).
"""

from __future__ import annotations

import io
import os
import textwrap
from functools import partial
from pathlib import Path

from .manifest import key
from .render import SOCIAL_CARD
from .state import BuildState

OWNER = "(social card)"
#: Changes when the drawing changes, so old cards are not reused.
CARD_VERSION = "1"
WIDTH, HEIGHT, DPI = 12.0, 6.3, 100     # 1200 x 630 pixels, the size social sites crop to
COLORS = {"bg": "#16181c", "fg": "#f2f2ef", "muted": "#b4b8be", "accent": "#7fb0ff"}


def card_png(title: str, date: str, site: str) -> bytes:
    """The card as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor=COLORS["bg"])
    fig.patches.append(Rectangle((0, 0), 0.012, 1, transform=fig.transFigure, color=COLORS["accent"]))
    lines = textwrap.wrap(title, width=30)[:4]
    if len(textwrap.wrap(title, width=30)) > 4:
        lines[-1] = lines[-1].rstrip(" .,;:") + "…"
    size = 54 if len(lines) <= 2 else 44
    fig.text(0.07, 0.86, site, color=COLORS["accent"], fontsize=26, fontweight="bold", va="top")
    fig.text(0.07, 0.52, "\n".join(lines), color=COLORS["fg"], fontsize=size, fontweight="bold", va="center",
             linespacing=1.15)
    if date:
        fig.text(0.07, 0.1, date, color=COLORS["muted"], fontsize=24, va="bottom")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor=COLORS["bg"], metadata={"Software": None})
    return buffer.getvalue()


def _cached(cache: Path | None, k: str, title: str, date: str, site: str) -> bytes | Path:
    """The card from ``.cache/social/`` when drawn before, else drawn now (and kept there)."""
    path = cache / f"{k}.png" if cache is not None else None
    if path is not None and path.is_file():
        return path
    data = card_png(title, date, site)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return data


def make_cards(state: BuildState) -> None:
    """The post-build step: a card for every post whose page uses one."""
    from .theme import _datefmt

    site = state.config.title
    cache = state.cache_dir / "social" if state.options.use_cache and state.cache_dir else None
    for doc in state.site.posts:
        record = state.rendered.get(doc.rel)
        if record is None or "social-card" not in record.features:
            continue
        date = "" if doc.undated else _datefmt(doc.date)
        k = key("social-card", CARD_VERSION, doc.title, date, site)
        folder = doc.out_path.rsplit("/", 1)[0] + "/" if "/" in doc.out_path else ""
        state.outputs.reuse_or_make(folder + SOCIAL_CARD, k, partial(_cached, cache, k, doc.title, date, site),
                                    owner=OWNER)
