"""Formatting of engine figures for the console: money, percentages, glyphs, ages, sparklines, colours.

Every glyph carries its meaning without colour (✓/✗, words for states) so NO_COLOR loses nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from rich.text import Text

from dorado_tui.domain.states import TradingState

PASS = "✓"
FAIL = "✗"
DASH = "—"
_BLOCKS = "▁▂▃▄▅▆▇█"

#: Styles for bad news: NEG (a loss), BAD (a failed check), ALARM (a flag nobody may miss).
#: Under NO_COLOR Textual greys every colour by luminance and red turns almost black, so the
#: console switches to weight and reverse video instead (`set_monochrome`).
NEG = "bright_red"
BAD = "bold bright_red"
ALARM = "bold white on red"

#: Rich styles per trading state.
STATE_STYLE = {
    TradingState.ACTIVE: "bold green",
    TradingState.REDUCING: "bold yellow",
    TradingState.HALTED: ALARM,
}


def set_monochrome(on: bool) -> None:
    """Pick the styles for a terminal without colour (NO_COLOR) or with it; the app calls this once."""
    global NEG, BAD, ALARM
    NEG, BAD, ALARM = ("bold", "bold reverse", "bold reverse") if on else (
        "bright_red", "bold bright_red", "bold white on red")
    STATE_STYLE[TradingState.REDUCING] = "bold underline" if on else "bold yellow"
    STATE_STYLE[TradingState.HALTED] = ALARM


def money(x: float | None, *, signed: bool = False, decimals: int = 0) -> str:
    """`$1,234` / `-$1,234` (`+$1,234` when signed); a dash for missing or non-finite."""
    if x is None or not math.isfinite(x):
        return DASH
    sign = "-" if x < 0 else ("+" if signed and x > 0 else "")
    return f"{sign}${abs(x):,.{decimals}f}"


def compact_money(x: float | None) -> str:
    """`$3.1k`, `$1.2M`: for narrow panes."""
    if x is None or not math.isfinite(x):
        return DASH
    sign = "-" if x < 0 else ""
    v = abs(x)
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{sign}${v / div:.1f}{suffix}"
    return f"{sign}${v:.0f}"


def compact_number(x: float) -> str:
    """Signed and short: `+312`, `-1.9k`, `+2.4M`."""
    if not math.isfinite(x):
        return DASH
    v = abs(x)
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{x / div:+.1f}{suffix}"
    return f"{x:+.0f}"


def pct(x: float | None, decimals: int = 1, *, signed: bool = False) -> str:
    """A fraction as a percentage: 0.041 -> `4.1%`."""
    if x is None or not math.isfinite(x):
        return DASH
    return f"{x * 100:{'+' if signed else ''}.{decimals}f}%"


def num(x: float | None, decimals: int = 2, *, signed: bool = False) -> str:
    if x is None or not math.isfinite(x):
        return DASH
    return f"{x:{'+' if signed else ''},.{decimals}f}"


def figure(x: float | None, unit: str) -> str:
    """A check's figure or limit by unit: "pct" (fraction), "usd", "count", else a plain number."""
    if unit == "pct":
        return pct(x)
    if unit == "usd":
        return money(x)
    if unit == "count":
        return num(x, 0)
    return DASH if x is None or not math.isfinite(x) else f"{x:.4g}"


def pnl_text(x: float | None) -> Text:
    """Signed P&L coloured green/red (the sign says it without colour)."""
    style = "" if x is None or x == 0 else ("green" if x > 0 else NEG)
    return Text(money(x, signed=True), style=style, justify="right")


def check(passed: bool) -> str:
    return PASS if passed else FAIL


def check_text(passed: bool) -> Text:
    return Text(check(passed), style="green" if passed else BAD)


def gates_text(passed: Sequence[bool]) -> Text:
    """One ✓/✗ per gate in cascade order, e.g. `✓✓✗`."""
    out = Text()
    for p in passed:
        out.append_text(check_text(p))
    return out if passed else Text(DASH)


def quality(data_quality: float) -> str:
    """The PRD's data-quality marks: ✓✓✓ clean, ✓✓, ✓, ⚠ degraded."""
    if data_quality >= 0.95:
        return "✓✓✓"
    if data_quality >= 0.85:
        return "✓✓"
    if data_quality >= 0.7:
        return "✓"
    return "⚠"


def age(delta: timedelta) -> str:
    """`45s`, `12m`, `3h12m`, `2d4h`."""
    secs = int(delta.total_seconds())
    if secs < 0:
        return DASH
    if secs < 60:
        return f"{secs}s"
    if secs < 3600:
        return f"{secs // 60}m"
    if secs < 86400:
        h, m = divmod(secs // 60, 60)
        return f"{h}h{m:02d}m"
    d, h = divmod(secs // 3600, 24)
    return f"{d}d{h}h"


def short_age(delta: timedelta) -> str:
    """The largest unit only: `45s`, `12m`, `6h`, `3d` (narrow panes)."""
    secs = int(delta.total_seconds())
    if secs < 0:
        return DASH
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if secs >= size:
            return f"{secs // size}{unit}"
    return f"{secs}s"


def spark(values: Sequence[float], lo: float | None = None, hi: float | None = None) -> str:
    """A one-line block sparkline; `lo`/`hi` fix the scale (probabilities use 0..1)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    lo = min(finite) if lo is None else lo
    hi = max(finite) if hi is None else hi
    span = hi - lo
    out = []
    for v in values:
        if not math.isfinite(v):
            out.append(" ")
            continue
        frac = 0.5 if span <= 0 else min(1.0, max(0.0, (v - lo) / span))
        out.append(_BLOCKS[round(frac * (len(_BLOCKS) - 1))])
    return "".join(out)


def clock(moment: datetime, tz: tzinfo) -> str:
    """`10:02:03 EDT`."""
    return moment.astimezone(tz).strftime("%H:%M:%S %Z")


def usage_bar(used: float, limit: float, width: int = 10) -> str:
    """`█████░░░░░` filled by used/limit (capped); the figures beside it carry the meaning."""
    if limit <= 0 or not math.isfinite(used):
        return "░" * width
    filled = round(min(1.0, max(0.0, used / limit)) * width)
    return "█" * filled + "░" * (width - filled)


def usage_style(used: float, limit: float) -> str:
    """green below 70 % of a limit, yellow below 100 %, red at or over it."""
    if limit <= 0:
        return ""
    ratio = used / limit
    return "green" if ratio < 0.7 else ("yellow" if ratio < 1.0 else BAD)


def diverging_rgb(value: float, bound: float) -> tuple[int, int, int]:
    """A red (negative) – neutral grey – green (positive) colour for heat maps, by |value|/bound."""
    t = 0.0 if bound <= 0 else max(-1.0, min(1.0, value / bound))
    base = 60
    if t >= 0:
        return (base, base + round(140 * t), base)
    return (base + round(160 * -t), base, base)
