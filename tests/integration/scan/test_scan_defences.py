"""The simulator's injected chain defects meet the right defence: retry with backoff then alert and
skip (partial chains), re-resolution (stale Greeks, foreign IV model), flag/exclude (wide spreads),
waiting out pacing refusals — and gate failures skip with their recorded reason."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from scankit import AdvancingSleep, at, copy_home, publish, regime_states, runtime

from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.clock import FixedClock
from dorado_tui.engine.risk_service import ALERT_CHANNEL
from dorado_tui.engine.scan.model import ScanResult
from dorado_tui.engine.scan.service import Scanner
from dorado_tui.home import Home
from dorado_tui.market.config import DefectRates
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.venues.simulation.config import SimVenueConfig

DAY = date(2026, 8, 7)


@pytest.fixture(scope="module")
def home(template_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Home:
    return copy_home(template_home, tmp_path_factory.mktemp("defences") / "home")


async def scan(market: SimulatedMarket, home: Home, bots: list[str], defects: DefectRates | None = None,
               macro: str = "goldilocks") -> tuple[ScanResult, AdvancingSleep, list[dict[str, object]]]:
    clock = FixedClock(at(DAY))
    sleep = AdvancingSleep(clock)
    config = SimVenueConfig(defects=defects) if defects is not None else None
    async with runtime(market, home, clock, config) as rt:
        await publish(rt, regime_states(DAY, at(DAY, 8, 30), macro=macro))
        sub = await rt.bus.subscribe(ALERT_CHANNEL)
        result = await Scanner.from_runtime(rt, sleep=sleep).scan(bots)
        alerts = []
        while (event := await sub.get(within=0.05)) is not None:
            alerts.append(event.payload)
        await sub.close()
    return result, sleep, alerts


async def test_partial_chains_are_retried_after_60_120_300_s_then_alerted_and_skipped(
        market: SimulatedMarket, home: Home) -> None:
    result, sleep, alerts = await scan(market, home, ["qqq-pcs-01"], DefectRates(partial_chain=1.0))

    (bot,) = result.bots
    assert bot.skip_code == "CHAIN_INCOMPLETE"
    assert sleep.waits == [60.0, 120.0, 300.0]
    assert "chain incomplete after 4 attempts (waited 60 s, 120 s, 300 s)" in (bot.skipped or "")
    assert [a["code"] for a in alerts] == ["CHAIN_INCOMPLETE"]
    assert result.alerts == (bot.skipped,)


async def test_stale_venue_greeks_are_flagged_and_the_strikes_re_resolved(market: SimulatedMarket, home: Home) -> None:
    result, _, _ = await scan(market, home, ["spy-ic-01"], DefectRates(stale_greeks=1.0))

    assert result.candidates
    for c in result.candidates:
        assert any(f.startswith("stale_greeks: venue Greeks") for f in c.flags), c.flags
        assert any(f.startswith("re_resolved: delta moved") for f in c.flags), c.flags
        assert any(d.code == "RE_RESOLVED" for d in c.gates)
        assert c.data_quality < 0.9


async def test_a_foreign_iv_model_is_flagged_beside_our_own_iv(market: SimulatedMarket, home: Home) -> None:
    result, _, _ = await scan(market, home, ["spy-ic-01"], DefectRates(iv_mismatch=1.0))

    assert result.candidates
    assert all(any(f.startswith("iv_mismatch: venue IV differs from ours by") for f in c.flags)
               for c in result.candidates)


async def test_wide_spreads_are_flagged_and_never_reach_a_live_or_paper_candidate(market: SimulatedMarket,
                                                                                home: Home) -> None:
    result, _, _ = await scan(market, home, ["spy-ic-01", "qqq-pcs-01"], DefectRates(wide_spreads=1.0))

    verdicts = [d for b in result.bots for d in b.gates if d.check == "chain.validation"]
    assert verdicts and all("wide_spreads:" in d.reason for d in verdicts)
    for c in result.candidates:
        worst = max((leg.ask - leg.bid) / ((leg.ask + leg.bid) / 2) for leg in c.legs)
        if c.status in (CandidateStatus.SELECTED, CandidateStatus.PAPER):
            assert worst <= 0.20
        else:
            assert c.status_reason.startswith("excluded by scoring:")


async def test_pacing_refusals_are_waited_out(market: SimulatedMarket, home: Home) -> None:
    clean, _, _ = await scan(market, home, ["spy-ic-01"])
    paced, sleep, _ = await scan(market, home, ["spy-ic-01"], DefectRates(pacing=0.3))

    assert 1.0 in sleep.waits
    assert [c.id.split("/", 1)[1] for c in paced.candidates] == [c.id.split("/", 1)[1] for c in clean.candidates]


async def test_a_regime_outside_the_templates_list_skips_with_the_regime_and_confidence(
        market: SimulatedMarket, home: Home) -> None:
    result, _, _ = await scan(market, home, ["spy-ic-01"], macro="transition")

    (bot,) = result.bots
    assert bot.skip_code == "REGIME_NOT_ALLOWED"
    assert bot.skipped == "macro regime transition (72%) not in allowed goldilocks, risk_on"
    assert result.candidates == ()


async def test_risk_on_regime_deep_merges_its_override_into_the_template(market: SimulatedMarket, home: Home) -> None:
    result, _, _ = await scan(market, home, ["spy-ic-01"], macro="risk_on")

    (bot,) = result.bots
    assert "regime override risk_on applied" in bot.notes
    delta_variants = [c for c in result.candidates if c.variant == "delta"]
    assert delta_variants
    for c in delta_variants:
        short_put = next(leg for leg in c.legs if leg.role == "short_put")
        assert -0.25 <= (short_put.delta or 0) <= -0.18 + 0.02  # risk_on's band (fresh quotes may drift ≤ 0.02)


async def test_a_stale_regime_is_neutral_allow_all_and_every_candidate_says_so(market: SimulatedMarket,
                                                                             home: Home) -> None:
    day = date(2026, 8, 12)
    clock = FixedClock(at(day))
    async with runtime(market, home, clock) as rt:
        await publish(rt, regime_states(day, at(day) - timedelta(days=5), macro="crisis"))
        result = await Scanner.from_runtime(rt).scan(["spy-ic-01"])

    (bot,) = result.bots
    verdict = next(d for d in bot.gates if d.check == "gate.regime")
    assert (verdict.passed, verdict.code) == (True, "REGIME_NEUTRAL")
    assert verdict.reason.startswith("macro regime stale: computed 5.0 d ago")
    assert result.candidates
    assert all("regime_neutral" in c.flags and c.confidence == "LOW" for c in result.candidates)
