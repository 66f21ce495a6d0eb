"""The golden scan: the shipped configuration on a fixed seed and day gives a reviewed, stable set
of candidates (snapshot), each candidate's numbers re-derive by hand from the venue's chain, and
everything — candidates, verdicts, skips — is in the store.

Regenerate the snapshot after a reviewed change with DORADO_UPDATE_GOLDEN=1.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from scankit import at, copy_home, publish, regime_states, runtime

from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.clock import FixedClock
from dorado_tui.domain.instruments import OptionChain, Right
from dorado_tui.domain.orders import Action
from dorado_tui.engine.scan.model import ScanResult
from dorado_tui.engine.scan.service import Scanner
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import risk as risk_repo

GOLDEN = Path(__file__).parent / "golden_scan.json"
DAY = date(2026, 8, 7)


@dataclass
class Golden:
    result: ScanResult
    chains: dict[tuple[str, date], OptionChain]
    stored: list[Candidate]
    gate_events: list[risk_repo.RiskEvent]
    scan_row: bot_repo.SignalRecord


@pytest.fixture(scope="module")
def golden(market: SimulatedMarket, template_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Golden:
    home = copy_home(template_home, tmp_path_factory.mktemp("golden") / "home")

    async def run() -> Golden:
        clock = FixedClock(at(DAY))
        async with runtime(market, home, clock) as rt:
            await publish(rt, regime_states(DAY, at(DAY, 8, 30)))
            result = await Scanner.from_runtime(rt).scan(scan_id="golden")
            chains = {(c.underlying, c.expiry): await rt.venue.get_chain(c.underlying, c.expiry)  # type: ignore[attr-defined]
                      for c in result.candidates if c.expiry is not None}
            async with rt.db.read() as s:
                stored = await candidate_repo.list_candidates(s, scan_id="golden")
                events = await risk_repo.risk_events(s, kind="scan_gate")
                (row,) = [r for r in await bot_repo.signals(s) if r.signal_id == "golden"]
        return Golden(result, chains, stored, events, row)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(run())).result()


def _rounded(x: Any) -> Any:
    """Floats to 6 significant digits: the snapshot pins behaviour, not the last bits of a kernel."""
    if isinstance(x, float):
        return x if not math.isfinite(x) or x == 0 else float(f"{x:.6g}")
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


def test_golden_scan_matches_the_reviewed_snapshot(golden: Golden) -> None:
    got = _rounded(json.loads(json.dumps(golden.result.as_dict(), default=str)))
    if os.environ.get("DORADO_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")

    assert got == json.loads(GOLDEN.read_text())


def test_golden_scan_covers_selected_paper_and_skipped_underlyings(golden: Golden) -> None:
    r = golden.result

    assert r.selected and r.paper and r.skipped
    assert {c.bot_id for c in r.selected} == {"spy-ic-01", "qqq-pcs-01", "tlt-sp-01"}
    # the wheel layer (capital_pct, its own per-trade caps) takes one TLT cash-secured put on
    # $100k; the GLD put no longer fits its 15 % budget and the twin says which limit
    (tlt,) = [c for c in r.selected if c.bot_id == "tlt-sp-01"]
    assert (tlt.quantity, tlt.max_loss) == (1.0, pytest.approx(tlt.legs[0].instrument.strike * 100 - tlt.credit))
    (gld,) = [c for c in r.paper if c.bot_id == "gld-wheel-01"]
    assert gld.status_reason == "layer L1_wheel capital 18.88 % exceeds the limit 15 %"
    assert r.budget is not None and r.budget.trades > 0
    assert r.correlation == "Cross-asset correlation regime: diversified (4 PCs for 80%)"


def _mid(chain: OptionChain, symbol: str) -> tuple[float, float]:
    (c,) = [c for c in chain.contracts if c.symbol == symbol]
    return c.bid, c.ask


def test_each_candidates_numbers_re_derive_by_hand_from_the_chain(golden: Golden) -> None:
    options = [c for c in golden.result.candidates if c.expiry is not None]
    assert options
    for c in options:
        chain = golden.chains[(c.underlying, c.expiry)]  # type: ignore[index]
        credit = 0.0
        for leg in c.legs:
            bid, ask = _mid(chain, leg.instrument.symbol)
            assert (leg.bid, leg.ask) == (bid, ask), c.id  # priced from the venue's quotes of that moment
            sign = 1 if leg.action is Action.SELL else -1
            credit += sign * (bid + ask) / 2 * leg.ratio * 100
        assert c.credit == pytest.approx(credit, abs=1e-9), c.id
        shorts = {leg.instrument.right: leg.instrument.strike for leg in c.legs if leg.action is Action.SELL}
        longs = {leg.instrument.right: leg.instrument.strike for leg in c.legs if leg.action is Action.BUY}
        if longs:  # credit spreads and condors: max loss = width × 100 − credit
            width = max(abs((shorts[r] or 0) - (longs[r] or 0)) for r in shorts)
            assert c.width == pytest.approx(width)
            assert c.max_loss == pytest.approx(width * 100 - credit), c.id
            assert c.credit_to_width == pytest.approx(credit / (width * 100))
        else:  # a cash-secured short put: the strike to zero, less the premium
            assert c.max_loss == pytest.approx((shorts[Right.PUT] or 0) * 100 - credit), c.id
        expected_bes = []
        if Right.PUT in shorts:
            expected_bes.append((shorts[Right.PUT] or 0) - credit / 100)
        if Right.CALL in shorts:
            expected_bes.append((shorts[Right.CALL] or 0) + credit / 100)
        assert list(c.breakevens) == pytest.approx(expected_bes, abs=1e-5), c.id
        assert c.dte == (c.expiry - DAY).days  # type: ignore[operator]


def test_every_candidate_is_persisted_with_every_verdict_and_its_status(golden: Golden) -> None:
    stored = {c.id: c for c in golden.stored}

    assert set(stored) == {c.id for c in golden.result.candidates}
    for c in golden.result.candidates:
        s = stored[c.id]
        assert (s.status, s.status_reason, s.rank, s.quantity) == (c.status, c.status_reason, c.rank, c.quantity)
        assert [d.as_dict() for d in s.gates] == [d.as_dict() for d in c.gates]
        assert c.gates[-1].check in ("selection", "selection.paper_cap") or c.status is CandidateStatus.DROPPED


def test_each_skipped_underlying_keeps_its_failing_gate_with_value_and_threshold(golden: Golden) -> None:
    skipped = {b.bot_id: b for b in golden.result.bots if b.skipped}
    events = {e.scope: e.decision for e in golden.gate_events}

    assert set(events) == {f"bot:{b}" for b in skipped}
    for bot_id, outcome in skipped.items():
        d = events[f"bot:{bot_id}"]
        assert not d.passed and d.reason == outcome.skipped and d.code == outcome.skip_code
        if d.check.startswith("gate."):
            assert d.figure is not None, d  # a gate verdict holds the measured value
    payload = golden.scan_row.payload or {}
    assert {k: v["skipped"] for k, v in payload["bots"].items() if v["skipped"]} == golden.result.skipped
