"""Option chains: listings, strike grids, spreads, parity, American premium, defects."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import numpy as np
import pytest

from dorado_tui.domain.instruments import ExerciseStyle, Right
from dorado_tui.market.chains import build_chain, option_quotes
from dorado_tui.market.config import DefectRates
from dorado_tui.market.listings import is_valid_strike, listed_expirations
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.quant.iv import implied_vol
from dorado_tui.quant.pricing import bsm_price

NOW = datetime(2024, 3, 11, 15, 0, tzinfo=UTC)  # Monday 11:00 New York


def _expiry(market: SimulatedMarket, underlying: str, min_days: int) -> date:
    return next(e for e in listed_expirations(underlying, NOW, market.config.chains) if (e - NOW.date()).days >= min_days)


def test_daily_expirations_for_spy_and_spx_but_not_tlt(market: SimulatedMarket) -> None:
    chains = market.config.chains
    spy = listed_expirations("SPY", NOW, chains)
    spx = listed_expirations("SPX", NOW, chains)
    tlt = listed_expirations("TLT", NOW, chains)
    week = [date(2024, 3, d) for d in (11, 12, 13, 14, 15)]
    assert all(d in spy for d in week) and all(d in spx for d in week)
    assert date(2024, 3, 12) not in tlt and date(2024, 3, 15) in tlt
    assert date(2024, 3, 29) not in spy and date(2024, 3, 28) in spy  # Good Friday moves to Thursday
    assert date(2024, 4, 19) in tlt  # third-Friday monthly


def test_zero_dte_expiry_is_listed_until_the_close(market: SimulatedMarket) -> None:
    chains = market.config.chains
    assert listed_expirations("SPY", datetime(2024, 3, 11, 19, 59, tzinfo=UTC), chains)[0] == date(2024, 3, 11)
    assert listed_expirations("SPY", datetime(2024, 3, 11, 20, 0, tzinfo=UTC), chains)[0] == date(2024, 3, 12)


def test_chain_strikes_sit_on_the_grid_around_spot(market: SimulatedMarket) -> None:
    expiry = _expiry(market, "SPX", 25)
    chain = build_chain(market, "SPX", expiry, NOW)
    strikes = chain.strikes(expiry, Right.PUT)
    assert strikes == chain.strikes(expiry, Right.CALL)
    assert all(is_valid_strike("SPX", k) for k in strikes)
    assert min(strikes) < chain.underlying_price * 0.85 < chain.underlying_price * 1.15 < max(strikes)
    assert all(c.instrument.exercise is ExerciseStyle.EUROPEAN for c in chain.contracts)


def test_far_out_of_the_money_quotes_are_wider_than_at_the_money(market: SimulatedMarket) -> None:
    for underlying in ("SPY", "SPX", "IWM"):
        expiry = _expiry(market, underlying, 25)
        chain = build_chain(market, underlying, expiry, NOW)
        puts = [c for c in chain.contracts if c.right is Right.PUT and c.bid > 0]
        atm = min(puts, key=lambda c: abs(c.strike - chain.underlying_price))
        far = [c for c in puts if c.delta is not None and -0.05 < c.delta < -0.01]
        assert far
        assert min(c.spread_quality for c in far) > atm.spread_quality


def test_put_call_parity_of_spx_mids_holds_within_the_spread(market: SimulatedMarket) -> None:
    expiry = _expiry(market, "SPX", 25)
    chain = build_chain(market, "SPX", expiry, NOW)
    from dorado_tui.market.chains import pricing_inputs

    inp = pricing_inputs(market, "SPX", expiry, NOW)
    checked = 0
    for put in (c for c in chain.contracts if c.right is Right.PUT and c.bid > 0):
        call = chain.find(expiry, Right.CALL, put.strike)
        if call is None or call.bid <= 0:
            continue
        parity = inp.spot * np.exp(-inp.div * inp.t) - put.strike * np.exp(-inp.rate * inp.t)
        half_spreads = 0.5 * ((call.ask - call.bid) + (put.ask - put.bid))
        assert abs((call.mid - put.mid) - parity) <= half_spreads + 1e-9
        checked += 1
    assert checked > 40


def test_american_etf_puts_are_worth_at_least_european_and_intrinsic(market: SimulatedMarket) -> None:
    expiry = _expiry(market, "SPY", 150)
    from dorado_tui.market.chains import model_values, pricing_inputs

    inp = pricing_inputs(market, "SPY", expiry, NOW)
    strikes = np.linspace(inp.spot * 0.8, inp.spot * 1.3, 40)
    puts = np.zeros(40, dtype=bool)
    iv, american, _ = model_values(inp, strikes, puts)
    european = bsm_price(inp.spot, strikes, inp.t, inp.rate, inp.div, iv, puts)
    assert np.all(american >= european - 1e-9)
    assert np.all(american >= np.maximum(strikes - inp.spot, 0) - 1e-9)
    assert american[-1] > european[-1] + 0.05  # deep ITM puts carry an early-exercise premium


def test_chain_reports_model_iv_that_reprices_european_mids(market: SimulatedMarket) -> None:
    expiry = _expiry(market, "SPX", 25)
    chain = build_chain(market, "SPX", expiry, NOW)
    from dorado_tui.market.chains import pricing_inputs

    inp = pricing_inputs(market, "SPX", expiry, NOW)
    near = [c for c in chain.contracts if c.right is Right.CALL and abs(c.strike / inp.spot - 1) < 0.03]
    model = bsm_price(inp.spot, np.array([c.strike for c in near]), inp.t, inp.rate, inp.div,
                      np.array([c.implied_vol for c in near]), True)
    mids = np.array([c.mid for c in near])
    spreads = np.array([c.ask - c.bid for c in near])
    assert np.all(np.abs(mids - model) <= spreads / 2 + 1e-9)


def test_put_skew_is_richer_than_call_wing(market: SimulatedMarket) -> None:
    expiry = _expiry(market, "SPY", 25)
    chain = build_chain(market, "SPY", expiry, NOW)
    put25 = chain.nearest_delta(-0.25, Right.PUT, expiry)
    call25 = chain.nearest_delta(0.25, Right.CALL, expiry)
    assert put25 is not None and call25 is not None
    assert (put25.implied_vol or 0) > (call25.implied_vol or 0)


def test_open_interest_of_a_strike_does_not_depend_on_the_rest_of_the_chain(market: SimulatedMarket) -> None:
    expiry = _expiry(market, "QQQ", 25)
    chain = build_chain(market, "QQQ", expiry, NOW)
    picked = chain.contracts[len(chain.contracts) // 3]
    [alone] = option_quotes(market, [picked.instrument], NOW)
    assert (alone.open_interest, alone.volume, alone.bid, alone.ask) == (
        picked.open_interest, picked.volume, picked.bid, picked.ask)


class TestDefects:
    """Each PRD chain-quality defect shows up when switched on, and never when off."""

    def _chain(self, market: SimulatedMarket, **rates: float):  # type: ignore[no-untyped-def]
        expiry = _expiry(market, "SPY", 25)
        return expiry, build_chain(market, "SPY", expiry, NOW, DefectRates(**rates))

    def test_no_defects_when_rates_are_zero(self, market: SimulatedMarket) -> None:
        _, chain = self._chain(market)
        assert chain.notes == ()
        assert all(c.has_greeks and c.greeks_time == c.quote_time for c in chain.contracts)

    def test_stale_greeks_lag_the_quote_and_diverge_from_fresh_ones(self, market: SimulatedMarket) -> None:
        expiry, chain = self._chain(market, stale_greeks=1.0)
        assert "defect:stale_greeks" in chain.notes
        c = chain.nearest_delta(-0.5, Right.PUT, expiry)
        assert c is not None and c.greeks_time is not None and c.greeks_time < c.quote_time
        [fresh] = option_quotes(market, [c.instrument], NOW)
        assert abs((fresh.delta or 0) - (c.delta or 0)) > 0.02
        assert (fresh.bid, fresh.ask) == (c.bid, c.ask)  # prices are current, only Greeks are stale

    def test_wide_spreads_hit_illiquid_strikes(self, market: SimulatedMarket) -> None:
        _, clean = self._chain(market)
        _, wide = self._chain(market, wide_spreads=0.5)
        widened = [w for c, w in zip(clean.contracts, wide.contracts, strict=True) if w.ask - w.bid > c.ask - c.bid]
        assert widened and all(w.spread_quality > 0.15 for w in widened if w.mid > 0.05)

    def test_partial_chain_misses_more_than_ten_percent_of_greeks(self, market: SimulatedMarket) -> None:
        _, clean = self._chain(market)
        _, partial = self._chain(market, partial_chain=1.0)
        missing = sum(1 for c in partial.contracts if c.delta is None)
        assert missing / len(partial.contracts) > 0.10
        assert len(partial.contracts) < len(clean.contracts)

    def test_iv_mismatch_disagrees_with_the_iv_implied_by_prices(self, market: SimulatedMarket) -> None:
        expiry, chain = self._chain(market, iv_mismatch=1.0)
        assert "defect:iv_mismatch" in chain.notes
        from dorado_tui.market.chains import pricing_inputs

        inp = pricing_inputs(market, "SPY", expiry, NOW)
        c = chain.nearest_delta(-0.3, Right.PUT, expiry)
        assert c is not None and c.implied_vol is not None
        european_mid = bsm_price(inp.spot, c.strike, inp.t, inp.rate, inp.div, c.implied_vol, False)
        assert abs(float(european_mid) - c.mid) > 0.05  # the reported IV does not price the quote

    def test_defects_are_deterministic_per_minute(self, market: SimulatedMarket) -> None:
        rates = {"stale_greeks": 0.5, "partial_chain": 0.5, "iv_mismatch": 0.5, "wide_spreads": 0.2}
        assert self._chain(market, **rates)[1] == self._chain(market, **rates)[1]


@pytest.mark.parametrize("underlying", ["SPY", "QQQ", "IWM", "TLT", "GLD", "SPX"])
def test_deltas_are_ordered_and_bounded(market: SimulatedMarket, underlying: str) -> None:
    expiry = _expiry(market, underlying, 25)
    chain = build_chain(market, underlying, expiry, NOW)
    for right, lo, hi in ((Right.CALL, 0.0, 1.0), (Right.PUT, -1.0, 0.0)):
        deltas = [c.delta for c in sorted(chain.contracts, key=lambda c: c.strike) if c.right is right]
        assert all(lo - 1e-9 <= d <= hi + 1e-9 for d in deltas if d is not None)
        assert all(a >= b - 1e-9 for a, b in itertools.pairwise(deltas) if a is not None and b is not None)
    _ = implied_vol  # the quant core's IV solver is the resolver's; imported to fail loudly if it moves
