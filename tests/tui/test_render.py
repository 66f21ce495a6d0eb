"""Every screen paints its content, in colour and under NO_COLOR (a snapshot alone would record a
blank screen as faithfully as a good one)."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from dorado_tui.tui.keys import MODES
from tui import seed
from tui.conftest import build_app, settle
from tui.fakes import RecordingBackend

#: A piece of text each screen must show with the seeded state.
EXPECTED = {
    "dashboard": ("Risk & breakers", "daily_loss L3", "569/564P 596/601C"),
    "candidates": ("Gate verdicts", "gate.volatility.iv_rank"),
    "positions": ("unrealised P&L", "per side: put +$36"),
    "regimes": ("Probabilities & drivers", "vix_term_slope"),
    "risk": ("Circuit breakers", "portfolio.concentration.SPY"),
    "bots": ("usdjpy-carry", "Trading state by scope"),
    "log": ("Event log", "tlt-wheel short put awaiting approval"),
}


def _screen_text(svg: str) -> str:
    return html.unescape(" ".join(re.findall(r">([^<]*)</text>", svg))).replace("\xa0", " ")


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "no-color"])
@pytest.mark.parametrize(("mode", "key"), [pytest.param(m, k, id=m) for m, k, _ in MODES])
async def test_screen_paints_its_content(monkeypatch: pytest.MonkeyPatch, mode: str, key: str,
                                         no_color: bool) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = build_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        assert app.no_color is no_color
        text = _screen_text(app.export_screenshot())
        for expected in EXPECTED[mode]:
            assert expected in text, f"{mode}: {expected!r} not on screen"
        assert app.is_running


async def test_the_risk_screen_shows_named_scenarios_below_the_stress_grid() -> None:
    snap = seed.snapshot()
    assert snap.risk is not None
    risk = replace(snap.risk, scenarios=(("gfc_2008", -18_400.0), ("vol_spike", 2_150.0)))
    app = build_app(RecordingBackend(replace(snap, risk=risk)))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        text = " ".join(_screen_text(app.export_screenshot()).split())  # styled runs come apart in SVG
        assert "Named scenarios: gfc_2008 -$18.4k · vol_spike $2.1k" in text
