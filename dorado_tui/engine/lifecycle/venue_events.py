"""What the venue did on its own, attributed to the positions it touched: expiries, assignments,
exercises, cash settlements, fills of orders Dorado did not send (a kill switch's flatten), late
fills of our own orders, and dividends.

Executions are fetched from shortly before the oldest open position of the account. Our own
orders' fills are recorded (idempotent by exec id; positions find them by client order id).
Every other execution is grouped by its order reference and attributed — once per position, by a
signal row (`records.attribute`) — to the open positions holding its instruments against the
fill. The venue nets the account, so several positions (paper twins of the same contract) may
share one expiry or assignment: each execution is split among its holders, oldest first, up to
what each holds, and the attribution records each holder's quantity (`quantities`); executions
on an instrument no position trades against (an assignment's shares) follow the option they came
from in proportion. What no open position explains is reported, never guessed at:
reconciliation decides what it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from dorado_tui.domain.orders import Fill
from dorado_tui.engine.lifecycle import book, records
from dorado_tui.engine.lifecycle.ids import parse_client_order_id, store_exec_id
from dorado_tui.store.repos import orders as order_repo
from dorado_tui.store.repos import positions as position_repo
from dorado_tui.venues.base import VenueAdapter

if TYPE_CHECKING:
    from dorado_tui.engine.lifecycle.service import Lifecycle


@dataclass
class VenueSync:
    """Positions touched by the venue's own actions, with a note per unexplained execution."""

    touched: dict[str, str] = field(default_factory=dict)  # position id → what happened
    late_fills: int = 0
    unattributed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"touched": self.touched, "late_fills": self.late_fills, "unattributed": self.unattributed}


def classify(group: Sequence[Fill]) -> str:
    """A readable name for a group of venue-initiated executions."""
    ref = group[0].client_order_id
    shares = sum(f.signed_quantity for f in group if f.multiplier == 1)  # options carry 100
    moved = "shares received" if shares > 0 else "shares called away"
    if ref.startswith("expire:"):
        if shares:
            return f"assigned at expiry: {moved}"
        return "expired (settled at intrinsic value)" if any(f.price > 0 for f in group) else "expired worthless"
    if ref.startswith("early_assignment:"):
        return f"assigned early: {moved}"
    return f"closed at the venue by order {ref}"


Held = dict[tuple[str, str], float]  # (position id, symbol) → signed quantity not yet settled


def _split(group: Sequence[Fill], positions: Sequence[position_repo.ManagedPosition], held: Held,
           ) -> tuple[dict[str, dict[str, float]], list[str]]:
    """({position id: {exec id: quantity}}, what no holder explains) for one group.

    Each execution goes to the positions holding its symbol against it, oldest first, each up to
    what it holds (`held` is drawn down, so later groups of the pass see what is left); an
    execution nobody trades against (an assignment's shares) follows the others in proportion."""
    shares: dict[str, dict[str, float]] = {}
    followers: list[Fill] = []
    total = 0.0
    notes: list[str] = []
    for fill in group:
        takers = [p.position_id for p in positions if held.get((p.position_id, fill.symbol), 0.0)
                  * fill.signed_quantity < 0]
        if not takers:
            followers.append(fill)
            continue
        total += fill.quantity
        left = fill.quantity
        for pid in takers:
            if left <= 0:
                break
            key = (pid, fill.symbol)
            take = min(left, abs(held[key]))
            held[key] += take if held[key] < 0 else -take
            shares.setdefault(pid, {})[fill.exec_id] = take
            left -= take
        if left > 1e-9:
            notes.append(f"{fill.symbol}: {left:g} of {fill.quantity:g} held by no open position")
    for got in shares.values():
        taken = sum(got.values())
        got.update({f.exec_id: f.quantity * taken / total for f in followers})
    return shares, notes


def _on_venue(lc: Lifecycle, venue: VenueAdapter, positions: Sequence[position_repo.ManagedPosition],
              ) -> list[position_repo.ManagedPosition]:
    return [p for p in positions if lc.venue_of(p.position_id, p.bot_id) is venue]


async def _own_fills(lc: Lifecycle, fills: Sequence[Fill], ns: bool, report: VenueSync) -> set[str]:
    """Record our orders' fills the store lacks; returns the positions to refresh."""
    dirty: set[str] = set()
    ours = [(key, replace(f, exec_id=store_exec_id(f.exec_id, twin=ns))) for f in fills
            if (key := parse_client_order_id(f.client_order_id)) is not None]
    async with lc.db.transaction() as tx:
        # the window holds every fill since the oldest open position: look the known ones up at
        # once and insert only the rest (an insert per known fill made each pass grow with it)
        known = await order_repo.recorded_exec_ids(tx, [f.exec_id for _, f in ours])
        for key, f in ours:
            if f.exec_id in known:
                continue
            # fills someone else recorded first (reconciliation) reach the position at its next
            # refresh: every mark, and every exit, refreshes before it reads the legs
            if await order_repo.record_fill(tx, f):
                report.late_fills += 1
                dirty.add(key.position_id)
        for pid in dirty:
            if await position_repo.get_position(tx, pid) is not None:
                await book.refresh(tx, pid)
    return dirty


async def _attribute_group(lc: Lifecycle, ref: str, group: list[Fill], owner: position_repo.ManagedPosition,
                           quantities: dict[str, float], ns: bool) -> bool:
    stored = [replace(f, exec_id=store_exec_id(f.exec_id, twin=ns)) for f in group]
    mine = {store_exec_id(x, twin=ns): q for x, q in quantities.items()}
    async with lc.db.transaction() as tx:
        for f in stored:
            await order_repo.record_fill(tx, f)
        fresh = await records.attribute(
            tx, position_id=owner.position_id, reference=ref, kind=records.VENUE_FILL, bot_id=owner.bot_id,
            underlying=owner.underlying, at=group[0].time, action=classify(group),
            payload={"exec_ids": [f.exec_id for f in stored if f.exec_id in mine], "quantities": mine,
                     "event": classify(group), "symbols": sorted({f.symbol for f in group})})
        if fresh:
            await book.refresh(tx, owner.position_id)
    return fresh


async def _dividends(lc: Lifecycle, venue: VenueAdapter, positions: Sequence[position_repo.ManagedPosition],
                     since: Any, report: VenueSync) -> None:
    events = getattr(venue, "get_events", None)
    if events is None:
        return
    for e in await events(since):
        if e.kind != "dividend":
            continue
        holders = [(p, leg.quantity) for p in positions for leg in p.legs if leg.symbol == e.symbol and leg.quantity]
        total = sum(q for _, q in holders)
        for p, q in holders:
            cash = float(e.details.get("cash", 0.0)) * (q / total if total else 0.0)
            async with lc.db.transaction() as tx:
                if await records.attribute(tx, position_id=p.position_id, reference=f"div:{e.symbol}:"
                                           f"{e.details.get('ex_date', e.time.date().isoformat())}",
                                           kind=records.INCOME, bot_id=p.bot_id, underlying=p.underlying,
                                           payload={"cash": cash, "per_share": e.details.get("per_share")},
                                           at=e.time, action="dividend"):
                    await book.refresh(tx, p.position_id)
                    report.touched.setdefault(p.position_id, f"dividend {cash:,.2f}")


async def sync_venue(lc: Lifecycle, venue: VenueAdapter) -> VenueSync:
    """Bring the store up to what the venue did (see the module docstring)."""
    report = VenueSync()
    async with lc.db.read() as s:
        positions = _on_venue(lc, venue, await position_repo.positions(s))
    if not positions:
        return report
    since = min(p.opened_at for p in positions) - timedelta(days=lc.settings.fill_lookback_days)
    ns = venue is lc.twin_venue and venue is not lc.venue
    executions = await venue.get_executions(since)
    await _own_fills(lc, executions, ns, report)
    async with lc.db.read() as s:
        # attributed to any position, closed ones too: a settled group must never be taken again by
        # a later holder of one of its instruments (the shares of a position short them)
        done = await records.attributed_exec_ids_since(s, since)
        held = _on_venue(lc, venue, await position_repo.positions(s))
    groups: dict[str, list[Fill]] = {}
    for f in executions:
        if parse_client_order_id(f.client_order_id) is None and store_exec_id(f.exec_id, twin=ns) not in done:
            groups.setdefault(f.client_order_id, []).append(f)
    left: Held = {(p.position_id, leg.symbol): leg.quantity for p in held for leg in p.legs}
    for ref, group in groups.items():
        shares, notes = _split(group, held, left)
        if not shares:
            report.unattributed.append(f"{ref}: {', '.join(sorted({f.symbol for f in group}))}")
            continue
        report.unattributed += [f"{ref}: {n}" for n in notes]
        for owner in held:
            if owner.position_id in shares and await _attribute_group(lc, ref, group, owner,
                                                                      shares[owner.position_id], ns):
                report.touched[owner.position_id] = classify(group)
    await _dividends(lc, venue, held, since, report)
    return report
