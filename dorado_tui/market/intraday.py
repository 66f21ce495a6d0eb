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
from functools import lru_cache

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


@lru_cache(maxsize=64)
def _profile(kind: CalendarKind, n: int) -> np.ndarray:
    """Share of the session's variance in each minute (sums to 1)."""
    u = (np.arange(n) + 0.5) / n
    if kind is CalendarKind.XNYS:
        w = 0.6 + 3.0 * (u - 0.5) ** 2 + 0.6 * np.exp(-u * 40)  # busy open, quiet lunch, busy close
    else:
        w = 0.7 + 0.5 * np.exp(-(((u - 0.55) / 0.12) ** 2))  # London/New York overlap
    out = np.asarray(w / w.sum())
    out.flags.writeable = False
    return out


def _decimals(tick: float) -> int:
    return max(0, round(float(-np.log10(tick))))


def _minutes(series: SymbolSeries, i: int) -> int:
    return int((series.closes_utc[i] - series.opens_utc[i]) // 60)


def _ordinal(series: SymbolSeries, i: int) -> int:
    return int(series.days[i].astype("datetime64[D]").astype(np.int64)) + _EPOCH_ORDINAL


def _draws(series: SymbolSeries, i: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # keyed by the price source: SPY's open/close are SPX's times a constant, so the same draws
    # give SPX's path scaled
    rng = rng_for(seed, Tag.INTRADAY, symbol_key(series.price_source), _ordinal(series, i))
    return rng.standard_normal(n), rng.random(n), rng.random(n)


def _rounded_paths(series: SymbolSeries, idx: np.ndarray, n: int,
                   seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rounded (open, high, low, close) of every minute of sessions `idx` (all of `n` minutes).

    Vectorised over sessions: one call prices a batch, and a batch of one gives the same numbers.
    """
    draws = [_draws(series, int(i), n, seed) for i in idx]
    eps, u_hi, u_lo = (np.stack([d[k] for d in draws]) for k in range(3))
    v = series.session_var[idx][:, None] * _profile(series.kind, n)[None, :]
    walk = np.cumsum(np.sqrt(v) * eps, axis=1)
    cum_var = np.cumsum(v, axis=1)
    lo_, lc_, jump = np.log(series.open[idx]), np.log(series.close[idx]), series.jump[idx]
    total = cum_var[:, -1:]
    frac = np.where(total > 0, cum_var / np.where(total > 0, total, 1.0), np.arange(1, n + 1) / n)
    bridge = walk - frac * (walk[:, -1:] - (lc_ - lo_ - jump)[:, None])
    at = np.minimum((series.jump_frac[idx] * n).astype(np.int64), n - 1)
    bridge = bridge + jump[:, None] * (np.arange(n)[None, :] >= at[:, None])
    log_close = lo_[:, None] + bridge
    log_open = np.concatenate([lo_[:, None], log_close[:, :-1]], axis=1)
    move = (log_close - log_open) ** 2
    high = 0.5 * (log_open + log_close + np.sqrt(move - 2.0 * v * np.log(u_hi)))
    low = 0.5 * (log_open + log_close - np.sqrt(move - 2.0 * v * np.log(u_lo)))
    dec = _decimals(series.tick)
    close = np.round(np.exp(log_close), dec)
    close[:, -1] = np.round(series.close[idx], dec)
    opens = np.concatenate([np.round(series.open[idx], dec)[:, None], close[:, :-1]], axis=1)
    highs = np.maximum(np.round(np.exp(high), dec), np.maximum(opens, close))
    lows = np.minimum(np.round(np.exp(low), dec), np.minimum(opens, close))
    return opens, highs, lows, close


def session_minutes(series: SymbolSeries, i: int, seed: int) -> MinuteBars:
    """The 1-minute bars of session `i` of `series` (deterministic from the seed)."""
    n = _minutes(series, i)
    opens, highs, lows, close = (x[0] for x in _rounded_paths(series, np.array([i]), n, seed))
    volume = _split_volume(series, i, n, seed)
    start = series.opens_utc[i] + 60 * np.arange(n, dtype=np.int64)
    return MinuteBars(series.symbol, start, opens, highs, lows, close, volume)


def daily_ohlc(series: SymbolSeries, seed: int, sessions: np.ndarray | None = None,
               batch: int = 128) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Daily (open, high, low, close) of `sessions` (default all) exactly as their minutes aggregate."""
    idx = np.arange(len(series)) if sessions is None else np.asarray(sessions)
    lengths = ((series.closes_utc[idx] - series.opens_utc[idx]) // 60).astype(np.int64)
    out = np.zeros((4, len(idx)))
    for n in np.unique(lengths):
        where = np.flatnonzero(lengths == n)
        for lo in range(0, len(where), batch):
            pos = where[lo:lo + batch]
            o, h, low, c = _rounded_paths(series, idx[pos], int(n), seed)
            out[:, pos] = o[:, 0], h.max(axis=1), low.min(axis=1), c[:, -1]
    return out[0], out[1], out[2], out[3]


def _split_volume(series: SymbolSeries, i: int, n: int, seed: int) -> np.ndarray:
    """The session's volume over its minutes: profile × lognormal noise, integers summing exactly."""
    total = int(series.volume[i])
    if total <= 0:
        return np.zeros(n, dtype=np.int64)
    rng = rng_for(seed, Tag.INTRADAY, symbol_key(series.symbol), _ordinal(series, i), 1)
    share = _profile(series.kind, n) ** 1.5 * np.exp(0.35 * rng.standard_normal(n))
    exact = total * share / share.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    if short > 0:
        counts[np.argsort(counts - exact, kind="stable")[:short]] += 1
    return np.asarray(counts, dtype=np.int64)
