"""Intraday bars generated on demand from per-session seeds, consistent with the daily bar.

A session's 1-minute path is a Brownian bridge in log price from the session open to its close
(with a U-shaped intraday variance profile and, for 24h markets, the day's jump at its minute),
so open and close match the daily bar by construction. Each minute's high and low are drawn from
the exact distribution of a Brownian bridge's maximum/minimum between the minute's endpoints;
the daily high/low are the extremes of the minutes, volume is split over minutes by a multinomial
draw, so the daily bar is exactly the aggregate of its minutes. Nothing intraday is stored: a
session is regenerated bit-identically from (seed, symbol, date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from dorado_tui.domain.market import Bar
from dorado_tui.market.calendar import CalendarKind
from dorado_tui.market.seeds import Tag, rng_for, symbol_key
from dorado_tui.market.series import SymbolSeries

_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class MinuteBars:
    """Bars of one session as arrays; `start` is each bar's opening instant in epoch seconds."""

    symbol: str
    start: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def __len__(self) -> int:
        return len(self.start)

    def bars(self) -> list[Bar]:
        return [Bar(self.symbol, datetime.fromtimestamp(int(t), UTC), float(o), float(h), float(lo),
                    float(c), float(v))
                for t, o, h, lo, c, v in zip(self.start, self.open, self.high, self.low,
                                             self.close, self.volume, strict=True)]

    def aggregate(self, minutes: int) -> MinuteBars:
        """Bars of `minutes` minutes each, aligned to the session open (last one may be short)."""
        if minutes == 1:
            return self
        idx = np.arange(0, len(self), minutes)
        return MinuteBars(self.symbol, self.start[idx], self.open[idx],
                          np.maximum.reduceat(self.high, idx), np.minimum.reduceat(self.low, idx),
                          self.close[np.minimum(idx + minutes, len(self)) - 1],
                          np.add.reduceat(self.volume, idx))

    def daily(self) -> tuple[float, float, float, float, float]:
        """(open, high, low, close, volume) of the whole session."""
        return (float(self.open[0]), float(self.high.max()), float(self.low.min()),
                float(self.close[-1]), float(self.volume.sum()))


def _profile(kind: CalendarKind, n: int) -> np.ndarray:
    """Share of the session's variance in each minute (sums to 1)."""
    u = (np.arange(n) + 0.5) / n
    if kind is CalendarKind.XNYS:
        w = 0.6 + 3.0 * (u - 0.5) ** 2 + 0.6 * np.exp(-u * 40)  # busy open, quiet lunch, busy close
    else:
        w = 0.7 + 0.5 * np.exp(-(((u - 0.55) / 0.12) ** 2))  # London/New York overlap
    return np.asarray(w / w.sum())


def _decimals(tick: float) -> int:
    return max(0, round(float(-np.log10(tick))))


def _log_path(series: SymbolSeries, i: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Log closes of each minute and the log high/low of each minute, before scaling."""
    eps = rng.standard_normal(n)
    u_hi = rng.random(n)
    u_lo = rng.random(n)
    v = series.session_var[i] * _profile(series.kind, n)
    walk = np.cumsum(np.sqrt(v) * eps)
    cum_var = np.cumsum(v)
    lo_, lc_ = np.log(series.open[i]), np.log(series.close[i])
    jump = float(series.jump[i])
    target = lc_ - lo_ - jump
    frac = cum_var / cum_var[-1] if cum_var[-1] > 0 else (np.arange(1, n + 1) / n)
    bridge = walk - frac * (walk[-1] - target)
    if jump != 0.0:
        bridge[min(int(series.jump_frac[i] * n), n - 1):] += jump
    log_close = lo_ + bridge
    log_open = np.concatenate([[lo_], log_close[:-1]])
    spread = np.sqrt((log_close - log_open) ** 2 - 2.0 * v * np.log(u_hi))
    high = 0.5 * (log_open + log_close + spread)
    spread = np.sqrt((log_close - log_open) ** 2 - 2.0 * v * np.log(u_lo))
    low = 0.5 * (log_open + log_close - spread)
    return log_close, high, low


def session_minutes(series: SymbolSeries, i: int, seed: int) -> MinuteBars:
    """The 1-minute bars of session `i` of `series` (deterministic from the seed)."""
    n = int((series.closes_utc[i] - series.opens_utc[i]) // 60)
    ordinal = int(series.days[i].astype("datetime64[D]").astype(np.int64)) + _EPOCH_ORDINAL
    rng = rng_for(seed, Tag.INTRADAY, symbol_key(series.price_source), ordinal)
    # SPY's open/close are SPX's times a constant, so the same draws give SPX's path scaled.
    log_close, high, low = _log_path(series, i, n, rng)
    dec = _decimals(series.tick)
    open0 = round(float(series.open[i]), dec)
    close = np.round(np.exp(log_close), dec)
    close[-1] = round(float(series.close[i]), dec)
    opens = np.concatenate([[open0], close[:-1]])
    highs = np.maximum(np.round(np.exp(high), dec), np.maximum(opens, close))
    lows = np.minimum(np.round(np.exp(low), dec), np.minimum(opens, close))
    volume = _split_volume(series, i, n, seed, ordinal)
    start = series.opens_utc[i] + 60 * np.arange(n, dtype=np.int64)
    return MinuteBars(series.symbol, start, opens, highs, lows, close, volume)


def _split_volume(series: SymbolSeries, i: int, n: int, seed: int, ordinal: int) -> np.ndarray:
    total = int(series.volume[i])
    if total <= 0:
        return np.zeros(n, dtype=np.int64)
    rng = rng_for(seed, Tag.INTRADAY, symbol_key(series.symbol), ordinal, 1)
    share = _profile(series.kind, n) ** 1.5
    return np.asarray(rng.multinomial(total, share / share.sum()), dtype=np.int64)
