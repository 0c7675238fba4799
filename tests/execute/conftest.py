"""Fixtures for execution tests (helpers live in exec_testutils)."""

import pytest
from exec_testutils import Site, make_site


@pytest.fixture
def site(tmp_path) -> Site:
    """A throwaway site (this folder's own, not the build fixture of tests/conftest.py)."""
    return make_site(tmp_path)
