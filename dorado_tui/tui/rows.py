"""Table rows of the console: one function per view type turns engine views into cells.

Shared by the dashboard panes and the full screens so both always agree on what a row says.
"""

from __future__ import annotations

from rich.text import Text

from dorado_tui.domain.candidates import CandidateStatus
from dorado_tui.domain.states import TradingState
from dorado_tui.engine.console_views import (
    BotView,
    CandidateView,
    PositionMark,
    PositionView,
    RegimeView,
)
from dorado_tui.tui import format as f
from dorado_tui.tui.widgets.table import Cell, Row

POSITION_COLUMNS = (("und", "Und"), ("pnl", "P&L"), ("dte", "DTE"), ("state", "State"),
                    ("mgmt", "Management"), ("sides", "Sides"), ("qty", "Qty"), ("credit", "Entry"),
                    ("mark", "Mark"), ("delta", "Δ"), ("theta", "Θ"), ("tpl", "Template"))

CANDIDATE_COLUMNS = (("rank", "#"), ("und", "Und"), ("gates", "Gates"), ("risk", "Risk"),
                     ("credit", "Credit"), ("dq", "Data"), ("conf", "Conf"), ("status", "Status"),
                     ("strikes", "Strikes"), ("exp", "Expiry"), ("maxloss", "MaxLoss"),
                     ("score", "Score"), ("tpl", "Template"))

BOT_COLUMNS = (("id", "Bot"), ("und", "Und"), ("tpl", "Template"), ("layer", "Layer"),
               ("mode", "Venue"), ("signal", "Signal"), ("approval", "Approval"),
               ("enabled", "Enabled"), ("state", "State"), ("trading", "Trading"),
               ("open", "Open"))

REGIME_COLUMNS = (("model", "Model"), ("regime", "Regime"), ("conf", "Conf"),
                  ("trend", "Trend"), ("d3", "3d Δ"), ("age", "Age"))

_CONFIDENCE_STYLE = {"HIGH": "bold green", "MED": "yellow", "MEDIUM": "yellow", "LOW": "red"}
_STATUS_STYLE = {CandidateStatus.SELECTED: "bold", CandidateStatus.APPROVED: "green",
                 CandidateStatus.REJECTED: "red", CandidateStatus.DROPPED: "dim",
                 CandidateStatus.EXPIRED: "dim"}


def sides_text(pnl_by_side: dict[str, float] | object) -> str:
    """`P +$120 C -$40` from per-side P&L (first letter of each side)."""
    items = dict(pnl_by_side) if isinstance(pnl_by_side, dict) else {}
    return " ".join(f"{side[:1].upper()} {f.compact_money(v) if v < 0 else '+' + f.compact_money(v)}"
                    for side, v in items.items())


def position_row(p: PositionView) -> Row:
    return (p.underlying, f.pnl_text(p.unrealized_pnl), "" if p.dte is None else str(p.dte),
            p.state.value, p.management, sides_text(dict(p.pnl_by_side)), f.num(p.quantity, 0),
            f.money(p.entry_credit, decimals=2), f.money(p.mark, decimals=2),
            f.num(p.greeks.delta, 1), f.num(p.greeks.theta, 1), p.template)


def mark_cells(mark: PositionMark) -> dict[str, Cell]:
    """The cells a live mark changes."""
    cells: dict[str, Cell] = {"mark": f.money(mark.mark, decimals=2),
                              "pnl": f.pnl_text(mark.unrealized_pnl)}
    if mark.greeks is not None:
        cells["delta"] = f.num(mark.greeks.delta, 1)
        cells["theta"] = f.num(mark.greeks.theta, 1)
    return cells


def candidate_row(c: CandidateView) -> Row:
    expiry = f"{c.expiry:%b %d}" if c.expiry else f.DASH
    risk = f.check_text(c.risk_passed) if c.risk_checks else Text(f.DASH)
    return (str(c.rank), c.underlying, f.gates_text([g.passed for g in c.gates]), risk,
            f.money(c.credit, decimals=2), f.quality(c.data_quality),
            Text(c.confidence, style=_CONFIDENCE_STYLE.get(c.confidence, "")),
            Text(c.status.value, style=_STATUS_STYLE.get(c.status, "")), c.strikes, expiry,
            f.money(c.max_loss), f.num(c.score, 2), c.template)


def trading_text(state: TradingState) -> Text:
    return Text(state.value, style=f.STATE_STYLE[state])


def bot_row(b: BotView) -> Row:
    enabled = Text("on", style="green") if b.enabled else Text("off", style="dim")
    return (b.id, b.underlying, b.template, b.layer, b.venue_mode, b.signal_mode, b.approval_mode,
            enabled, b.state.value, trading_text(b.trading_state), str(b.open_positions))


def top_regime_series(r: RegimeView) -> list[float]:
    """The current regime's probability over the recorded history (oldest first)."""
    return [p.probabilities.get(r.regime, 0.0) for p in r.history]


def regime_row(r: RegimeView) -> Row:
    d3 = r.trend_3d.get(r.regime)
    trend = f.spark(top_regime_series(r)[-12:], 0.0, 1.0)
    age = f.age(r.age) + (" STALE" if r.stale else "")
    regime = Text(r.regime + (" ⚠" if r.transition_alert else ""),
                  style="bold yellow" if r.transition_alert else "bold")
    return (r.model.value, regime, f.pct(r.confidence, 0), trend,
            f"{d3 * 100:+.0f}pp" if d3 is not None else f.DASH,
            Text(age, style="bold red" if r.stale else ""))
