"""Every shipped template resolves to at least one candidate on some simulated day; a template that
asks for the impossible yields "no candidate: <why>" from the scan."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from scankit import at, copy_home, publish, regime_states, runtime

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.market import Quote
from dorado_tui.engine.runtime import Runtime
from dorado_tui.engine.scan.chain_quality import ValidatedChain
from dorado_tui.engine.scan.chains import ChainFetcher
from dorado_tui.engine.scan.history import StoreHistory
from dorado_tui.engine.scan.model import ScanSettings
from dorado_tui.engine.scan.pipeline import expiries_for
from dorado_tui.engine.scan.resolve_linear import LinearRequest, resolve_linear
from dorado_tui.engine.scan.resolve_options import OptionsRequest, resolve_expiry
from dorado_tui.engine.scan.service import Scanner
from dorado_tui.engine.scan.technicals import technicals
from dorado_tui.home import Home
from dorado_tui.market.calendar import CalendarKind, trading_days
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.settings.templates import StrategyTemplate

DAYS = trading_days(CalendarKind.XNYS, date(2026, 3, 2), date(2026, 10, 30))[::15]
UNDERLYING = {"equity_options": "SPY", "fx": "USDJPY", "crypto": "BTC"}
IMPOSSIBLE = {
    "far_expiry": ("dte_range: [30, 45]", "dte_range: [400, 500]"),
    "rich_credit": ("constraints:\n    min_credit_to_width: 0.20", "constraints:\n    min_credit_to_width: 0.95"),
}


@pytest.fixture(scope="module")
def home(template_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Home:
    home = copy_home(template_home, tmp_path_factory.mktemp("templates") / "home")
    text = (home.root / "strategies" / "put_credit_spread.yaml").read_text()
    for name, (old, new) in IMPOSSIBLE.items():
        assert old in text
        (home.root / "strategies" / f"{name}.yaml").write_text(text.replace(old, new).replace(
            "regime_requirements:\n    allowed_regimes: [goldilocks, risk_on, recovery]", "regime_requirements:\n"
            "    allowed_regimes: []"))
        layer = "LONG_DATED" if name == "far_expiry" else "L2_credit_spreads"  # no shipped layer admits 400 DTE
        (home.root / "config" / "bots" / f"{name}.yaml").write_text(
            f"bot:\n  id: {name.replace('_', '-')}\n  universe: calico-core\n  underlying: QQQ\n"
            f"  strategy_template: {name}\n  strategy_layer: {layer}\n")
    policy = home.root / "config" / "risk_policy.yaml"
    text = policy.read_text()
    assert "\nalerts:" in text
    policy.write_text(text.replace("\nalerts:", "  LONG_DATED: {capital_budget_pct: 5, max_heat_pct: 1}\n\nalerts:"))
    return home


async def _options(rt: Runtime, fetcher: ChainFetcher, key: str, tpl: StrategyTemplate, day: date) -> list[Candidate]:
    symbol = (tpl.allowed_underlyings or ("SPY",))[0]
    venue = rt.venue
    history = StoreHistory(rt.db, day)
    await history.load([symbol])
    (quote,) = await venue.get_quotes([symbol])
    bars = history.bars(symbol)
    assert bars is not None
    tech = technicals(bars, quote.mid)
    listed = await fetcher.expirations(venue, symbol)  # type: ignore[arg-type]
    out: list[Candidate] = []
    for expiry in expiries_for(tpl, day, listed):
        chain = await fetcher.validated(venue, symbol, expiry, 0.2)  # type: ignore[arg-type]
        assert isinstance(chain, ValidatedChain)
        req = OptionsRequest("t", "b", key, tpl, "L2", symbol, day, quote, tech, tech.trend_direction)
        out += resolve_expiry(req, chain).candidates
    return out


async def _linear(rt: Runtime, key: str, tpl: StrategyTemplate, day: date) -> list[Candidate]:
    symbol = UNDERLYING[tpl.underlying_class]
    history = StoreHistory(rt.db, day)
    await history.load([symbol])
    bars = history.bars(symbol)
    assert bars is not None
    (q,) = await rt.venue.get_quotes([symbol])
    u = rt.config.universe.get(symbol)
    assert u is not None
    found, _ = resolve_linear(LinearRequest("t", "b", key, tpl, "unassigned", u, Quote(symbol, q.bid, q.ask, q.last, q.time),
                                            technicals(bars, q.mid).atr, "long"))
    return found


async def test_every_shipped_template_resolves_to_a_candidate_on_some_day(market: SimulatedMarket, home: Home) -> None:
    clock = FixedClock(at(DAYS[0]))
    resolved: dict[str, date] = {}
    async with runtime(market, home, clock) as rt:
        fetcher = ChainFetcher(clock, ScanSettings(), lambda s: clock.advance(s) and None)  # type: ignore[arg-type, func-returns-value]
        shipped = {k: t for k, t in rt.config.templates.items() if k not in IMPOSSIBLE}
        for day in DAYS:
            clock.set(at(day))
            for key, tpl in shipped.items():
                if key in resolved:
                    continue
                options = tpl.underlying_class == "equity_options"
                found = await (_options(rt, fetcher, key, tpl, day) if options else _linear(rt, key, tpl, day))
                if found:
                    resolved[key] = day
            if len(resolved) == len(shipped):
                break

    assert set(shipped) - set(resolved) == set(), f"never resolved: {sorted(set(shipped) - set(resolved))}"
    assert len(shipped) >= 14


async def test_impossible_templates_yield_no_candidate_with_the_reason(market: SimulatedMarket, home: Home) -> None:
    day = date(2026, 8, 7)
    async with runtime(market, home, FixedClock(at(day))) as rt:
        await publish(rt, regime_states(day, at(day, 8, 30)))
        result = await Scanner.from_runtime(rt).scan(["far-expiry", "rich-credit"])

    why = {b.bot_id: (b.skip_code, b.skipped) for b in result.bots}
    assert why["far-expiry"][0] == "NO_CANDIDATE"
    assert (why["far-expiry"][1] or "").startswith("no candidate: no listed expiry within DTE 400–500 (nearest: ")
    assert why["rich-credit"][0] == "NO_CANDIDATE"
    assert "credit/width" in (why["rich-credit"][1] or "") and "below the minimum 0.95" in (why["rich-credit"][1] or "")
    assert result.candidates == ()
