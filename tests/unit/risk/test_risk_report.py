"""`dorado risk`'s report on a real position: radar limits, and the quant core's full repricing
bounded by the spread's defined risk."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from dorado_tui.domain.account import Position
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.instruments import Right
from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType
from dorado_tui.engine.risk_report import build_risk_report
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec
from dorado_tui.market.universe import instrument_for
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.store.database import Database
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.store.repos import series
from dorado_tui.venues.simulation.venue import SimulationVenue

OPEN = datetime(2015, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def market() -> SimulatedMarket:
    return SimulatedMarket(MarketSpec.default())


@pytest.fixture
async def venue(market: SimulatedMarket) -> AsyncIterator[SimulationVenue]:
    v = SimulationVenue(market, FixedClock(OPEN))
    await v.connect()
    yield v
    await v.disconnect()


def _bars(last: float, days: int = 300, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    closes = last * np.exp(np.cumsum(rng.normal(0, 0.01, days))[::-1] * -1)
    index = pd.DatetimeIndex([OPEN - timedelta(days=days - i) for i in range(days)])
    return pd.DataFrame({"open": closes, "high": closes * 1.005, "low": closes * 0.995, "close": closes,
                         "volume": 1e6}, index=index)


async def _open_put_spread(db: Database, venue: SimulationVenue) -> float:
    spot = (await venue.get_quotes(["SPY"]))[0].mid
    chain = await venue.get_chain("SPY", (await venue.get_expirations("SPY"))[2])
    puts = sorted((c for c in chain.contracts if c.right is Right.PUT), key=lambda c: c.strike)
    short = min(puts, key=lambda c: abs(c.strike - spot * 0.95))
    long = next(c for c in reversed(puts) if c.strike <= short.strike - 5)
    order = Order("open-1", (OrderLeg(short.instrument, Action.SELL, 1), OrderLeg(long.instrument, Action.BUY, 1)),
                  2, OrderType.MARKET)
    result = await venue.place_order(order)
    assert result.status.value == "filled", result.reason
    credit = -float(result.avg_fill_price or 0.0) * 100
    width = short.strike - long.strike
    max_loss = (width * 100 - credit) * 2
    legs = tuple(p for p in await venue.get_positions() if abs(p.quantity) > 0)
    async with db.transaction() as tx:
        await position_repo.open_position(tx, position_repo.ManagedPosition(
            "p-1", "bot-1", "SPY", 2, -credit / 100, OPEN, legs, asset_class="equity_options",
            template="put_credit_spread", strategy_layer="L2_credit_spreads", max_loss=max_loss,
            greeks={"delta": 20.0, "gamma": -1.0, "vega": -15.0, "theta": 4.0}))
        await series.upsert_bars(tx, "SPY", "1d", _bars(spot))
    return max_loss


async def test_report_measures_the_position_and_full_repricing_respects_defined_risk(
        db: Database, venue: SimulationVenue) -> None:
    max_loss = await _open_put_spread(db, venue)
    report = await build_risk_report(db, venue, RiskPolicy(), FixedClock(OPEN))

    nav = report.nav
    heat = next(d for d in report.limits if d.check == "portfolio.heat")
    assert heat.figure == pytest.approx(max_loss / nav * 100)
    assert report.positions == 1
    assert report.exposure.var99_pct > 0
    full = report.full
    assert full is not None and full.var is not None and full.grid is not None
    assert full.grid.pnl.shape == (9, 7)
    # a defined-risk spread cannot lose more than width × multiplier − credit, however repriced
    assert full.grid.worst <= max_loss + 1e-6
    assert 0 < full.var.var_99 <= max_loss + 1e-6
    assert set(full.scenarios) == {"2008-style crash", "vol crush", "weekend gap"}
    assert report.as_dict()["full_repricing"]["stress_grid"]["worst"] == pytest.approx(full.grid.worst)


async def test_report_without_bars_says_what_is_missing(db: Database, venue: SimulationVenue) -> None:
    report = await build_risk_report(db, venue, RiskPolicy(), FixedClock(OPEN))
    assert report.positions == 0 and report.full is None
    assert "no daily bars for SPY: its VaR cannot be measured" in report.notes


async def test_report_shows_every_layer_of_the_policy_with_its_budget(db: Database, venue: SimulationVenue) -> None:
    report = await build_risk_report(db, venue, RiskPolicy(), FixedClock(OPEN))

    layers = {d.check: d.reason for d in report.limits if d.check.startswith("portfolio.layer.")}
    assert layers == {
        "portfolio.layer.L1_wheel": "layer L1_wheel capital 0.00 % within 15 %",
        "portfolio.layer.L2_credit_spreads": "layer L2_credit_spreads capital 0.00 % within 8 %",
        "portfolio.layer.ZERO_DTE": "layer ZERO_DTE capital 0.00 % within 2 %",
        "portfolio.layer.L3_fx": "layer L3_fx capital 0.00 % within 15 %",
        "portfolio.layer.L4_crypto": "layer L4_crypto capital 0.00 % within 6 %",
    }
    shown = report.as_dict()["limits"]
    assert {d["check"] for d in shown} >= set(layers)


async def _hold(db: Database, pid: str, leg: Position, layer: str, asset: str, max_loss: float) -> None:
    async with db.transaction() as tx:
        await position_repo.open_position(tx, position_repo.ManagedPosition(
            pid, f"bot-{pid}", leg.instrument.symbol, leg.quantity, leg.avg_cost, OPEN, (leg,), asset_class=asset,
            template="momentum", strategy_layer=layer, max_loss=max_loss))


async def test_held_fx_and_crypto_commit_their_notional_at_the_layers_margin(db: Database,
                                                                              venue: SimulationVenue) -> None:
    # 0.05 BTC marked at 80,000: 4,000 committed unlevered; 100,000 USDJPY: 100,000 dollars × 5 %
    await _hold(db, "p-btc", Position(instrument_for("BTC"), 0.05, 60_000.0, 80_000.0), "L4_crypto", "crypto", 300.0)
    await _hold(db, "p-jpy", Position(instrument_for("USDJPY"), 100_000.0, 150.0, 151.0), "L3_fx", "fx", 1_350.0)

    report = await build_risk_report(db, venue, RiskPolicy(), FixedClock(OPEN))

    nav = report.nav
    layers = {f.name: f for f in report.exposure.layers}
    assert layers["L4_crypto"].max_underlying_capital_pct == pytest.approx(4_000.0 / nav * 100)
    assert layers["L3_fx"].capital_pct == pytest.approx(5_000.0 / nav * 100)
    assert report.exposure.heat_pct == pytest.approx(1_650.0 / nav * 100)  # heat stays the max loss
    crypto = next(d for d in report.limits if d.check == "portfolio.layer.L4_crypto")
    assert (crypto.passed, crypto.code) == (False, "LAYER_UNDERLYING_CAPITAL")  # the PRD's 3 % per token
