"""Gate 2, volatility (PRD §3.2): VIX bounds, IV rank and term structure for options; the vol
regime for FX; the realized-vol band for crypto. Pure decisions on measured figures.

IV rank = (today − min) / (max − min) over the template's lookback of daily 30-day ATM IVs
(the store's history before today plus today's figure measured from the chain). FX vol regime:
the 20-day realized vol's percentile among the last year's: below 25 low, above 75 high.
Crypto realized vol is annualized with 365 days (it trades every day).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorado_tui.domain.decisions import Decision
from dorado_tui.engine.scan.history import Bars
from dorado_tui.quant.volatility import close_to_close, iv_rank_percentile
from dorado_tui.settings.template_parts import Bounds, IvRank, RealizedVol, TermStructure

Array = NDArray[Any]

MIN_IV_HISTORY = 60
FX_VOL_WINDOW = 20
FX_VOL_YEAR = 252
LOW_PCT, HIGH_PCT = 25.0, 75.0


def _band(lo: float | None, hi: float | None, fmt: str = "{:g}") -> str:
    return f"[{'-∞' if lo is None else fmt.format(lo)}, {'∞' if hi is None else fmt.format(hi)}]"


def within(check: str, what: str, value: float, lo: float | None, hi: float | None,
           code_low: str, code_high: str, fmt: str = "{:.1f}") -> Decision:
    """value inside [lo, hi] passes; the measured value and the crossed bound are recorded."""
    shown = fmt.format(value)
    if not math.isfinite(value):
        return Decision.deny(check, "NOT_MEASURABLE", f"{what} cannot be measured")
    if lo is not None and value < lo:
        return Decision.deny(check, code_low, f"{what} {shown} (< {lo:g} min)", value, lo)
    if hi is not None and value > hi:
        return Decision.deny(check, code_high, f"{what} {shown} (> {hi:g} max)", value, hi)
    return Decision.ok(check, f"{what} {shown} within {_band(lo, hi)}", value, hi if hi is not None else lo)


def vix_decision(bounds: Bounds, vix: float, source: str) -> Decision:
    d = within("gate.volatility.vix", "VIX", vix, bounds.min, bounds.max, "VIX_TOO_LOW", "VIX_TOO_HIGH")
    return Decision(d.check, d.passed, d.code, d.reason, d.figure, d.limit, {"source": source})


def iv_rank(today: float, history: Array, lookback: int) -> tuple[float, int]:
    """(IV rank 0–100, observations used) of today's IV against the history window."""
    past = history[np.isfinite(history)][-(lookback - 1):]
    values = np.append(past, today)
    if values.size < MIN_IV_HISTORY or not math.isfinite(today):
        return math.nan, int(values.size)
    rank, _ = iv_rank_percentile(values, window=values.size, min_periods=values.size)
    return float(rank[-1]), int(values.size)


def iv_rank_decision(req: IvRank, today: float, history: Array) -> Decision:
    check = "gate.volatility.iv_rank"
    rank, n = iv_rank(today, history, req.lookback_days)
    if not math.isfinite(today):
        return Decision.deny(check, "NOT_MEASURABLE", "today's 30-day ATM IV cannot be measured from the chain")
    if not math.isfinite(rank):
        return Decision.deny(check, "IV_HISTORY_SHORT", f"IV rank needs {MIN_IV_HISTORY} days of IV history, "
                             f"the store has {n - 1} (run `dorado data simulate` or import history)", n, MIN_IV_HISTORY)
    d = within(check, "IV rank", rank, req.min, req.max, "IV_RANK_LOW", "IV_RANK_HIGH", "{:.0f}")
    return Decision(d.check, d.passed, d.code, d.reason, d.figure, d.limit,
                    {"iv": round(today, 6), "observations": n})


def term_structure_decision(req: TermStructure, ratio: float) -> Decision:
    """Near (30-day) over far (91-day) ATM IV; above 1 is backwardation."""
    return within("gate.volatility.term_structure", "term structure 30d/91d IV", ratio, req.min_contango_ratio,
                  req.max_contango_ratio, "TERM_STRUCTURE_LOW", "TERM_STRUCTURE_HIGH", "{:.3f}")


def fx_vol_regime(bars: Bars) -> tuple[str, float, float]:
    """(low | normal | high, today's 20-day realized vol, its percentile over the last year)."""
    vol = close_to_close(bars.close, window=FX_VOL_WINDOW)
    hist = vol[np.isfinite(vol)][-FX_VOL_YEAR:]
    if hist.size < FX_VOL_WINDOW:
        return "unknown", math.nan, math.nan
    today = float(hist[-1])
    pct = 100.0 * float((hist[:-1] < today).mean()) if hist.size > 1 else 50.0
    label = "low" if pct < LOW_PCT else "high" if pct > HIGH_PCT else "normal"
    return label, today, pct


def fx_vol_decision(allowed: tuple[str, ...], bars: Bars) -> Decision:
    check = "gate.volatility.fx_vol_regime"
    label, vol, pct = fx_vol_regime(bars)
    if label == "unknown":
        return Decision.deny(check, "NOT_MEASURABLE", "FX vol regime cannot be measured: too little daily history")
    text = f"FX vol regime {label} (20-day vol {vol:.1%}, {pct:.0f}th percentile of the year)"
    if allowed and label not in allowed:
        return Decision.deny(check, "VOL_REGIME_NOT_ALLOWED", f"{text}; allowed {', '.join(allowed)}", pct, None,
                             regime=label)
    return Decision.ok(check, text, pct, None, regime=label)


def realized_vol_decision(band: RealizedVol, bars: Bars) -> Decision:
    vol = close_to_close(bars.close, window=band.lookback_days, periods_per_year=365.0)
    value = float(vol[-1]) * 100.0 if len(vol) and math.isfinite(vol[-1]) else math.nan
    return within("gate.volatility.realized_vol", f"{band.lookback_days}-day realized vol %", value, band.min,
                  band.max, "VOL_TOO_LOW", "VOL_TOO_HIGH")
