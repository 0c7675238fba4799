"""The lists stage: index pages, tag pages, archives, feed, sitemap, robots.txt, 404.

A list page's key (:func:`list_key`) is a hash of the data it shows (each post
entry hashed once per build), its template and the site fingerprint, so after
a one-post edit only the list pages that show something that changed are
rendered again.
"""

from __future__ import annotations

from ..listing import ListPage, list_pages
from ..listing import fingerprint as listing_fingerprint
from ..manifest import key
from ..pool import render_list_job
from ..state import BuildState

#: Owner name of generated pages in the outputs ledger.
GENERATED = "(generated page)"


def list_key(state: BuildState, item: ListPage, entry_digests: dict[int, str]) -> str:
    # has_math and features follow from the entries in item.data, which are in the key
    return key(state.fingerprints.site, state.theme.fingerprint(item.template),
               listing_fingerprint(item.data, entry_digests))


def run(state: BuildState) -> None:
    bodies = {rel: body for rel, (_, body) in state.new.bodies.items()}
    todo = []
    entry_digests: dict[int, str] = {}
    for item in list_pages(state.site.posts, state.site.pages, state.rendered, state.config, bodies):
        k = list_key(state, item, entry_digests)
        if state.outputs.reuse(item.out_path, k, owner=f"{GENERATED} {item.url}"):
            state.report.reused += 1
        else:
            todo.append((item, k))
    state.report.rendered += len(todo)
    if todo:
        state.outputs.staging.open()
    for (item, _), (out_path, k, stat) in zip(todo, state.pool.map(render_list_job, todo)):
        state.outputs.record(out_path, k, stat, owner=f"{GENERATED} {item.url}")
