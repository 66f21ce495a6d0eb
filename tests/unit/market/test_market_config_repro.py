"""Simulator configuration and bit-reproducibility (same seed → identical bars and chains)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from dorado_tui.domain.errors import ConfigError
from dorado_tui.market.chains import build_chain
from dorado_tui.market.config import MarketSimConfig, default_config, load_market_sim_config
from dorado_tui.market.history import daily_bars, macro_frame
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import MarketSpec

ROOT = Path(__file__).resolve().parents[3]
NOW = datetime(2021, 6, 9, 17, 30, tzinfo=UTC)


def _digest(market: SimulatedMarket) -> str:
    h = hashlib.sha256()
    for sym in ("SPY", "SPX", "BTC", "USDJPY", "VIX"):
        h.update(daily_bars(market, sym, date(2021, 5, 1), date(2021, 6, 30)).to_numpy().tobytes())
    h.update(macro_frame(market, date(2021, 5, 1), date(2021, 6, 30)).to_numpy().tobytes())
    for minutes in (1, 5):
        bars = market.intraday("QQQ", date(2021, 6, 9), minutes)
        h.update(np.stack([bars.open, bars.high, bars.low, bars.close, bars.volume]).tobytes())
    chain = build_chain(market, "SPX", date(2021, 7, 16), NOW)
    h.update(repr([(c.symbol, c.bid, c.ask, c.delta, c.implied_vol, c.open_interest) for c in chain.contracts])
             .encode())
    return h.hexdigest()


def test_same_seed_gives_identical_bars_and_chains_different_seed_does_not() -> None:
    a = SimulatedMarket(MarketSpec(5, date(2010, 1, 4)), until=date(2021, 12, 31))
    b = SimulatedMarket(MarketSpec(5, date(2010, 1, 4)), until=date(2023, 12, 31))
    c = SimulatedMarket(MarketSpec(6, date(2010, 1, 4)), until=date(2021, 12, 31))

    assert _digest(a) == _digest(b)
    assert _digest(a) != _digest(c)


def test_shipped_market_sim_yaml_is_the_defaults() -> None:
    shipped = load_market_sim_config(ROOT / "config" / "market_sim.yaml")

    assert shipped == default_config()


def test_partial_yaml_is_merged_onto_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "market_sim.yaml"
    path.write_text("regimes:\n  crisis: {duration_days: 60}\ndefects: {stale_greeks: 0.25}\n")

    config = load_market_sim_config(path)

    assert config.regimes["crisis"].duration_days == 60
    assert config.regimes["crisis"].min_days == default_config().regimes["crisis"].min_days
    assert config.defects.stale_greeks == 0.25
    assert MarketSimConfig.model_validate({"defects": {"pacing": 0.1}}).defects.pacing == 0.1


def test_invalid_config_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "market_sim.yaml"
    path.write_text("regimes:\n  calm: {next: {normal: 0.5}}\ndefects: {pacing: 2}\n")

    with pytest.raises(ConfigError) as caught:
        load_market_sim_config(path)

    text = "\n".join(caught.value.problems)
    assert "sum to 0.5, not 1" in text and "defects.pacing" in text


def test_a_seeded_config_change_changes_the_market() -> None:
    calm = MarketSimConfig.model_validate({"regimes": {"calm": {"equity_drift": 0.5}}})
    a = SimulatedMarket(MarketSpec(5, date(2010, 1, 4)), until=date(2012, 1, 1))
    b = SimulatedMarket(MarketSpec(5, date(2010, 1, 4)), config=calm, until=date(2012, 1, 1))

    assert np.array_equal(a.paths.regime, b.paths.regime)
    assert not np.array_equal(a.paths.log_close, b.paths.log_close)
