"""Per-symbol session series: each instrument's sessions with open, close and intraday inputs.

Built from the calendar-day paths: a session's open is its close less the session's own return,
so weekend and holiday returns (and equity jumps and ex-dividend drops) show up as gaps. SPY is
SPX/10 times a dividend sawtooth, VIX and VIX3M are SPX's 30- and 90-day implied vols.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dorado_tui.market.calendar import CalendarKind, sessions
from dorado_tui.market.config import REGIMES, MarketSimConfig
from dorado_tui.market.paths import KIND_CALENDAR, DailyPaths
from dorado_tui.market.surface import atm_vol, kappa_per_year

VIX_SYMBOLS = ("VIX", "VIX3M")
_VIX_T = {"VIX": 30 / 365.0, "VIX3M": 90 / 365.0}
_VIX_NOISE_SHARE = {"VIX": 1.0, "VIX3M": 0.6}
_VOLUME_MOVE_SENSITIVITY = 8.0


@dataclass(frozen=True)
class SymbolSeries:
    """Sessions of one symbol with the inputs intraday bars are generated from."""

    symbol: str
    kind: CalendarKind
    tick: float
    day_index: np.ndarray  # calendar-day index (into DailyPaths) of each session
    days: np.ndarray  # datetime64[D]
    opens_utc: np.ndarray  # epoch seconds
    closes_utc: np.ndarray
    open: np.ndarray  # unrounded prices
    close: np.ndarray
    session_var: np.ndarray  # variance of the session's log return diffusion
    jump: np.ndarray  # log jump inside the session (24h markets)
    jump_frac: np.ndarray
    volume: np.ndarray  # int64 shares / contracts / coins (0 for indices)
    price_source: str  # whose intraday path this symbol follows (SPY follows SPX)
    scale: np.ndarray = field(default_factory=lambda: np.zeros(0))  # SPY: price / SPX per session

    def __len__(self) -> int:
        return len(self.days)

    def index_of_day(self, day: np.datetime64) -> int | None:
        i = int(np.searchsorted(self.days, day))
        return i if i < len(self.days) and self.days[i] == day else None


def _session_frame(kind: CalendarKind, paths: DailyPaths) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from datetime import timedelta

    end = paths.start + timedelta(days=paths.n_days - 1)
    table = sessions(kind, paths.start, end)
    sl = table.between(paths.start, end)
    day_index = (table.days[sl] - paths.days[0]).astype(np.int64)
    return day_index, table.opens[sl], table.closes[sl]


def _volume(config: MarketSimConfig, paths: DailyPaths, base: float, i: int,
            day_index: np.ndarray, move: np.ndarray) -> np.ndarray:
    mult = np.array([config.regimes[r].volume_mult for r in REGIMES])[paths.regime[day_index]]
    noise = paths.volume_noise[i, day_index]
    volume = np.round(base * mult * (1 + _VOLUME_MOVE_SENSITIVITY * np.abs(move)) * noise)
    return np.asarray(volume, dtype=np.int64)


def asset_series(config: MarketSimConfig, paths: DailyPaths, symbol: str) -> SymbolSeries:
    """Sessions of one directly simulated asset (SPX, QQQ, …, BTC)."""
    asset = config.assets[symbol]
    kind = KIND_CALENDAR[asset.kind]
    i = paths.index(symbol)
    day_index, opens, closes = _session_frame(kind, paths)
    log_close = paths.log_close[i, day_index]
    inside = paths.ret_session[i, day_index] + paths.jump_session[i, day_index]
    close = np.exp(log_close)
    open_ = np.exp(log_close - inside)
    previous = np.concatenate([[np.log(asset.start_price)], log_close[:-1]])
    move = log_close - previous
    volume = _volume(config, paths, asset.base_volume, i, day_index, move)
    if asset.kind == "index":
        volume = np.zeros_like(volume)
    return SymbolSeries(symbol, kind, asset.tick, day_index, paths.days[day_index], opens, closes,
                        open_, close, paths.session_var[i, day_index], paths.jump_session[i, day_index],
                        paths.jump_frac[day_index], volume, symbol)


def spy_series(config: MarketSimConfig, paths: DailyPaths, spx: SymbolSeries) -> SymbolSeries:
    """SPY = SPX × ratio × (1 + dividend accrued since the last ex-date): the real sawtooth."""
    from dorado_tui.market.dividends import ex_dividend_days

    spy = config.spy
    last_day = paths.days[-1].astype(object)
    ex = ex_dividend_days(spy.dividend_rule, spy.dividend_months, paths.start, last_day)
    ex_days = (ex - paths.days[0]).astype(np.int64)
    k = np.searchsorted(ex_days, spx.day_index, side="right") - 1
    since = np.where(k >= 0, spx.day_index - ex_days[np.maximum(k, 0)], spx.day_index + 45)
    scale = spy.ratio * (1.0 + spy.dividend_yield * since / 365.0)
    move = np.log(spx.close / spx.open)
    volume = _volume(config, paths, spy.base_volume, paths.index(spy.parent), spx.day_index, move)
    return SymbolSeries("SPY", spx.kind, spy.tick, spx.day_index, spx.days, spx.opens_utc,
                        spx.closes_utc, spx.open * scale, spx.close * scale, spx.session_var,
                        spx.jump, spx.jump_frac, volume, spx.symbol, scale)


def vix_levels(config: MarketSimConfig, paths: DailyPaths, symbol: str) -> np.ndarray:
    """VIX or VIX3M at every calendar day's close."""
    spx = config.assets["SPX"]
    vrp = np.array([config.regimes[r].vrp for r in REGIMES])[paths.regime]
    kappa = kappa_per_year(config.vol_half_life_days)
    sigma = paths.sigma_end[paths.index("SPX")]
    level = atm_vol(sigma, spx.longrun_vol, vrp, _VIX_T[symbol], kappa, config.term_premium)
    return np.asarray(100.0 * config.skew_uplift * level * np.exp(_VIX_NOISE_SHARE[symbol] * paths.iv_noise))


def vix_series(config: MarketSimConfig, paths: DailyPaths, symbol: str) -> SymbolSeries:
    """VIX-style index sessions: the open sits 40 % of the way from the last close to the close."""
    day_index, opens, closes = _session_frame(CalendarKind.XNYS, paths)
    close = vix_levels(config, paths, symbol)[day_index]
    previous = np.concatenate([close[:1], close[:-1]])
    open_ = previous**0.6 * close**0.4
    n = len(day_index)
    var = np.full(n, config.vix_intraday_vol**2)
    return SymbolSeries(symbol, CalendarKind.XNYS, 0.01, day_index, paths.days[day_index], opens,
                        closes, open_, close, var, np.zeros(n), np.zeros(n),
                        np.zeros(n, dtype=np.int64), symbol)


def build_all(config: MarketSimConfig, paths: DailyPaths) -> dict[str, SymbolSeries]:
    """Series of every simulated symbol: the assets, SPY, VIX and VIX3M."""
    out = {sym: asset_series(config, paths, sym) for sym in config.assets}
    out["SPY"] = spy_series(config, paths, out[config.spy.parent])
    for sym in VIX_SYMBOLS:
        out[sym] = vix_series(config, paths, sym)
    return out
