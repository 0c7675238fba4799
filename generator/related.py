"""Links between posts besides previous/next: the parts of a series, and related posts by tags.

Both are computed once per build from the post list (newest first) and handed
to each post's page; what a page shows of them is part of its cache key, so a
retitled post re-renders the pages that link to it and nothing else.

* ``series: Name`` in front matter puts a post in a series; its parts are
  ordered by date (oldest is part 1) and each page shows "Part 2 of 4" with
  links to the other parts.
* Related posts share tags with the post: most shared tags first, then the
  newest; at most :data:`RELATED_LIMIT`.  Posts with the same set of tags have
  the same candidates, so the counting is done once per distinct set: a
  thousand posts over a few dozen tag sets cost a few milliseconds.
"""

from __future__ import annotations

import heapq
from collections import Counter

from .document import Document
from .urls import slugify

RELATED_LIMIT = 3


def series_of(posts: list[Document]) -> dict[str, dict]:
    """rel -> {"name", "part", "total", "parts": [{"title", "url"}]} for every post in a series."""
    groups: dict[str, list[Document]] = {}
    names: dict[str, str] = {}
    for doc in posts:
        name = doc.meta.get("series")
        if isinstance(name, (str, int, float)) and not isinstance(name, bool) and str(name).strip():
            slot = slugify(str(name)) or str(name)
            groups.setdefault(slot, []).append(doc)
            names.setdefault(slot, str(name).strip())
    found: dict[str, dict] = {}
    for slot, members in groups.items():
        members = sorted(members, key=lambda d: (d.date, d.rel))
        parts = [{"title": d.title, "url": d.url} for d in members]
        for i, doc in enumerate(members):
            found[doc.rel] = {"name": names[slot], "part": i + 1, "total": len(members), "parts": parts}
    return found


def related_posts(posts: list[Document], limit: int = RELATED_LIMIT) -> dict[str, list[dict]]:
    """rel -> up to ``limit`` posts ({"title", "url"}) sharing the most tags with it, newest first on ties."""
    slugs: dict[str, str] = {}  # tags are few and repeat: slugify each once
    tag_sets = [frozenset(slugs.get(t) or slugs.setdefault(t, slugify(t)) for t in doc.tags) for doc in posts]
    by_tag: dict[str, list[int]] = {}
    for position, tags in enumerate(tag_sets):
        for tag in tags:
            by_tag.setdefault(tag, []).append(position)
    ranked: dict[frozenset, list[int]] = {}
    found: dict[str, list[dict]] = {}
    links = [{"title": doc.title, "url": doc.url} for doc in posts]
    for position, doc in enumerate(posts):
        tags = tag_sets[position]
        if not tags:
            continue
        if tags not in ranked:
            counts: Counter[int] = Counter()
            for tag in tags:
                counts.update(by_tag[tag])
            # one more than needed: the post itself is among its own candidates
            ranked[tags] = [p for p, _ in heapq.nsmallest(limit + 1, counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        picks = [p for p in ranked[tags] if p != position][:limit]
        if picks:
            found[doc.rel] = [links[p] for p in picks]
    return found
