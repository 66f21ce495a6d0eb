"""Statistics of 20 simulated years: regimes move vol, correlation, VIX term structure and credit."""

from __future__ import annotations

import numpy as np

from dorado_tui.market.config import REGIMES
from dorado_tui.market.regimes import episodes
from dorado_tui.market.simulator import SimulatedMarket

RISK_ASSETS = ("SPX", "QQQ", "IWM", "AUDUSD", "USDJPY", "BTC", "ETH")


def _session_regimes(market: SimulatedMarket, symbol: str) -> np.ndarray:
    return market.paths.regime[market.series(symbol).day_index]


def test_every_regime_occurs_and_lasts_at_least_its_minimum(market20: SimulatedMarket) -> None:
    runs = episodes(market20.paths.regime)
    for r, name in enumerate(REGIMES):
        lengths = [n for reg, _, n in runs[:-1] if reg == r]  # the last run is cut by the horizon
        assert lengths, f"no {name} episode in 20 years"
        assert min(lengths) >= market20.config.regimes[name].min_days


def test_annualised_spx_vol_per_regime_lies_in_its_configured_range(market20: SimulatedMarket) -> None:
    spx = market20.series("SPX")
    returns = np.diff(np.log(spx.close))
    regime = _session_regimes(market20, "SPX")[1:]
    for r, name in enumerate(REGIMES):
        vol = returns[regime == r].std() * np.sqrt(252)
        lo, hi = market20.config.regimes[name].equity_vol_range
        assert lo <= vol <= hi, f"{name}: {vol:.3f} outside [{lo}, {hi}]"


def test_cross_asset_correlation_is_higher_in_crisis_than_in_calm(market20: SimulatedMarket) -> None:
    days = market20.series("SPX").day_index  # common sampling: XNYS closes
    log_close = market20.paths.log_close[[market20.paths.index(s) for s in RISK_ASSETS]][:, days]
    returns = np.diff(log_close, axis=1)
    regime = market20.paths.regime[days][1:]
    upper = np.triu_indices(len(RISK_ASSETS), 1)

    def mean_corr(r: int) -> float:
        return float(np.corrcoef(returns[:, regime == r])[upper].mean())

    calm, crisis = mean_corr(REGIMES.index("calm")), mean_corr(REGIMES.index("crisis"))
    assert crisis > calm + 0.15, (calm, crisis)


def test_vix_term_structure_inverts_in_crisis_far_more_often_than_in_calm(market20: SimulatedMarket) -> None:
    vix, vix3m = market20.series("VIX"), market20.series("VIX3M")
    inverted = vix.close > vix3m.close
    regime = _session_regimes(market20, "VIX")
    crisis = inverted[regime == REGIMES.index("crisis")].mean()
    calm = inverted[regime == REGIMES.index("calm")].mean()
    assert crisis > 0.8 and calm < 0.1, (calm, crisis)


def test_credit_spread_and_vix_rise_with_stress(market20: SimulatedMarket) -> None:
    credit = market20.paths.macro.credit_spread
    regime = market20.paths.regime
    order = [REGIMES.index(n) for n in ("calm", "normal", "stressed", "crisis")]
    means = [credit[regime == r].mean() for r in order]
    assert means == sorted(means)
    vix = market20.series("VIX")
    vix_regime = _session_regimes(market20, "VIX")
    vix_means = [vix.close[vix_regime == r].mean() for r in order]
    assert vix_means == sorted(vix_means)


def test_recovery_trends_up_and_crisis_trends_down(market20: SimulatedMarket) -> None:
    spx = market20.series("SPX")
    returns = np.diff(np.log(spx.close))
    regime = _session_regimes(market20, "SPX")[1:]
    assert returns[regime == REGIMES.index("recovery")].mean() > 0
    assert returns[regime == REGIMES.index("crisis")].mean() < 0


def test_bonds_and_yields_move_opposite(market20: SimulatedMarket) -> None:
    tlt = market20.series("TLT")
    y10 = market20.paths.macro.us10y[tlt.day_index]
    corr = np.corrcoef(np.diff(np.log(tlt.close)), np.diff(y10))[0, 1]
    assert corr < -0.8


def test_funding_is_three_fixings_a_day_and_lower_in_crisis(market20: SimulatedMarket) -> None:
    funding = market20.paths.macro.funding
    assert funding.shape == (2, market20.paths.n_days, 3)
    regime = market20.paths.regime
    assert funding[0][regime == REGIMES.index("crisis")].mean() < funding[0][regime == REGIMES.index("calm")].mean()
