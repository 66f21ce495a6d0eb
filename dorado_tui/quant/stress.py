"""Stress testing by full repricing: the spot × vol grid and named scenarios.

Spot shocks are relative moves of every underlying (β-scaled when betas are given); vol shocks
are relative changes of every implied vol (+1.0 doubles it, -0.5 halves it). P&L is in
account currency: Σ quantity × (value after - value now).

Named scenarios (`SCENARIOS`), all on one day's repricing unless stated:
- 2008-style crash: the market falls 20 % with correlations spiking to 0.9, so each underlying
  moves 0.9·σ_i/σ_market × (-20 %) when vol ratios are given (otherwise β × -20 %), implied
  vols double, 2 calendar days pass;
- vol crush: spot unchanged, implied vols fall 40 % (after an event), 1 day passes;
- weekend gap: the market gaps 7 % down (β-scaled) from Friday's close to Monday's open with
  implied vols +30 % and 3 calendar days of decay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from dorado_tui.quant import _american
from dorado_tui.quant._arrays import FloatArray
from dorado_tui.quant._threads import run_ranges
from dorado_tui.quant.book import OptionBook

SPOT_SHOCKS = np.linspace(-0.20, 0.20, 9)
VOL_SHOCKS = np.array([-0.50, -0.25, 0.0, 0.25, 0.50, 0.75, 1.00])


@dataclass(frozen=True)
class StressGrid:
    """pnl[i, j]: book P&L for spot_shocks[i] and vol_shocks[j]."""

    spot_shocks: FloatArray
    vol_shocks: FloatArray
    pnl: FloatArray

    @property
    def worst(self) -> float:
        """The largest loss in the grid (positive), 0 if every cell gains."""
        return float(max(0.0, -self.pnl.min()))


@dataclass(frozen=True)
class Scenario:
    """A named market move: `market_move` of the benchmark, relative `vol_shock`, `days` of
    decay, and optionally the correlation every underlying takes to the market."""

    name: str
    market_move: float
    vol_shock: float
    days: float = 0.0
    crisis_correlation: float | None = None


CRASH_2008 = Scenario("2008-style crash", -0.20, 1.00, 2.0, crisis_correlation=0.9)
VOL_CRUSH = Scenario("vol crush", 0.0, -0.40, 1.0)
WEEKEND_GAP = Scenario("weekend gap", -0.07, 0.30, 3.0)
SCENARIOS = (CRASH_2008, VOL_CRUSH, WEEKEND_GAP)


def _per_position(book: OptionBook, values: ArrayLike | None, default: float) -> FloatArray:
    if values is None:
        return np.full(book.size, default)
    out = np.broadcast_to(np.asarray(values, dtype=np.float64), (book.size,))
    return np.asarray(out, dtype=np.float64)


def stress_grid(
    book: OptionBook, spot_shocks: ArrayLike = SPOT_SHOCKS, vol_shocks: ArrayLike = VOL_SHOCKS,
    beta: ArrayLike | None = None, days: float = 0.0,
) -> StressGrid:  # fmt: skip
    """Book P&L over every (spot shock, vol shock) pair by full repricing of each position
    (one compiled pass per grid cell, cells split over threads; `days` of decay in every cell)."""
    ds = np.ascontiguousarray(np.asarray(spot_shocks, dtype=np.float64).ravel())
    dv = np.ascontiguousarray(np.asarray(vol_shocks, dtype=np.float64).ravel())
    b = np.ascontiguousarray(_per_position(book, beta, 1.0))
    pnl = np.empty((ds.size, dv.size))
    args = (
        book.spot, book.strike, book.t, book.rate, book.div, book.vol, book.is_call,
        book.american, book.is_option, book.quantity, b, ds, dv, days / 365.0, pnl,
    )  # fmt: skip
    run_ranges(_american.grid_pnl, ds.size * dv.size, args)
    return StressGrid(ds, dv, pnl)


def scenario_moves(
    book: OptionBook,
    scenario: Scenario,
    beta: ArrayLike | None = None,
    vol_ratio: ArrayLike | None = None,
) -> FloatArray:
    """Each position's underlying move in `scenario` (see the module docstring)."""
    if scenario.crisis_correlation is not None and vol_ratio is not None:
        scale = scenario.crisis_correlation * _per_position(book, vol_ratio, 1.0)
    else:
        scale = _per_position(book, beta, 1.0)
    return np.maximum(scenario.market_move * scale, -0.99)


def run_scenario(
    book: OptionBook,
    scenario: Scenario,
    beta: ArrayLike | None = None,
    vol_ratio: ArrayLike | None = None,
) -> float:
    """Book P&L in a named scenario (full repricing)."""
    moves = scenario_moves(book, scenario, beta, vol_ratio)
    spot = book.spot * (1.0 + moves)
    vol = book.vol * max(1.0 + scenario.vol_shock, 0.0)
    t = np.maximum(book.t - scenario.days / 365.0, 0.0)
    now = book.unit_values(book.spot, book.t, book.vol)
    after = book.unit_values(spot, t, vol)
    return float(((after - now) * book.quantity).sum())


def run_scenarios(
    book: OptionBook, scenarios: tuple[Scenario, ...] = SCENARIOS, beta: ArrayLike | None = None,
    vol_ratio: ArrayLike | None = None,
) -> dict[str, float]:  # fmt: skip
    """P&L of each named scenario, by name."""
    return {s.name: run_scenario(book, s, beta, vol_ratio) for s in scenarios}
