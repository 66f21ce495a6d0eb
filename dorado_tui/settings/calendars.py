"""Exchange calendar names, from exchange_calendars (imported only when a name is checked)."""

from __future__ import annotations

from functools import cache


@cache
def calendar_names() -> tuple[str, ...]:
    """Every calendar name and alias exchange_calendars knows (XNYS, 24/5, 24/7, ...)."""
    import exchange_calendars

    return tuple(sorted(exchange_calendars.get_calendar_names(include_aliases=True)))
