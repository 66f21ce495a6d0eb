"""Fixtures of the configuration tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfgkit import make_home

from dorado_tui.home import Home


@pytest.fixture
def home(tmp_path: Path) -> Home:
    """A small valid home (see cfgkit.make_home)."""
    return make_home(tmp_path / "home")
