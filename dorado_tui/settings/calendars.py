"""Exchange calendar names, from exchange_calendars (imported only for an uncommon name)."""

from __future__ import annotations

from functools import cache

#: Names every Dorado home uses; all are exchange_calendars names (a test checks), and knowing
#: them spares `dorado config check` the import of exchange_calendars and pandas (~1 s).
COMMON = frozenset({"XNYS", "XNAS", "XCBF", "CMES", "XLON", "XTKS", "24/5", "24/7"})


def is_calendar(name: str) -> bool:
    """Whether exchange_calendars knows `name`."""
    return name in COMMON or name in calendar_names()


@cache
def calendar_names() -> tuple[str, ...]:
    """Every calendar name and alias exchange_calendars knows (XNYS, 24/5, 24/7, ...)."""
    import exchange_calendars

    return tuple(sorted(exchange_calendars.get_calendar_names(include_aliases=True)))
