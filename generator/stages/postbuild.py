"""Post-build steps: work on the finished site before it is swapped in (search index, social cards).

A step is a :class:`PostBuildStep` in :data:`STEPS`.  It runs after every page,
list page and file of the new site is in the outputs ledger, sees the whole
:class:`~generator.state.BuildState`, and writes its own outputs through
``state.outputs.reuse_or_make`` with a key of what it read, so an unchanged
site re-runs nothing.  A step whose ``enabled(config)`` is false is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config import SiteConfig
from ..search import build_index
from ..social import make_cards
from ..state import BuildState


@dataclass(frozen=True)
class PostBuildStep:
    name: str
    run: Callable[[BuildState], None]
    enabled: Callable[[SiteConfig], bool] = lambda config: True


#: The steps, in the order they run.
STEPS: list[PostBuildStep] = [
    # the social cards first: a card is an image file, not a page, so the index does not read it
    PostBuildStep("social cards", make_cards, lambda config: config.social_cards),
    PostBuildStep("search index", build_index, lambda config: config.search),
]


def run(state: BuildState) -> None:
    for step in STEPS:
        if step.enabled(state.config):
            step.run(state)
