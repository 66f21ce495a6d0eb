"""Default simulator parameters: a market whose regimes look like the last few decades.

The figures are deliberately ordinary: SPX vol ~10 % when calm and ~50 % in a crisis, credit
spreads from ~0.9 % to ~3.4 %, crypto four times as volatile as equities, the yen and bonds as
havens. They are the defaults of `MarketSimConfig`; `config/market_sim.yaml` overrides any part.
"""

from __future__ import annotations

from typing import Any

_QUARTERLY = (3, 6, 9, 12)
_MONTHLY = tuple(range(1, 13))


def _regime(duration: float, min_days: int, nxt: dict[str, float], stress: float,
            vol: tuple[float, float], drift: float, vrp: float, credit: float, curve: float,
            funding: float, jumps: tuple[float, float, float], skew: float,
            smile: float, volume: float, spread: float) -> dict[str, Any]:
    return {
        "duration_days": duration, "min_days": min_days, "next": nxt, "stress": stress,
        "equity_vol_range": vol, "equity_drift": drift, "vrp": vrp, "credit_spread": credit,
        "curve_2s10s": curve, "funding_bp": funding,
        "jumps_per_year": jumps[0], "jump_mean": jumps[1], "jump_std": jumps[2], "skew": skew,
        "smile": smile, "volume_mult": volume, "spread_mult": spread,
    }


REGIME_DEFAULTS: dict[str, dict[str, Any]] = {
    "calm": _regime(320, 60, {"normal": 0.85, "stressed": 0.15}, 0.0, (0.07, 0.13), 0.18, 0.12,
                    0.8, 1.4, 1.0, (1.0, -0.005, 0.012), -0.14, 0.03, 0.8, 0.9),
    "normal": _regime(180, 40, {"calm": 0.45, "stressed": 0.55}, 0.2, (0.13, 0.19), 0.10, 0.12,
                      1.3, 0.6, 0.7, (2.0, -0.005, 0.015), -0.12, 0.03, 1.0, 1.0),
    "stressed": _regime(80, 20, {"normal": 0.4, "crisis": 0.6}, 0.55, (0.19, 0.29), -0.25, 0.08,
                        1.8, 0.15, 0.2, (5.0, -0.02, 0.02), -0.10, 0.035, 1.5, 1.4),
    "crisis": _regime(45, 15, {"recovery": 1.0}, 1.0, (0.33, 0.65), -1.2, 0.05,
                      3.4, 0.5, -0.6, (14.0, -0.03, 0.035), -0.08, 0.04, 2.5, 2.5),
    "recovery": _regime(110, 30, {"normal": 0.6, "calm": 0.3, "stressed": 0.1}, 0.4, (0.16, 0.26),
                        0.45, 0.10, 2.3, 1.9, 0.5, (3.0, 0.0, 0.02), -0.11, 0.035, 1.3, 1.3),
}


def _per_regime(calm: float, normal: float, stressed: float, crisis: float,
                recovery: float) -> dict[str, float]:
    return {"calm": calm, "normal": normal, "stressed": stressed, "crisis": crisis,
            "recovery": recovery}


_ONES = _per_regime(1.0, 1.0, 1.0, 1.0, 1.0)

ASSET_DEFAULTS: dict[str, dict[str, Any]] = {
    "SPX": {
        "kind": "index", "start_price": 2000.0, "vol_scale": _ONES, "drift_scale": _ONES,
        "relative_to_spx": True,
        "loadings_calm": {"equity": 0.93, "risk": 0.2},
        "loadings_crisis": {"equity": 0.75, "risk": 0.65},
        "jump_beta": 1.0, "vol_beta": 1.0, "dividend_yield": 0.014, "base_volume": 2.2e9,
        "longrun_vol": 0.18, "option_style": "european",
    },
    "QQQ": {
        "kind": "equity", "start_price": 100.0,
        "vol_scale": _per_regime(1.3, 1.25, 1.2, 1.1, 1.25),
        "drift_scale": _per_regime(1.2, 1.2, 1.15, 1.1, 1.2), "relative_to_spx": True,
        "loadings_calm": {"equity": 0.88, "risk": 0.2},
        "loadings_crisis": {"equity": 0.7, "risk": 0.65},
        "jump_beta": 1.2, "vol_beta": 1.0, "dividend_yield": 0.006,
        "dividend_months": _QUARTERLY, "dividend_rule": "after_third_friday",
        "base_volume": 4.5e7, "longrun_vol": 0.22, "option_style": "american",
    },
    "IWM": {
        "kind": "equity", "start_price": 110.0,
        "vol_scale": _per_regime(1.35, 1.3, 1.25, 1.15, 1.3),
        "drift_scale": _per_regime(0.9, 0.9, 1.2, 1.15, 1.2), "relative_to_spx": True,
        "loadings_calm": {"equity": 0.82, "risk": 0.22},
        "loadings_crisis": {"equity": 0.65, "risk": 0.7},
        "jump_beta": 1.2, "vol_beta": 1.0, "dividend_yield": 0.013,
        "dividend_months": _QUARTERLY, "dividend_rule": "first_session",
        "base_volume": 3.0e7, "longrun_vol": 0.24, "option_style": "american",
    },
    "TLT": {
        "kind": "equity", "start_price": 120.0,
        "vol_scale": _per_regime(0.11, 0.13, 0.16, 0.24, 0.16),
        "drift_scale": _per_regime(-0.01, 0.0, 0.05, 0.2, -0.04), "relative_to_spx": False,
        "loadings_calm": {"equity": -0.25, "risk": -0.05, "rates": 0.85},
        "loadings_crisis": {"equity": -0.2, "risk": -0.45, "rates": 0.7},
        "jump_beta": -0.3, "vol_beta": 0.4, "dividend_yield": 0.035,
        "dividend_months": _MONTHLY, "dividend_rule": "first_session",
        "base_volume": 2.0e7, "longrun_vol": 0.15, "option_style": "american",
    },
    "GLD": {
        "kind": "equity", "start_price": 120.0,
        "vol_scale": _per_regime(0.13, 0.15, 0.18, 0.24, 0.17),
        "drift_scale": _per_regime(0.03, 0.04, 0.08, 0.1, 0.05), "relative_to_spx": False,
        "loadings_calm": {"gold": 0.9, "rates": 0.2, "equity": 0.05},
        "loadings_crisis": {"gold": 0.85, "risk": 0.1, "rates": 0.2},
        "jump_beta": 0.0, "vol_beta": 0.3, "base_volume": 8.0e6, "longrun_vol": 0.16,
        "option_style": "american",
    },
    "USDJPY": {
        "kind": "fx", "start_price": 110.0,
        "vol_scale": _per_regime(0.07, 0.085, 0.11, 0.16, 0.1),
        "drift_scale": _per_regime(0.03, 0.02, -0.04, -0.15, 0.03), "relative_to_spx": False,
        "loadings_calm": {"dollar": 0.6, "rates": -0.3, "risk": 0.1},
        "loadings_crisis": {"dollar": 0.4, "rates": -0.3, "risk": 0.6},
        "jump_beta": 0.25, "vol_beta": 0.3, "tick": 0.001, "base_volume": 2.0e5,
        "longrun_vol": 0.09,
    },
    "AUDUSD": {
        "kind": "fx", "start_price": 0.75,
        "vol_scale": _per_regime(0.08, 0.095, 0.12, 0.2, 0.12),
        "drift_scale": _per_regime(0.03, 0.0, -0.08, -0.25, 0.1), "relative_to_spx": False,
        "loadings_calm": {"dollar": -0.5, "risk": 0.3, "equity": 0.1},
        "loadings_crisis": {"dollar": -0.4, "risk": 0.75},
        "jump_beta": 0.3, "vol_beta": 0.3, "tick": 0.00001, "base_volume": 1.5e5,
        "longrun_vol": 0.1,
    },
    "BTC": {
        "kind": "crypto", "start_price": 10000.0,
        "vol_scale": _per_regime(0.5, 0.6, 0.75, 1.0, 0.7),
        "drift_scale": _per_regime(0.35, 0.15, -0.5, -1.5, 0.8), "relative_to_spx": False,
        "loadings_calm": {"crypto": 0.85, "risk": 0.15, "equity": 0.1},
        "loadings_crisis": {"crypto": 0.65, "risk": 0.6},
        "jump_beta": 1.5, "vol_beta": 0.5, "base_volume": 3.0e4, "longrun_vol": 0.65,
    },
    "ETH": {
        "kind": "crypto", "start_price": 500.0,
        "vol_scale": _per_regime(0.65, 0.75, 0.95, 1.25, 0.9),
        "drift_scale": _per_regime(0.4, 0.15, -0.6, -1.8, 0.9), "relative_to_spx": False,
        "loadings_calm": {"crypto": 0.9, "risk": 0.15, "equity": 0.1},
        "loadings_crisis": {"crypto": 0.7, "risk": 0.6},
        "jump_beta": 1.8, "vol_beta": 0.5, "base_volume": 4.0e5, "longrun_vol": 0.8,
    },
}

#: SPY tracks SPX/10 with its own quarterly dividend (the SPY/SPX ratio accrues and drops).
SPY_DEFAULTS: dict[str, Any] = {
    "parent": "SPX", "ratio": 0.1, "dividend_yield": 0.014, "dividend_months": _QUARTERLY,
    "dividend_rule": "third_friday", "base_volume": 8.0e7, "tick": 0.01,
}

DEFAULTS: dict[str, Any] = {
    "regimes": REGIME_DEFAULTS,
    "assets": ASSET_DEFAULTS,
    "spy": SPY_DEFAULTS,
}
