"""Ex-dividend calendars of the simulated ETFs (SPY on the third Friday of a quarter, TLT monthly, …)."""

from __future__ import annotations

from datetime import date

import numpy as np

from dorado_tui.market.calendar import (
    CalendarKind,
    first_session_of_month,
    session_after,
    session_on_or_before,
    third_friday,
)


def ex_dividend_day(rule: str, year: int, month: int) -> date | None:
    """The ex-date of one payment under a listing rule (None for rule "none")."""
    kind = CalendarKind.XNYS
    if rule == "third_friday":
        return session_on_or_before(kind, third_friday(year, month))
    if rule == "after_third_friday":
        return session_after(kind, third_friday(year, month))
    if rule == "first_session":
        return first_session_of_month(kind, year, month)
    return None


def ex_dividend_days(rule: str, months: tuple[int, ...], start: date, end: date) -> np.ndarray:
    """Ex-dates within [start, end] as datetime64[D], ascending."""
    out: list[date] = []
    for year in range(start.year, end.year + 1):
        for month in months:
            day = ex_dividend_day(rule, year, month)
            if day is not None and start <= day <= end:
                out.append(day)
    return np.array(sorted(out), dtype="datetime64[D]")
