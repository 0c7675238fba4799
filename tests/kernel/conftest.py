"""Fixtures for execution tests (helpers live in exec_testutils)."""

import pytest
from exec_testutils import Site, make_site

from generator.kernel import runner


@pytest.fixture
def site(tmp_path) -> Site:
    """A throwaway site (this folder's own, not the build fixture of tests/conftest.py)."""
    return make_site(tmp_path)


@pytest.fixture
def zygote_for_every_build(monkeypatch):
    """Fork every worker from a zygote, even in one- and two-post builds.

    Real builds use one only when posts outnumber the parallel slots, so
    without this the small builds of tests would exercise plain workers
    only.  Used by the modules about how workers run and fail (pytestmark);
    the cache tests keep the real rule: a zygote's start-up would cost each
    of their many small builds ~0.6 s of CPU for nothing.
    """
    monkeypatch.setattr(runner, "zygote_pays", lambda posts, parallel: True)
    monkeypatch.delenv(runner.NO_ZYGOTE_VAR, raising=False)
