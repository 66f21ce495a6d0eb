"""The calendar-day engine: correlated regime-switching returns with stochastic vol and jumps.

Every calendar day from the start gets, for every asset, a log return split into the part that
lands in the next open (overnight, weekends, holidays, jumps and dividends for exchange-traded
assets) and the part earned during the session. Random numbers are drawn in fixed 365-day
blocks, each from its own stream, and the recursions (vol smoothing, stochastic vol, spreads,
yields) run with scipy's `lfilter`, so a 20-year path costs milliseconds and a longer horizon
reproduces a shorter one exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
from scipy.signal import lfilter

from dorado_tui.market.calendar import CalendarKind, sessions
from dorado_tui.market.config import FACTORS, REGIMES, MarketSimConfig
from dorado_tui.market.macro import MacroPaths, simulate_macro
from dorado_tui.market.regimes import RegimeStream
from dorado_tui.market.seeds import Tag, rng_for

BLOCK_DAYS = 365
KIND_CALENDAR = {"equity": CalendarKind.XNYS, "index": CalendarKind.XNYS, "fx": CalendarKind.FX,
                 "crypto": CalendarKind.CRYPTO}
#: (sessions, closed days) per year: a closed day carries `non_session_weight` of a session's variance.
_YEAR_SHAPE = {CalendarKind.XNYS: (252.0, 113.0), CalendarKind.FX: (260.0, 105.0),
               CalendarKind.CRYPTO: (365.0, 0.0)}
_VOL_JUMP_FEEDBACK = 2.0  # a −5 % market jump lifts the log-vol factor by 0.1


@dataclass(frozen=True)
class Draws:
    """All daily random numbers, concatenated over blocks and cut to the horizon."""

    eps_on: np.ndarray  # (A, n) standard normals for the gap part
    eps_id: np.ndarray  # (A, n) standard normals for the session part
    xi_vol: np.ndarray  # (n,) idiosyncratic vol-factor shocks
    jump_u: np.ndarray  # (n,) uniforms: does a market jump happen
    jump_z: np.ndarray  # (n,) normals: its size
    cjump_u: np.ndarray  # (n,) crypto-only jumps
    cjump_z: np.ndarray
    jump_frac: np.ndarray  # (n,) where in the session an intraday jump lands
    macro: np.ndarray  # (8, n) normals for implied-vol noise, spreads, yields, funding
    volume: np.ndarray  # (A, n) normals for volume noise


def _draw_block(seed: int, block: int, n_assets: int) -> list[np.ndarray]:
    rng = rng_for(seed, Tag.DAILY, block)
    shape = (n_assets, BLOCK_DAYS)
    return [rng.standard_normal(shape), rng.standard_normal(shape), rng.standard_normal(BLOCK_DAYS),
            rng.random(BLOCK_DAYS), rng.standard_normal(BLOCK_DAYS), rng.random(BLOCK_DAYS),
            rng.standard_normal(BLOCK_DAYS), rng.random(BLOCK_DAYS),
            rng.standard_normal((8, BLOCK_DAYS)), rng.standard_normal(shape)]


def draw(seed: int, n_days: int, n_assets: int) -> Draws:
    blocks = [_draw_block(seed, b, n_assets) for b in range(-(-n_days // BLOCK_DAYS))]
    parts = [np.concatenate([blk[i] for blk in blocks], axis=-1)[..., :n_days] for i in range(10)]
    return Draws(*parts)


@dataclass(frozen=True)
class DailyPaths:
    """Calendar-day state of the simulated world (arrays indexed [asset, day] or [day])."""

    start: date
    days: np.ndarray  # datetime64[D]
    regime: np.ndarray  # int8 index into REGIMES
    symbols: tuple[str, ...]
    session: np.ndarray  # (A, n) bool: the asset trades that day
    ret_gap: np.ndarray  # (A, n) log return landing in the next open
    ret_session: np.ndarray  # (A, n) log return from open to close (diffusion + drift)
    jump_session: np.ndarray  # (A, n) log jump during the session (24h markets)
    jump_frac: np.ndarray  # (n,) position of that jump within the session
    session_var: np.ndarray  # (A, n) variance of the session's diffusion
    sigma_end: np.ndarray  # (A, n) annual instantaneous vol at the close
    log_close: np.ndarray  # (A, n) log price at each day's end
    dividends: dict[str, np.ndarray]  # symbol -> (n,) cash dividend as a fraction of the prior close
    volume_noise: np.ndarray  # (A, n) lognormal volume multipliers
    iv_noise: np.ndarray  # (n,) log noise of implied-vol levels
    macro: MacroPaths

    @property
    def n_days(self) -> int:
        return len(self.days)

    def index(self, symbol: str) -> int:
        return self.symbols.index(symbol)


def _smooth(x: np.ndarray, alpha: float) -> np.ndarray:
    """Exponential smoothing along the last axis that starts at the first value."""
    zi = (1 - alpha) * x[..., :1]
    out, _ = lfilter([alpha], [1.0, -(1.0 - alpha)], x, axis=-1, zi=zi)
    return np.asarray(out)


def _correlation(config: MarketSimConfig, symbols: tuple[str, ...], stress: float) -> np.ndarray:
    def corr(which: str) -> np.ndarray:
        b = np.array([[getattr(config.assets[s], which).get(f, 0.0) for f in FACTORS] for s in symbols])
        c = np.asarray(b @ b.T)
        np.fill_diagonal(c, 1.0)
        return c

    return (1 - stress) * corr("loadings_calm") + stress * corr("loadings_crisis")


def _correlate(config: MarketSimConfig, symbols: tuple[str, ...], regime: np.ndarray,
               eps: np.ndarray) -> np.ndarray:
    z = np.empty_like(eps)
    for r, name in enumerate(REGIMES):
        mask = regime == r
        if mask.any():
            chol = np.linalg.cholesky(_correlation(config, symbols, config.regimes[name].stress))
            z[:, mask] = chol @ eps[:, mask]
    return z


def _weights(config: MarketSimConfig, symbols: tuple[str, ...], days: np.ndarray,
             start: date, end: date) -> tuple[np.ndarray, np.ndarray]:
    """Session mask and each day's share of a year's variance, per asset."""
    session = np.zeros((len(symbols), len(days)), dtype=bool)
    weight = np.zeros(session.shape)
    w = config.non_session_weight
    for i, sym in enumerate(symbols):
        kind = KIND_CALENDAR[config.assets[sym].kind]
        session[i] = np.isin(days, sessions(kind, start, end).days)
        n_sess, n_closed = _YEAR_SHAPE[kind]
        unit = 1.0 / (n_sess + w * n_closed)
        weight[i] = np.where(session[i], unit, w * unit)
    return session, weight


@dataclass(frozen=True)
class _Vol:
    sigma: np.ndarray  # (A, n) total annual vol during the day
    sigma_end: np.ndarray  # (A, n) at the close, after the day's vol shock
    diffusive: np.ndarray  # (A, n) share of vol that is diffusion (the rest is jumps)
    market_jump: np.ndarray  # (n,) log jump of SPX (0 on most days)
    crypto_jump: np.ndarray  # (n,)


def _regime_table(config: MarketSimConfig, field: str) -> np.ndarray:
    return np.array([getattr(config.regimes[r], field) for r in REGIMES])


def _volatility(config: MarketSimConfig, symbols: tuple[str, ...], regime: np.ndarray,
                d: Draws, spx_shock: np.ndarray) -> _Vol:
    assets = [config.assets[s] for s in symbols]
    spx_vol = _regime_table(config, "target_vol")
    vt = np.array([[a.regime_vol(r, spx_vol[i]) for i, r in enumerate(REGIMES)] for a in assets])
    level = _smooth(vt[:, regime], config.vol_adjust_per_day)
    lam, mu, sd = (_regime_table(config, f) for f in ("jumps_per_year", "jump_mean", "jump_std"))
    market_jump = np.where(d.jump_u < lam[regime] / 365.0, mu[regime] + sd[regime] * d.jump_z, 0.0)
    crypto_jump = np.where(d.cjump_u < config.crypto_jumps_per_year / 365.0,
                           config.crypto_jump_std * d.cjump_z, 0.0)
    beta_j = np.array([a.jump_beta for a in assets])
    is_crypto = np.array([a.kind == "crypto" for a in assets])
    jump_var = (lam * (mu**2 + sd**2))[None, :] * beta_j[:, None] ** 2
    jump_var = jump_var + np.where(is_crypto, config.crypto_jumps_per_year * config.crypto_jump_std**2, 0.0)[:, None]
    diffusive = np.sqrt(np.clip(1.0 - jump_var / vt**2, 0.3, 1.0))[:, regime]

    rho, s_h = config.leverage, config.sv_std
    phi = float(0.5 ** (1.0 / config.sv_half_life_days))
    eta = rho * spx_shock + np.sqrt(1 - rho**2) * d.xi_vol
    h = np.asarray(lfilter([1.0], [1.0, -phi], np.sqrt(1 - phi**2) * s_h * eta
                           + _VOL_JUMP_FEEDBACK * np.maximum(-market_jump, 0.0)))
    h_prev = np.concatenate([[0.0], h[:-1]])
    beta = np.array([a.vol_beta for a in assets])[:, None]
    sigma = level * np.exp(beta * h_prev[None, :] - beta**2 * s_h**2)
    sigma_end = level * np.exp(beta * h[None, :] - beta**2 * s_h**2)
    return _Vol(sigma, sigma_end, diffusive, market_jump, crypto_jump)


def _dividend_gaps(config: MarketSimConfig, symbols: tuple[str, ...], days: np.ndarray,
                   start: date, end: date) -> dict[str, np.ndarray]:
    from dorado_tui.market.dividends import ex_dividend_days

    out: dict[str, np.ndarray] = {}
    for sym in symbols:
        a = config.assets[sym]
        if a.dividend_rule == "none" or not a.dividend_months or a.dividend_yield <= 0:
            continue
        ex = np.isin(days, ex_dividend_days(a.dividend_rule, a.dividend_months, start, end))
        out[sym] = np.where(ex, a.dividend_yield / len(a.dividend_months), 0.0)
    return out


def generate(config: MarketSimConfig, seed: int, start: date, n_days: int) -> DailyPaths:
    """The calendar-day paths for `n_days` from `start` (prefix-stable in `n_days`)."""
    from datetime import timedelta

    symbols = tuple(config.assets)
    days = np.datetime64(start, "D") + np.arange(n_days)
    end = start + timedelta(days=max(n_days - 1, 0))
    regime = RegimeStream(config, seed).path(n_days)
    d = draw(seed, n_days, len(symbols))
    session, weight = _weights(config, symbols, days, start, end)
    z_on = _correlate(config, symbols, regime, d.eps_on)
    z_id = _correlate(config, symbols, regime, d.eps_id)
    f = config.overnight_share
    spx = symbols.index("SPX")
    spx_shock = np.where(session[spx], np.sqrt(f) * z_on[spx] + np.sqrt(1 - f) * z_id[spx], z_on[spx])
    vol = _volatility(config, symbols, regime, d, spx_shock)

    drift_table = np.array([[config.assets[s].regime_drift(r, config.regimes[r].equity_drift)
                             for r in REGIMES] for s in symbols])
    var = (vol.sigma * vol.diffusive) ** 2 * weight
    drift = drift_table[:, regime] * weight
    exchange = np.array([KIND_CALENDAR[config.assets[s].kind] is CalendarKind.XNYS for s in symbols])[:, None]
    mixed = np.sqrt(f) * z_on + np.sqrt(1 - f) * z_id
    sess_part = np.where(exchange, np.sqrt((1 - f) * var) * z_id, np.sqrt(var) * mixed) + drift
    gap_part = np.where(exchange, np.sqrt(f * var) * z_on, 0.0)
    ret_session = np.where(session, sess_part, 0.0)
    ret_gap = np.where(session, gap_part, np.sqrt(var) * z_on + drift)
    session_var = np.where(session, np.where(exchange, (1 - f) * var, var), 0.0)

    is_crypto = np.array([config.assets[s].kind == "crypto" for s in symbols])[:, None]
    jumps = np.array([config.assets[s].jump_beta for s in symbols])[:, None] * vol.market_jump[None, :]
    jumps = jumps + np.where(is_crypto, vol.crypto_jump[None, :], 0.0)
    in_session = session & ~exchange
    jump_session = np.where(in_session, jumps, 0.0)
    ret_gap = ret_gap + np.where(in_session, 0.0, jumps)
    tlt_return = ret_gap[symbols.index("TLT")] + ret_session[symbols.index("TLT")]

    dividends = _dividend_gaps(config, symbols, days, start, end)
    for sym, frac in dividends.items():
        ret_gap[symbols.index(sym)] += np.log1p(-frac)
    start_prices = np.log([config.assets[s].start_price for s in symbols])[:, None]
    log_close = start_prices + np.cumsum(ret_gap + ret_session + jump_session, axis=1)

    phi_n = float(0.5 ** (1.0 / config.vix_noise_half_life_days))
    iv_noise = np.asarray(lfilter([np.sqrt(1 - phi_n**2) * config.vix_noise_std], [1.0, -phi_n], d.macro[0]))
    macro = simulate_macro(config, regime, d.macro[1:], spx_shock, tlt_return,
                           log_close[symbols.index("BTC")], log_close[symbols.index("ETH")])
    return DailyPaths(
        start=start, days=days, regime=regime, symbols=symbols, session=session, ret_gap=ret_gap,
        ret_session=ret_session, jump_session=jump_session, jump_frac=d.jump_frac,
        session_var=session_var, sigma_end=vol.sigma_end, log_close=log_close,
        dividends=dividends, volume_noise=np.exp(0.25 * d.volume - 0.03125), iv_noise=iv_noise,
        macro=macro)
