"""Incremental Greeks book: increments equal a full repricing, and the quant core's BSM is the reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from dorado_tui.quant.pricing import bsm_greeks
from dorado_tui.risk.greeks_book import CALL, LINEAR, PUT, GreeksBook, Holding
from dorado_tui.risk.portfolio import MarketFacts, PortfolioState

NOW = datetime(2025, 3, 12, 15, 0, tzinfo=UTC)
NAMES = ("SPY", "QQQ", "KO")


def _holdings() -> list[Holding]:
    return [
        Holding("SPY", PUT, -200.0, 440.0, NOW + timedelta(days=30), 0.18),
        Holding("SPY", PUT, 200.0, 435.0, NOW + timedelta(days=30), 0.19),
        Holding("QQQ", CALL, 100.0, 390.0, NOW + timedelta(days=10), 0.25),
        Holding("KO", LINEAR, 300.0),
        Holding("KO", CALL, -300.0, 65.0, NOW + timedelta(days=45), 0.16),
    ]


def _book() -> GreeksBook:
    return GreeksBook(NAMES, _holdings(), now=NOW, spots={"SPY": 450.0, "QQQ": 380.0, "KO": 60.0},
                      rates={"SPY": 0.04, "QQQ": 0.04, "KO": 0.04}, dividends={"KO": 0.03})


def _reference(spots: dict[str, float]) -> np.ndarray:
    """Σ quantity × Greeks from the quant core's public bsm_greeks, per underlying (U × 4)."""
    out = np.zeros((3, 4))
    for h in _holdings():
        u = NAMES.index(h.underlying)
        if h.kind == LINEAR:
            out[u, 0] += h.quantity
            continue
        t = (h.expiry - NOW) / timedelta(days=365)
        g = bsm_greeks(spots[h.underlying], h.strike, t, 0.04, 0.03 if h.underlying == "KO" else 0.0,
                       h.vol, h.kind == CALL)
        out[u] += h.quantity * np.array([g.delta, g.gamma, g.vega, g.theta], dtype=float)
    return out


def test_book_matches_the_quant_core_reference() -> None:
    book = _book()
    spots = {"SPY": 450.0, "QQQ": 380.0, "KO": 60.0}
    ref = _reference(spots)
    np.testing.assert_allclose(book.per_underlying(), ref, rtol=1e-12, atol=1e-9)
    s = np.array([450.0, 380.0, 60.0])
    assert book.dollar_delta == pytest.approx(float((ref[:, 0] * s).sum()), rel=1e-12)
    assert book.dollar_gamma_1pct == pytest.approx(float((ref[:, 1] * s * s).sum() / 100), rel=1e-12)
    assert (book.vega, book.theta) == (pytest.approx(ref[:, 2].sum()), pytest.approx(ref[:, 3].sum()))


def test_one_quote_reprices_only_its_underlying_and_moves_the_totals() -> None:
    book = _book()
    before = book.per_underlying()
    book.on_quote(0, 445.0)
    after = book.per_underlying()
    np.testing.assert_array_equal(after[1:], before[1:])
    np.testing.assert_allclose(after, _reference({"SPY": 445.0, "QQQ": 380.0, "KO": 60.0}), rtol=1e-12, atol=1e-9)


def test_many_increments_equal_a_full_recompute() -> None:
    book = _book()
    rng = np.random.default_rng(3)
    for _ in range(5_000):
        u = int(rng.integers(0, 3))
        book.on_quote(u, float(book.spot[u] * (1 + rng.normal(0, 0.002))))
    incremental = book.totals.copy()
    book.recompute()
    np.testing.assert_allclose(incremental, book.totals, rtol=1e-9, atol=1e-6)


def test_a_new_implied_vol_reprices_that_position() -> None:
    book = _book()
    vega_before = book.vega
    book.on_vol(2, 0.35)  # the QQQ call, sorted after the two SPY puts
    assert book.vega > vega_before


def test_an_unpriceable_underlying_is_reported_not_summed() -> None:
    book = GreeksBook(NAMES, _holdings(), now=NOW, spots={"SPY": 450.0, "KO": 60.0})
    assert book.unpriced() == ("QQQ",)
    assert np.isfinite(book.totals).all()
    book.on_quote(1, 380.0)
    assert book.unpriced() == ()


def test_holdings_on_unknown_underlyings_are_refused() -> None:
    with pytest.raises(ValueError, match="holdings on underlyings the book does not list: IWM"):
        GreeksBook(("SPY",), [Holding("IWM", LINEAR, 1.0)], now=NOW, spots={})


def test_portfolio_state_takes_its_greeks_from_the_book() -> None:
    book = _book()
    market = MarketFacts({"SPY": 1.0, "QQQ": 1.0, "KO": 1.0}, {"SPY": 0.2, "QQQ": 0.2, "KO": 0.2})
    state = PortfolioState.build(1e6, 1e6, [], market).with_greeks(book.names, book.spot, book.per_underlying())
    np.testing.assert_allclose(state.delta, book.per_underlying()[:, 0])
    assert state.spot.tolist() == [450.0, 380.0, 60.0]
