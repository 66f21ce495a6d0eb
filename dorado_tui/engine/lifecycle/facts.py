"""Market facts for the management rules, from the store's history and the venue's chain.

- ATR (Wilder, 14), Hurst (R/S over the last 128 daily log returns), realized-vol z-score
  (20-day close-to-close vol against its trailing year) and the best/worst price since entry come
  from the daily bars `dorado data` stored, plus today's price;
- IV rank is today's 30-day ATM implied vol (from the venue's chain nearest 30 DTE) ranked
  within the stored IV history of the trailing 252 sessions (quant `iv_rank_percentile`).
Each figure is computed only when a rule asks for it, and is None when its data is missing.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np

from dorado_tui.engine.lifecycle.rules import Facts
from dorado_tui.quant.hurst import hurst
from dorado_tui.quant.indicators import atr
from dorado_tui.quant.volatility import close_to_close, iv_rank_percentile, vol_zscore
from dorado_tui.settings.template_parts import Management
from dorado_tui.store.database import Database
from dorado_tui.store.repos import series
from dorado_tui.venues.base import OptionsVenueAdapter, VenueAdapter

BAR_DAYS = 420
HURST_RETURNS = 128
IV_WINDOW = 252


def needs(m: Management) -> set[str]:
    """Which facts the rules of `m` use."""
    out: set[str] = set()
    if m.vol_exit is not None:
        out.add("iv_rank" if m.vol_exit.trigger == "iv_rank_spike" else "vol_z")
    if m.hurst_exit is not None:
        out.add("hurst")
    if m.stop_loss is not None or m.profit_target is not None or (m.trailing_stop and m.trailing_stop.enabled):
        out |= {"atr", "extremes"}
    return out


def _last(x: np.ndarray) -> float | None:
    finite = x[np.isfinite(x)]
    return float(finite[-1]) if finite.size else None


async def atm_iv(venue: VenueAdapter, underlying: str, spot: float, now: datetime) -> float | None:
    """30-day ATM implied vol: the mean call/put IV at the strike nearest spot, expiry nearest 30 DTE."""
    if not isinstance(venue, OptionsVenueAdapter):
        return None
    expiries = [e for e in await venue.get_expirations(underlying) if (e - now.date()).days >= 7]
    if not expiries:
        return None
    expiry = min(expiries, key=lambda e: abs((e - now.date()).days - 30))
    chain = await venue.get_chain(underlying, expiry)
    near = [c for c in chain.contracts if c.implied_vol is not None and math.isfinite(c.implied_vol)]
    if not near:
        return None
    strike = min((c.strike for c in near), key=lambda k: abs(k - spot))
    ivs = [float(c.implied_vol or 0.0) for c in near if c.strike == strike]
    return sum(ivs) / len(ivs)


async def facts_for(db: Database, venue: VenueAdapter, underlying: str, spot: float | None, opened_at: datetime,
                    now: datetime, want: set[str]) -> Facts:
    """The facts in `want` for one underlying (see the module docstring)."""
    if not want:
        return Facts()
    async with db.read() as s:
        bars = await series.load_bars(s, underlying, "1d", start=now - timedelta(days=BAR_DAYS), end=now)
        iv = await series.load_iv(s, underlying, start=(now - timedelta(days=400)).date(),
                                  end=now.date() - timedelta(days=1)) if "iv_rank" in want else None
    close = bars["close"].to_numpy() if len(bars) else np.array([])
    out: dict[str, float | None] = {}
    if "atr" in want and len(close) > 15:
        out["atr"] = _last(atr(bars["high"].to_numpy(), bars["low"].to_numpy(), close, 14))
    if "hurst" in want and len(close) > HURST_RETURNS:
        value = float(hurst(np.diff(np.log(close[-HURST_RETURNS - 1:]))))
        out["hurst"] = value if math.isfinite(value) else None
    if "vol_z" in want and len(close) > 60:
        out["vol_z"] = _last(vol_zscore(close_to_close(close, 20), min(IV_WINDOW, len(close) - 21)))
    if "extremes" in want and len(bars):
        since = bars[bars.index >= opened_at.replace(hour=0, minute=0, second=0, microsecond=0)]
        if len(since):
            out["best_price"], out["worst_price"] = float(since["high"].max()), float(since["low"].min())
    if iv is not None and spot is not None and len(iv) >= 20:
        current = await atm_iv(venue, underlying, spot, now)
        if current is not None:
            rank, _ = iv_rank_percentile(np.append(iv.to_numpy()[-(IV_WINDOW - 1):], current),
                                         window=min(IV_WINDOW, len(iv) + 1), min_periods=20)
            out["iv_rank"] = _last(rank)
    return Facts(**out)
