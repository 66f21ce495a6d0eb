"""Shared fixtures: every test runs without network and with a clean Dorado environment."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test inherits the developer's Dorado home or debug switches."""
    for var in ("DORADO_HOME", "DORADO_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def services_required() -> bool:
    """CI sets DORADO_REQUIRE_SERVICES=1: a missing PostgreSQL/Redis then fails instead of skipping."""
    return os.environ.get("DORADO_REQUIRE_SERVICES", "") not in ("", "0")
