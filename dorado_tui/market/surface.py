"""Implied-volatility surface: ATM term structure from mean-reverting variance, skew and smile.

ATM variance for expiry T is the expected average variance when today's vol reverts to its
long-run level: θ² + (σ² − θ²)(1 − e^{−κT})/(κT), lifted by the regime's variance risk premium.
So a crisis (σ far above θ) gives a falling term structure (VIX above VIX3M) and a calm market
a rising one, without any rule saying so. Skew and smile act on standardised log-moneyness
x = ln(K/F)/(σ_atm √T), which keeps short and long expiries comparable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_T_YEARS = 1.0 / (365.0 * 24 * 60)  # one minute: 0DTE at the bell still has a smile
_X_CLAMP = 4.0
_IV_FLOOR_RATIO = 0.35
_IV_CAP_RATIO = 4.0


def kappa_per_year(half_life_days: float) -> float:
    return float(np.log(2.0) / (half_life_days / 365.0))


def atm_vol(sigma_now: np.ndarray | float, longrun: float, vrp: np.ndarray | float,
            t_years: np.ndarray | float, kappa: float, term_premium: float) -> np.ndarray:
    """ATM implied vol for maturities `t_years` given the instantaneous vol `sigma_now`."""
    t = np.maximum(np.asarray(t_years, dtype=float), MIN_T_YEARS)
    kt = kappa * t
    weight = np.where(kt < 1e-8, 1.0, -np.expm1(-kt) / np.maximum(kt, 1e-300))
    var = longrun**2 + (np.asarray(sigma_now) ** 2 - longrun**2) * weight
    lift = (1.0 + np.asarray(vrp)) * (1.0 + term_premium * np.sqrt(np.minimum(t, 2.0)))
    return np.asarray(np.sqrt(np.maximum(var, 1e-6)) * lift)


@dataclass(frozen=True, slots=True)
class SurfaceState:
    """What the surface of one underlying needs on one day."""

    sigma_now: float  # instantaneous annual vol (after the day's shocks)
    longrun: float  # long-run implied vol
    vrp: float  # regime variance risk premium
    skew: float  # slope per standard deviation (negative: puts richer)
    smile: float  # curvature per squared standard deviation
    level_noise: float  # log noise shared with the VIX of that day
    kappa: float
    term_premium: float

    def atm(self, t_years: np.ndarray | float) -> np.ndarray:
        level = atm_vol(self.sigma_now, self.longrun, self.vrp, t_years, self.kappa, self.term_premium)
        return np.asarray(level * np.exp(self.level_noise))

    def iv(self, log_moneyness: np.ndarray, t_years: np.ndarray | float) -> np.ndarray:
        """Implied vol at ln(K/F) and maturity (arrays broadcast)."""
        t = np.maximum(np.asarray(t_years, dtype=float), MIN_T_YEARS)
        atm = self.atm(t)
        x = np.clip(np.asarray(log_moneyness) / (atm * np.sqrt(t)), -_X_CLAMP, _X_CLAMP)
        vol = atm * (1.0 + self.skew * x + self.smile * x * x)
        return np.asarray(np.clip(vol, _IV_FLOOR_RATIO * atm, _IV_CAP_RATIO * atm))
