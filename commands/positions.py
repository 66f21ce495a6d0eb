"""`dorado positions`, `dorado orders`, `dorado history`, `dorado nav`: what is held, sent, done, worth."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commands.common import (
    EXIT_BAD_INPUT,
    HomeOpt,
    JsonOpt,
    console,
    emit_json,
    exit_on_error,
    fail,
    print_rows,
)

WhichOpt = Annotated[str, typer.Option("--which", help="live, paper (twins) or all.")]
LimitOpt = Annotated[int, typer.Option("--limit", min=1, max=10_000, help="At most this many rows.")]


def _paper(which: str) -> bool | None:
    if which not in ("live", "paper", "all"):
        fail(f"--which must be live, paper or all, not {which!r}", EXIT_BAD_INPUT)
    return {"live": False, "paper": True, "all": None}[which]


def _money(v: Any) -> str:
    return "—" if v is None else f"{v:,.2f}"


async def _read(home: Any, view: str, **kw: Any) -> Any:
    from dorado_tui.engine.lifecycle import front
    from dorado_tui.home import resolve_home

    async with front.open_lifecycle(resolve_home(home), venues=False) as lc:
        return await getattr(front, view)(lc, **kw)


def positions(which: WhichOpt = "all", closed: Annotated[bool, typer.Option("--closed", help="Include closed and "
              "void positions.")] = False, home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Open positions (live and paper twins): legs, last marks, P&L per side, Greeks, the bot's state.

    Marks are those of the last monitoring pass (`dorado monitor --once` refreshes them).
    Exit codes: 0 shown, 1 store unavailable, 2 bad option.
    """
    import asyncio

    paper = _paper(which)
    with exit_on_error(json_out):
        rows = asyncio.run(_read(home, "positions_view", paper=paper, include_closed=closed))
    if json_out:
        emit_json({"ok": True, "positions": rows})
        return
    columns = ("position", "bot", "state", "und", "template", "paper", "status", "qty", "entry", "legs",
               "unrealized", "realized", "sides", "marked")
    print_rows("Positions", columns, [
        (r["position"], r["bot"], r["bot_state"] or "", r["underlying"], r["template"], "yes" if r["paper"] else "",
         r["status"], f"{r['quantity']:g}", f"{r['entry_price']:.2f}",
         " ".join(f"{leg['quantity']:+g} {leg['symbol']}" for leg in r["legs"]) or "—",
         _money(r["unrealized_pnl"]), _money(r["realized_pnl"]),
         " ".join(f"{k} {v:,.0f}" for k, v in r["side_pnl"].items()), r["marked_at"] or "—") for r in rows],
        right=("qty", "entry", "unrealized", "realized"))


def orders(working: Annotated[bool, typer.Option("--working", help="Only orders still working at the venue.")] = False,
           limit: LimitOpt = 50, home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Order intents, newest first, each with the venue's view of it: status, fills, average price,
    reject reason, and the slippage of its episode against the mid at decision.

    Exit codes: 0 shown, 1 store unavailable.
    """
    import asyncio

    with exit_on_error(json_out):
        rows = asyncio.run(_read(home, "orders_view", working_only=working, limit=limit))
    if json_out:
        emit_json({"ok": True, "orders": rows})
        return
    columns = ("client order id", "bot", "purpose", "intent", "status", "qty", "filled", "limit", "avg", "legs",
               "reason")
    print_rows("Orders", columns, [
        (r["client_order_id"], r["bot"] or "", r["purpose"], r["intent"], r["status"], f"{r['quantity']:g}",
         f"{r['filled']:g}", _money(r["limit"]), _money(r["avg_price"]), "; ".join(r["legs"]),
         r["reason"] or r["intent_reason"]) for r in rows],
        right=("qty", "filled", "limit", "avg"))


def history(bot: Annotated[str | None, typer.Option("--bot", help="Only this bot's trades.")] = None,
            which: WhichOpt = "all", limit: LimitOpt = 50, home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Closed trades, newest first: realized P&L (fees included), reward (P&L / max loss, clipped to
    ±1) and why each one ended. Paper twins show what skipped candidates would have made.

    Exit codes: 0 shown, 1 store unavailable, 2 bad option.
    """
    import asyncio

    paper = _paper(which)
    with exit_on_error(json_out):
        rows = asyncio.run(_read(home, "history_view", bot=bot, paper=paper, limit=limit))
    if json_out:
        emit_json({"ok": True, "trades": rows})
        return
    columns = ("trade", "bot", "und", "template", "paper", "opened", "closed", "max loss", "P&L", "reward", "exit")
    print_rows("Closed trades", columns, [
        (r["trade"], r["bot"], r["underlying"], r["template"], "yes" if r["paper"] else "", r["opened_at"][:16],
         (r["closed_at"] or "")[:16], _money(r["max_loss"]), _money(r["realized_pnl"]),
         "—" if r["reward"] is None else f"{r['reward']:+.3f}", r["exit_reason"]) for r in rows],
        right=("max loss", "P&L", "reward"))


def nav(mark: Annotated[bool, typer.Option("--mark/--no-mark", help="Mark open positions at the venue first.")] = True,
        home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """NAV per account (cash + positions at their marks, beside the store's realized and unrealized
    P&L and the capital paid in), and P&L by bot, strategy layer and template — live and paper.

    Exit codes: 0 shown, 1 store or venue unavailable.
    """
    import asyncio

    with exit_on_error(json_out):
        report = asyncio.run(_nav(home, mark))
    if json_out:
        emit_json({"ok": True, **report.as_dict()})
        return
    _print_nav(report)


async def _nav(home: Any, mark: bool) -> Any:
    from dorado_tui.engine.lifecycle.front import open_lifecycle
    from dorado_tui.home import resolve_home

    async with open_lifecycle(resolve_home(home)) as lc:
        return await lc.nav(mark=mark)


def _print_nav(report: Any) -> None:
    from rich.table import Table

    out = console()
    accounts = Table(title=f"NAV {report.at:%Y-%m-%d %H:%M} UTC", title_justify="left")
    for col in ("account", "role", "cash", "positions", "NAV", "capital in", "realized", "unrealized", "unexplained"):
        accounts.add_column(col, justify="left" if col in ("account", "role") else "right")
    for a in report.accounts:
        accounts.add_row(a.account_id, a.role, _money(a.cash), _money(a.marks_value), _money(a.nav),
                         _money(a.capital_in), _money(a.realized), _money(a.unrealized), _money(a.unexplained))
    out.print(accounts)
    for title, rows in (("bot", report.by_bot), ("layer", report.by_layer), ("template", report.by_template)):
        t = Table(title=f"P&L by {title}", title_justify="left")
        for col in (title, "paper", "realized", "unrealized", "total", "open", "closed", "win rate"):
            t.add_column(col, justify="left" if col in (title, "paper") else "right")
        for r in rows:
            t.add_row(r.key, "yes" if r.paper else "", _money(r.realized), _money(r.unrealized), _money(r.total),
                      str(r.open_positions), str(r.closed_trades),
                      "—" if not r.closed_trades else f"{r.wins / r.closed_trades:.0%}")
        out.print(t)
    for a in report.accounts:
        for gap in a.position_gaps:
            out.print(f"{a.role}: position gap {gap}", markup=False, soft_wrap=True)
    for n in report.notes:
        out.print(f"note: {n}", markup=False, soft_wrap=True)
