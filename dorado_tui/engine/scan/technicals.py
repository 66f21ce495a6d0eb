"""Gate 3, technicals (PRD §3.2): ADX range/trend filter, ATR-channel range confirmation, Hurst,
breakout entries, and the support/resistance levels handed to strike and entry selection.

All figures come from the quant core on daily bars dated before the scan date; each verdict is a
Decision holding the measured value and its threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorado_tui.domain.decisions import Decision
from dorado_tui.engine.scan.history import Bars
from dorado_tui.quant.hurst import hurst
from dorado_tui.quant.indicators import adx, atr, atr_channel
from dorado_tui.quant.structure import Level, support_resistance
from dorado_tui.settings.template_parts import TechnicalRequirements

Array = NDArray[Any]

ATR_PERIOD = 14
HURST_RETURNS = 250  # about a year of daily returns
SR_BARS = 120  # levels from the last half year of swings
SR_TOLERANCE = 0.005
BREAKOUT_BARS = 20


@dataclass(frozen=True)
class Technicals:
    """Indicator values of one symbol at the scan (from bars before the scan date)."""

    spot: float
    atr: float
    adx: float
    plus_di: float
    minus_di: float
    hurst: float
    supports: tuple[Level, ...] = field(default=())
    resistances: tuple[Level, ...] = field(default=())
    high_20: float = math.nan
    low_20: float = math.nan
    ret_20: float = math.nan

    @property
    def trend_direction(self) -> str:
        """+DI above -DI: bullish; below: bearish."""
        return "long" if self.plus_di >= self.minus_di else "short"


def _last(x: Array) -> float:
    finite = x[np.isfinite(x)]
    return float(finite[-1]) if finite.size else math.nan


def technicals(bars: Bars, spot: float, adx_period: int = 14) -> Technicals:
    """The figures every gate and resolver step needs, computed once per symbol and period."""
    h, lo, c = bars.high, bars.low, bars.close
    dm = adx(h, lo, c, adx_period)
    rets = np.diff(np.log(c[-(HURST_RETURNS + 1):]))
    k = min(SR_BARS, len(c))
    levels = support_resistance(h[-k:], lo[-k:], c[-k:], tolerance=SR_TOLERANCE) if k > 10 else []
    supports = tuple(sorted((lv for lv in levels if lv.price < spot), key=lambda lv: -lv.price))
    resistances = tuple(sorted((lv for lv in levels if lv.price > spot), key=lambda lv: lv.price))
    n = BREAKOUT_BARS
    return Technicals(
        spot=spot, atr=_last(atr(h, lo, c, ATR_PERIOD)), adx=_last(dm.adx), plus_di=_last(dm.plus_di),
        minus_di=_last(dm.minus_di), hurst=float(hurst(rets)) if rets.size >= 32 else math.nan,
        supports=supports, resistances=resistances,
        high_20=float(h[-n:].max()) if len(h) >= n else math.nan,
        low_20=float(lo[-n:].min()) if len(lo) >= n else math.nan,
        ret_20=float(c[-1] / c[-n - 1] - 1.0) if len(c) > n else math.nan)


def _measured(check: str, what: str, value: float) -> Decision | None:
    if math.isfinite(value):
        return None
    return Decision.deny(check, "NOT_MEASURABLE", f"{what} cannot be measured: too little daily history")


def adx_decisions(req: TechnicalRequirements, tech: Technicals) -> list[Decision]:
    out: list[Decision] = []
    f = req.trend_filter
    if f is not None:
        check = "gate.technical.adx"
        bad = _measured(check, "ADX", tech.adx)
        if bad is not None:
            return [bad]
        if f.max_adx is not None and tech.adx > f.max_adx:
            out.append(Decision.deny(check, "TRENDING", f"ADX {tech.adx:.1f} above {f.max_adx:g}: trending, not range-bound",
                                     tech.adx, f.max_adx))
        elif f.min_adx is not None and tech.adx < f.min_adx:
            out.append(Decision.deny(check, "NO_TREND", f"ADX {tech.adx:.1f} below {f.min_adx:g}: no trend",
                                     tech.adx, f.min_adx))
        else:
            limit = f.max_adx if f.max_adx is not None else f.min_adx
            out.append(Decision.ok(check, f"ADX {tech.adx:.1f} within the filter", tech.adx, limit))
    return out


def range_decision(req: TechnicalRequirements, bars: Bars) -> list[Decision]:
    rc = req.range_confirmation
    if rc is None:
        return []
    check = "gate.technical.atr_channel"
    ch = atr_channel(bars.high, bars.low, bars.close, lookback=rc.reference_ma, atr_period=rc.lookback,
                     mult=rc.atr_multiplier, required=rc.min_inside_fraction)
    inside = _last(ch.inside_fraction)
    bad = _measured(check, "the ATR channel", inside)
    if bad is not None:
        return [bad]
    text = (f"{inside:.0%} of the last {rc.reference_ma} closes inside SMA{rc.reference_ma} ± "
            f"{rc.atr_multiplier:g}×ATR{rc.lookback}")
    if inside < rc.min_inside_fraction:
        return [Decision.deny(check, "OUT_OF_RANGE", f"{text} (need {rc.min_inside_fraction:.0%})", inside,
                              rc.min_inside_fraction)]
    return [Decision.ok(check, text, inside, rc.min_inside_fraction)]


def trend_confirmation(req: TechnicalRequirements, tech: Technicals) -> list[Decision]:
    tc = req.trend_confirmation
    if tc is None:
        return []
    out = []
    if tc.hurst_min is not None:
        out.append(hurst_decision("gate.technical.hurst", tech.hurst, tc.hurst_min))
    if tc.adx_min is not None:
        check = "gate.technical.adx_min"
        if not math.isfinite(tech.adx) or tech.adx < tc.adx_min:
            out.append(Decision.deny(check, "NO_TREND", f"ADX {tech.adx:.1f} below {tc.adx_min:g}", tech.adx, tc.adx_min))
        else:
            out.append(Decision.ok(check, f"ADX {tech.adx:.1f} ≥ {tc.adx_min:g}", tech.adx, tc.adx_min))
    return out


def hurst_decision(check: str, value: float, minimum: float) -> Decision:
    if not math.isfinite(value):
        return Decision.deny(check, "NOT_MEASURABLE", "Hurst exponent cannot be measured: too little daily history")
    if value < minimum:
        return Decision.deny(check, "NOT_TRENDING", f"Hurst {value:.2f} below {minimum:g}: no persistent trend",
                             value, minimum)
    return Decision.ok(check, f"Hurst {value:.2f} ≥ {minimum:g} (trending)", value, minimum)


def breakout_decision(req: TechnicalRequirements, tech: Technicals) -> tuple[list[Decision], str | None]:
    """(decision, direction) for `breakout_of_20d_range` entries; the breakout's side is the trade's."""
    if req.entry_method != "breakout_of_20d_range":
        return [], None
    check = "gate.technical.breakout"
    if not (math.isfinite(tech.high_20) and math.isfinite(tech.low_20)):
        return [Decision.deny(check, "NOT_MEASURABLE", "no 20-day range: too little daily history")], None
    if tech.spot > tech.high_20:
        return [Decision.ok(check, f"price {tech.spot:g} broke above the 20-day high {tech.high_20:g}",
                            tech.spot, tech.high_20)], "long"
    if tech.spot < tech.low_20:
        return [Decision.ok(check, f"price {tech.spot:g} broke below the 20-day low {tech.low_20:g}",
                            tech.spot, tech.low_20)], "short"
    return [Decision.deny(check, "NO_BREAKOUT", f"price {tech.spot:g} inside the 20-day range "
                          f"{tech.low_20:g}–{tech.high_20:g}", tech.spot, tech.high_20)], None


def sr_decision(tech: Technicals) -> Decision:
    """Informational: the levels strike selection will use (never fails the cascade)."""
    s = tech.supports[0].price if tech.supports else None
    r = tech.resistances[0].price if tech.resistances else None
    text = (f"support {s:.2f}" if s is not None else "no support level") + ", " + \
        (f"resistance {r:.2f}" if r is not None else "no resistance level")
    return Decision("gate.technical.sr", True, "SR_LEVELS" if (s or r) else "SR_NONE", text, s, r,
                    {"supports": [round(lv.price, 4) for lv in tech.supports[:3]],
                     "resistances": [round(lv.price, 4) for lv in tech.resistances[:3]]})
