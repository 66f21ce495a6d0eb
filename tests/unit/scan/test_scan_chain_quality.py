"""Chain validation: our own IV/Greeks recover the vols a textbook chain was priced with; the
completeness, staleness, IV-model and spread-quality defences flag what they should."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from chainkit import NOW, bsm_chain, smile, stale, with_contracts, without_greeks

from dorado_tui.domain.instruments import ExerciseStyle
from dorado_tui.engine.scan.chain_quality import validate_chain
from dorado_tui.quant.pricing import american_price

CLOSE = datetime(2026, 4, 17, 21, 0, tzinfo=UTC)
EXPIRY = CLOSE.date()


def _validated(chain, spread_limit: float = 0.2):  # type: ignore[no-untyped-def]
    return validate_chain(chain, EXPIRY, CLOSE, NOW, spread_limit)


def test_parity_fit_recovers_forward_and_discount_of_a_textbook_chain() -> None:
    spot, r, q = 100.0, 0.04, 0.01
    v = _validated(bsm_chain(spot, rate=r, div=q, half_spread=0.0))
    t = v.t

    assert v.parity.forward == pytest.approx(spot * math.exp((r - q) * t), rel=5e-5)  # penny quotes
    assert v.parity.discount == pytest.approx(math.exp(-r * t), abs=3e-4)


def test_own_implied_vols_recover_the_smile_the_chain_was_priced_with() -> None:
    v = _validated(bsm_chain(100.0, half_spread=0.0))
    near = np.abs(np.log(v.strikes / 100.0)) < 0.08

    expected = smile(v.strikes, 100.0)
    # quotes are on a penny grid, so the vols are recovered to what a penny is worth in vega
    assert np.max(np.abs(v.own_iv[near] - expected[near])) < 2e-3
    assert np.max(np.abs(v.own_delta[near] - v.venue_delta[near])) < 2e-3
    assert not [f for f in v.flags if f.startswith(("iv_mismatch", "stale_greeks"))]
    assert v.quality == 1.0


def test_american_dividend_chain_is_de_americanized_before_the_parity_fit() -> None:
    spot, r, q, t_close = 100.0, 0.005, 0.035, CLOSE
    chain = bsm_chain(spot, rate=r, div=q, half_spread=0.0, exercise=ExerciseStyle.AMERICAN)
    t = (t_close - NOW).total_seconds() / (365 * 86400)

    def american(c):  # type: ignore[no-untyped-def]
        price = float(american_price(spot, c.strike, t, r, q, c.implied_vol, c.right.value == "call"))
        return replace(c, bid=round(price, 4), ask=round(price, 4))

    v = _validated(with_contracts(chain, american))

    assert v.parity.forward == pytest.approx(spot * math.exp((r - q) * t), rel=5e-4)
    near = np.abs(np.log(v.strikes / spot)) < 0.05
    assert np.median(np.abs(v.own_iv[near] - v.venue_iv[near])) < 1e-3
    assert not any(f.startswith("iv_mismatch") for f in v.flags)


def test_missing_greeks_share_counts_contracts_without_them() -> None:
    v = _validated(without_greeks(bsm_chain(100.0), every=5))

    assert v.missing_greeks_share == pytest.approx(0.2, abs=0.01)
    assert v.quality < 0.85
    near = np.abs(np.log(v.strikes / 100.0)) < 0.1
    assert np.isfinite(v.selection_delta()[near]).all()  # our own delta fills in where the venue sent none


def test_greeks_older_than_the_quotes_are_flagged_stale() -> None:
    v = _validated(stale(bsm_chain(100.0), minutes=23))

    assert "stale_greeks: venue Greeks 23 min older than the quotes" in v.flags
    assert v.quality == pytest.approx(0.85)


def test_venue_iv_from_another_model_is_flagged_as_a_mismatch() -> None:
    chain = with_contracts(bsm_chain(100.0), lambda c: replace(c, implied_vol=(c.implied_vol or 0) + 0.03))

    v = _validated(chain)

    assert any(f.startswith("iv_mismatch: venue IV differs from ours by 3.0 vol pts") for f in v.flags)


def test_wide_spreads_are_flagged_and_excluded_from_strike_selection() -> None:
    chain = bsm_chain(100.0, half_spread=0.02)
    wide = {(c.strike, c.right) for c in chain.contracts if c.strike in (90.0, 91.0)}
    chain = with_contracts(chain, lambda c: replace(c, bid=round(c.mid * 0.8, 2), ask=round(c.mid * 1.2, 2))
                           if (c.strike, c.right) in wide else c)

    v = _validated(chain)

    idx = [i for i, k in enumerate(v.strikes) if k in (90.0, 91.0) and not v.is_call[i]]
    assert all(v.spread_quality[i] > 0.2 for i in idx)
    assert not any(v.eligible[i] for i in idx)
    assert any(f.startswith("wide_spreads:") for f in v.flags)
