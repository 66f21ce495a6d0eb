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
from dorado_tui.tui.widgets.table import Cell, Column, Row

R = "right"

POSITION_COLUMNS: tuple[Column, ...] = (
    ("und", "Und"), ("pnl", "P&L", R), ("dte", "DTE", R), ("state", "State"), ("mgmt", "Management"),
    ("sides", "Sides"), ("qty", "Qty", R), ("credit", "Entry", R), ("mark", "Mark", R),
    ("delta", "Δ", R), ("theta", "Θ", R), ("tpl", "Template"))

CANDIDATE_COLUMNS: tuple[Column, ...] = (
    ("rank", "#", R), ("und", "Und"), ("gates", "Gates"), ("risk", "Risk"), ("credit", "Credit", R),
    ("dq", "Data"), ("conf", "Conf"), ("status", "Status"), ("strikes", "Strikes"), ("exp", "Expiry"),
    ("maxloss", "MaxLoss", R), ("score", "Score", R), ("tpl", "Template"))

BOT_COLUMNS: tuple[Column, ...] = (
    ("id", "Bot"), ("und", "Und"), ("tpl", "Template"), ("layer", "Layer"), ("mode", "Venue"),
    ("signal", "Signal"), ("approval", "Approval"), ("enabled", "Enabled"), ("state", "State"),
    ("trading", "Trading"), ("open", "Open", R))

REGIME_COLUMNS: tuple[Column, ...] = (
    ("model", "Model"), ("regime", "Regime"), ("conf", "Conf", R), ("trend", "Trend"),
    ("d3", "3d Δ", R), ("age", "Age"))

def _confidence_style(confidence: str) -> str:
    return {"HIGH": "bold green", "MED": "yellow", "MEDIUM": "yellow", "LOW": f.NEG}.get(confidence, "")


def _status_style(status: CandidateStatus) -> str:
    return {CandidateStatus.SELECTED: "bold", CandidateStatus.APPROVED: "green",
            CandidateStatus.REJECTED: f.NEG, CandidateStatus.DROPPED: "dim",
            CandidateStatus.EXPIRED: "dim"}.get(status, "")


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


def _position_signature(p: PositionView) -> tuple[object, ...]:
    """Every figure a position row displays (cheaper to compare than the whole view)."""
    g = p.greeks
    return (p.underlying, p.unrealized_pnl, p.dte, p.state, p.management, tuple(p.pnl_by_side.items()),
            p.quantity, p.entry_credit, p.mark, g.delta, g.theta, p.template)


class PositionRows:
    """Position rows rebuilt only for positions whose displayed figures changed.

    A snapshot refresh with 1,000 positions otherwise formats 12,000 cells every time; reused
    row tuples also let the table's diff stop at an identity check.
    """

    def __init__(self) -> None:
        self._cache: dict[str, tuple[tuple[object, ...], Row]] = {}

    def rows(self, positions: tuple[PositionView, ...]) -> list[tuple[str, Row]]:
        fresh: dict[str, tuple[tuple[object, ...], Row]] = {}
        for p in positions:
            sig = _position_signature(p)
            hit = self._cache.get(p.id)
            fresh[p.id] = hit if hit is not None and hit[0] == sig else (sig, position_row(p))
        self._cache = fresh
        return [(key, row) for key, (_, row) in fresh.items()]


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
            Text(c.confidence, style=_confidence_style(c.confidence)),
            Text(c.status.value, style=_status_style(c.status)), c.strikes, expiry,
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
            Text(age, style=f.ALARM if r.stale else ""))
