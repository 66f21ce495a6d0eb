"""Macro series of the simulated world: credit spread, yields, 2s10s, rate differentials, funding.

Each is a mean-reverting process pulled toward the current regime's level (so a crisis widens
credit and a recovery steepens the curve) and shocked together with equities (credit widens on
down days). The 10-year yield is tied to TLT's own returns through its duration, so bonds and
yields never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from dorado_tui.market.config import REGIMES, MarketSimConfig

_US10Y_ANCHOR = 3.0  # percent: where the 10y drifts back to over years
_US10Y_HALF_LIFE = 3 * 365.0
_JP2Y_ANCHOR = 0.1
_AU_SPREAD_CALM = 0.6
_FUNDING_MOMENTUM_BP = 25.0  # bp per 8 h for a 100 % weekly log return


@dataclass(frozen=True)
class MacroPaths:
    """Daily macro levels in percent (funding: fraction per 8 h, three fixings a day)."""

    credit_spread: np.ndarray
    curve_2s10s: np.ndarray
    us10y: np.ndarray
    us2y: np.ndarray
    jp2y: np.ndarray
    au2y: np.ndarray
    funding: np.ndarray  # (2, n, 3): BTC, ETH × day × fixing at 00/08/16 UTC

    @property
    def rate_diff_us_jp(self) -> np.ndarray:
        return np.asarray(self.us2y - self.jp2y)

    @property
    def rate_diff_au_us(self) -> np.ndarray:
        return np.asarray(self.au2y - self.us2y)

    def series(self) -> dict[str, np.ndarray]:
        """Named daily series as stored in the macro feature table."""
        return {
            "credit_spread": self.credit_spread,
            "curve_2s10s": self.curve_2s10s,
            "us10y": self.us10y,
            "us2y": self.us2y,
            "rate_diff_us_jp": self.rate_diff_us_jp,
            "rate_diff_au_us": self.rate_diff_au_us,
        }


def _phi(half_life_days: float) -> float:
    return float(0.5 ** (1.0 / half_life_days))


def _ou(target: np.ndarray, shock: np.ndarray, phi: float, start: float) -> np.ndarray:
    """y_t = φ y_{t-1} + (1-φ) target_t + shock_t, starting from y_{-1} = start."""
    out, _ = lfilter([1.0], [1.0, -phi], (1 - phi) * target + shock, zi=[phi * start])
    return np.asarray(out)


def _funding(config: MarketSimConfig, regime: np.ndarray, log_close: np.ndarray,
             noise: np.ndarray, scale: float) -> np.ndarray:
    base = np.array([config.regimes[r].funding_bp for r in REGIMES])[regime]
    momentum = log_close - np.concatenate([np.full(7, log_close[0]), log_close[:-7]])
    daily = _ou(base + _FUNDING_MOMENTUM_BP * momentum, 0.5 * noise, 0.7, float(base[0]))
    daily = np.clip(daily * scale, -30.0, 30.0)
    previous = np.concatenate([daily[:1], daily[:-1]])
    fixings = previous[:, None] + (np.arange(1, 4) / 3.0)[None, :] * (daily - previous)[:, None]
    return np.asarray(fixings / 1e4)


def simulate_macro(config: MarketSimConfig, regime: np.ndarray, normals: np.ndarray,
                   spx_shock: np.ndarray, tlt_return: np.ndarray, btc_log: np.ndarray,
                   eth_log: np.ndarray) -> MacroPaths:
    """Macro paths for a regime path; `normals` is (7, n) of independent standard normals."""
    stress = np.array([config.regimes[r].stress for r in REGIMES])[regime]
    credit_target = np.array([config.regimes[r].credit_spread for r in REGIMES])[regime]
    credit_shock = 0.02 * (1 + 2 * stress) * normals[0] - 0.03 * (1 + stress) * spx_shock
    credit = np.maximum(_ou(credit_target, credit_shock, _phi(config.credit_half_life_days),
                            float(credit_target[0])), 0.2)
    curve_target = np.array([config.regimes[r].curve_2s10s for r in REGIMES])[regime]
    curve = _ou(curve_target, 0.02 * normals[1], _phi(config.curve_half_life_days), float(curve_target[0]))
    y10_shock = -100.0 * tlt_return / config.tlt_duration + 0.01 * normals[2]
    us10y = np.maximum(_ou(np.full_like(curve, _US10Y_ANCHOR), y10_shock, _phi(_US10Y_HALF_LIFE),
                           _US10Y_ANCHOR), 0.1)
    us2y = np.maximum(us10y - curve, 0.05)
    jp2y = _ou(np.full_like(curve, _JP2Y_ANCHOR), 0.01 * normals[3], _phi(200.0), _JP2Y_ANCHOR)
    au_spread = _ou(_AU_SPREAD_CALM - 0.8 * stress, 0.02 * normals[4], _phi(60.0), _AU_SPREAD_CALM)
    funding = np.stack([_funding(config, regime, btc_log, normals[5], 1.0),
                        _funding(config, regime, eth_log, normals[6], 1.15)])
    return MacroPaths(credit, curve, us10y, us2y, jp2y, us2y + au_spread, funding)
