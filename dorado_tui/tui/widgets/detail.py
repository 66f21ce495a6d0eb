"""Detail renderables: a candidate (legs, chain excerpt, gate and risk verdicts) and a position."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from dorado_tui.domain.account import Position
from dorado_tui.domain.candidates import CandidateLeg
from dorado_tui.domain.instruments import OptionContract, Right
from dorado_tui.engine.console_views import CandidateView, PositionView
from dorado_tui.tui import format as f
from dorado_tui.tui.widgets.panels import decisions_table, greeks_text


def _heading(text: str) -> Text:
    return Text(text, style="bold underline")


def candidate_summary(c: CandidateView) -> Text:
    expiry = f"{c.expiry:%Y-%m-%d} ({c.dte} DTE)" if c.expiry else "no expiry"
    pop = f" · POP {f.pct(c.pop, 0)}" if c.pop is not None else ""
    head = Text.assemble((f"#{c.rank} {c.underlying} {c.template}", "bold"), f" · {expiry} · {c.strikes}")
    body = Text(f"credit {f.money(c.credit, decimals=2)} · max loss {f.money(c.max_loss)}{pop}"
                f" · data {f.quality(c.data_quality)} ({c.data_quality:.2f})"
                f" · spread {f.pct(c.spread_quality, 0)} · conf {c.confidence} · score {c.score:.2f}")
    status = Text(f"status {c.status.value}" + (f" — {c.status_reason}" if c.status_reason else ""))
    lines = [head, body, status]
    if c.flags:
        lines.append(Text("flags: " + ", ".join(c.flags), style="yellow"))
    return Text("\n").join(lines)


def legs_table(legs: Sequence[CandidateLeg]) -> Table:
    t = Table(box=None, padding=(0, 1), expand=False)
    for name in ("Role", "Side", "×", "Symbol", "Bid", "Ask", "Mid", "Δ", "IV"):
        t.add_column(name, justify="right" if name in ("Bid", "Ask", "Mid", "Δ", "IV", "×") else "left")
    for leg in legs:
        t.add_row(leg.role, leg.action.value, str(leg.ratio), leg.instrument.symbol.replace(" ", ""),
                  f.num(leg.bid), f.num(leg.ask), f.num(leg.mid), f.num(leg.delta, 2),
                  f.pct(leg.iv) if leg.iv is not None else f.DASH)
    return t


def chain_table(contracts: Sequence[OptionContract], legs: Sequence[CandidateLeg]) -> Table:
    """Calls | strike | puts around the candidate's strikes; rows with a leg are marked ◀."""
    used = {leg.instrument.symbol for leg in legs}
    by_strike: dict[float, dict[Right, OptionContract]] = {}
    for c in contracts:
        by_strike.setdefault(c.strike, {})[c.right] = c
    t = Table(box=None, padding=(0, 1))
    for name in ("C bid", "C ask", "C Δ", "Strike", "P bid", "P ask", "P Δ", ""):
        t.add_column(name, justify="right")
    for strike in sorted(by_strike):
        row = by_strike[strike]
        call, put = row.get(Right.CALL), row.get(Right.PUT)
        marked = any(c is not None and c.symbol in used for c in (call, put))
        t.add_row(*_side(call), Text(f"{strike:g}", style="bold"), *_side(put), "◀" if marked else "",
                  style="reverse" if marked else "")
    return t


def _side(c: OptionContract | None) -> tuple[str, str, str]:
    if c is None:
        return (f.DASH, f.DASH, f.DASH)
    return (f.num(c.bid), f.num(c.ask), f.num(c.delta, 2))


def candidate_detail(c: CandidateView) -> RenderableType:
    parts: list[RenderableType] = [candidate_summary(c), Text(""), _heading("Legs"), legs_table(c.legs),
                                   Text(""), decisions_table(c.gates, "Gate verdicts"), Text(""),
                                   decisions_table(c.risk_checks, "Risk checks")]
    if c.chain_excerpt:
        parts += [Text(""), _heading("Chain excerpt"), chain_table(c.chain_excerpt, c.legs)]
    return Group(*parts)


def position_legs_table(legs: Sequence[Position]) -> Table:
    t = Table(box=None, padding=(0, 1))
    for name in ("Symbol", "Qty", "Avg cost", "Mark", "Value"):
        t.add_column(name, justify="left" if name == "Symbol" else "right")
    for leg in legs:
        t.add_row(leg.symbol.replace(" ", ""), f.num(leg.quantity, 0), f.num(leg.avg_cost),
                  f.num(leg.mark), f.money(leg.market_value))
    return t


def position_detail(p: PositionView) -> RenderableType:
    expiry = f"{p.expiry:%Y-%m-%d} ({p.dte} DTE)" if p.expiry else "no expiry"
    head = Text.assemble((f"{p.underlying} {p.template}", "bold"), f" · bot {p.bot_id} · layer {p.layer}"
                         f" · {p.venue_mode} · {expiry}")
    money_line = Text.assemble(f"qty {f.num(p.quantity, 0)} · entry {f.money(p.entry_credit, decimals=2)}"
                               f" · mark {f.money(p.mark, decimals=2)} · unrealised ",
                               f.pnl_text(p.unrealized_pnl), f" · realised {f.money(p.realized_pnl, signed=True)}"
                               f" · max loss {f.money(p.max_loss)}")
    sides = Text("per side: " + (", ".join(f"{k} {f.money(v, signed=True)}" for k, v in p.pnl_by_side.items())
                                 or f.DASH))
    state = Text(f"state {p.state.value} · management: {p.management}")
    return Group(head, money_line, sides, Text("Greeks " + greeks_text(p.greeks)), state, Text(""),
                 _heading("Legs"), position_legs_table(p.legs))
