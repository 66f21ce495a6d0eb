"""Cheap Decision constructors for the hot checks (no classmethod binding, no details copy)."""

from __future__ import annotations

from typing import Any

from dorado_tui.domain.decisions import Decision


def ok(check: str, reason: str, figure: float | None = None, limit: float | None = None,
       **details: Any) -> Decision:
    """A passing decision."""
    return Decision(check, True, "OK", reason, figure, limit, details)


def deny(check: str, code: str, reason: str, figure: float | None = None, limit: float | None = None,
         **details: Any) -> Decision:
    """A failing decision with its stable code."""
    return Decision(check, False, code, reason, figure, limit, details)
