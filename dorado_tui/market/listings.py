"""Option listings: which expirations exist on a date and which strikes a chain shows.

Rules follow the US listed market: daily (0DTE) expirations for SPY, QQQ, IWM and SPX, Friday
weeklies, third-Friday monthlies, and a holiday Friday moves the expiry to Thursday. Strikes sit
on a fine grid near the money and a coarse one in the wings; a contract is *valid* when its
expiry follows the rules and its strike is a multiple of the underlying's minimum increment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np

from dorado_tui.market.calendar import CalendarKind, sessions, third_friday
from dorado_tui.market.config import ChainParams

INDEX_UNDERLYINGS = frozenset({"SPX"})
MIN_STRIKE_STEP = {"SPX": 5.0}
_ETF_MIN_STEP = 0.5
_NICE = (0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0)
_WEEKLY_CAP = {"TLT": 4, "GLD": 4}


def min_strike_step(underlying: str) -> float:
    return MIN_STRIKE_STEP.get(underlying, _ETF_MIN_STEP)


def _epoch_to_date(x: np.datetime64) -> date:
    return date.fromisoformat(str(x.astype("datetime64[D]")))


def _session_on_or_before(days: np.ndarray, day: date) -> date | None:
    i = int(np.searchsorted(days, np.datetime64(day, "D"), side="right")) - 1
    return None if i < 0 else _epoch_to_date(days[i])


def expiry_close(expiry: date) -> datetime:
    """When an expiry stops trading: the XNYS close of its date (early closes included)."""
    table = sessions(CalendarKind.XNYS, expiry, expiry)
    i = table.index_of(expiry)
    if i is None:
        raise ValueError(f"{expiry} is not an XNYS session, so nothing expires then")
    return datetime.fromtimestamp(int(table.closes[i]), UTC)


def listed_expirations(underlying: str, moment: datetime, params: ChainParams) -> list[date]:
    """Expirations listed for `underlying` at `moment`, ascending (today's only until its close)."""
    table = sessions(CalendarKind.XNYS, moment.date() - timedelta(days=7),
                     moment.date() + timedelta(days=40 * max(params.monthly_expiries_ahead, 1)))
    first = int(np.searchsorted(table.closes, int(moment.timestamp()), side="right"))
    if first >= len(table):
        return []
    s0 = _epoch_to_date(table.days[first])
    out: set[date] = set()
    if underlying in params.daily_expiry_underlyings:
        out.update(_epoch_to_date(d) for d in table.days[first:first + params.daily_expiries_ahead])
    weeks = min(params.weekly_expiries_ahead, _WEEKLY_CAP.get(underlying, params.weekly_expiries_ahead))
    friday = s0 + timedelta(days=4 - s0.weekday())
    for w in range(weeks):
        day = _session_on_or_before(table.days, friday + timedelta(days=7 * w))
        if day is not None and day >= s0:
            out.add(day)
    year, month = s0.year, s0.month
    for k in range(params.monthly_expiries_ahead + 1):
        y, m = year + (month - 1 + k) // 12, (month - 1 + k) % 12 + 1
        day = _session_on_or_before(table.days, third_friday(y, m))
        if day is not None and day >= s0:
            out.add(day)
    return sorted(out)


def is_listable_expiry(underlying: str, expiry: date, params: ChainParams) -> bool:
    """Whether `expiry` follows the listing rules of `underlying` (ignores how far out it is)."""
    table = sessions(CalendarKind.XNYS, expiry - timedelta(days=10), expiry + timedelta(days=10))
    if table.index_of(expiry) is None:
        return False
    if underlying in params.daily_expiry_underlyings:
        return True
    friday = expiry + timedelta(days=(4 - expiry.weekday()) % 7)
    if _session_on_or_before(table.days, friday) == expiry:
        return True
    return _session_on_or_before(table.days, third_friday(expiry.year, expiry.month)) == expiry


def _nice_step(raw: float, minimum: float) -> float:
    for step in _NICE:
        if step >= raw and step >= minimum and abs(step / minimum - round(step / minimum)) < 1e-9:
            return step
    return _NICE[-1]


def strike_grid(underlying: str, spot: float, atm_vol: float, t_years: float,
                params: ChainParams) -> np.ndarray:
    """Strikes shown in a chain: fine steps near the money, coarse ones out to the wings."""
    minimum = min_strike_step(underlying)
    fine = _nice_step(spot * (0.001 if underlying in INDEX_UNDERLYINGS else 0.002), minimum)
    coarse = fine * 5
    sd = atm_vol * np.sqrt(max(t_years, 2.0 / 365.0))
    width = float(np.clip(params.strike_std_range * sd, params.min_strike_range, params.max_strike_range))
    band = max(0.05, min(1.5 * sd, 0.10))
    lo, hi = spot * (1 - width), spot * (1 + width)
    fine_k = np.arange(np.ceil(spot * (1 - min(band, width)) / fine), np.floor(spot * (1 + min(band, width)) / fine) + 1) * fine
    coarse_k = np.arange(np.ceil(lo / coarse), np.floor(hi / coarse) + 1) * coarse
    grid = np.unique(np.round(np.concatenate([fine_k, coarse_k]), 6))
    return grid[grid > 0]


def is_valid_strike(underlying: str, strike: float) -> bool:
    step = min_strike_step(underlying)
    return strike > 0 and abs(strike / step - round(strike / step)) < 1e-9
