"""After strike selection: fresh quotes for the chosen contracts, and re-resolution when the
chain's Greeks proved stale (PRD: "If delta diverges > 0.02 from chain data, re-resolve").

The chosen contracts are re-quoted (never from the cache). When any leg's fresh delta differs
from the delta it was chosen on by more than the tolerance, the expiry is resolved again on our
own Greeks (computed from current prices, so a stale or foreign IV model cannot move them) and
the new picks are re-quoted; if they still move, the candidate is refused as unstable. A
candidate that survives carries the fresh prices and Greeks, and its economics are recomputed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from dorado_tui.domain.candidates import Candidate, CandidateLeg
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import Instrument, OptionContract
from dorado_tui.engine.scan.chain_quality import ValidatedChain
from dorado_tui.engine.scan.economics import UndefinedRisk, economics
from dorado_tui.engine.scan.resolve_options import (
    OptionsRequest,
    constraint_failure,
    leg_greeks,
    pop_for,
    resolve_expiry,
)

Quoter = Callable[[list[Instrument]], Awaitable[list[OptionContract]]]
CHECK = "chain.requote"


def _moves(c: Candidate, fresh: dict[str, OptionContract]) -> dict[str, float]:
    moved = {}
    for leg in c.legs:
        if not leg.instrument.is_option:
            continue
        q = fresh.get(leg.instrument.symbol)
        if q is None or q.delta is None or leg.delta is None:
            moved[leg.role] = float("inf")
        else:
            moved[leg.role] = abs(q.delta - leg.delta)
    return moved


def _fresh_leg(leg: CandidateLeg, q: OptionContract | None) -> CandidateLeg:
    if q is None:
        return leg
    return replace(leg, bid=q.bid, ask=q.ask, delta=q.delta, iv=q.implied_vol if q.implied_vol is not None else leg.iv)


def _refreshed(req: OptionsRequest, chain: ValidatedChain, c: Candidate, fresh: dict[str, OptionContract],
               decision: Decision) -> Candidate | str:
    legs = tuple(_fresh_leg(leg, fresh.get(leg.instrument.symbol)) for leg in c.legs)
    try:
        econ = economics(legs, pop_for(chain))
    except UndefinedRisk as exc:
        return str(exc)
    oi = {q.symbol: float(q.open_interest) for q in fresh.values()}
    failure = constraint_failure(req, econ, legs, oi)
    if failure is not None:
        return f"{c.expiry} {c.variant} on fresh quotes: {failure}"
    greeks = {s: (q.gamma or 0.0, q.theta or 0.0, q.vega or 0.0) for s, q in fresh.items()
              if q.gamma is not None and q.theta is not None and q.vega is not None}
    delta, gamma, vega, theta = leg_greeks(chain, legs, greeks)
    spread = max((q.spread_quality for q in fresh.values()), default=0.0)
    return replace(c, legs=legs, credit=econ.credit, max_loss=econ.max_loss, max_profit=econ.max_profit,
                   width=econ.width, breakevens=econ.breakevens, pop=econ.pop, spread_quality=spread,
                   delta=delta, gamma=gamma, vega=vega, theta=theta, gates=(*c.gates, decision))


async def requote(req: OptionsRequest, chain: ValidatedChain, c: Candidate, quoter: Quoter,
                  tolerance: float) -> Candidate | str:
    """The candidate on fresh quotes, re-resolved once on our own Greeks if its deltas moved."""
    got = await quoter([leg.instrument for leg in c.legs if leg.instrument.is_option])
    fresh = {q.symbol: q for q in got}
    moved = _moves(c, fresh)
    worst_role = max(moved, key=lambda r: moved[r], default="")
    worst = moved.get(worst_role, 0.0)
    if worst <= tolerance:
        ok = Decision.ok(CHECK, f"fresh quotes: largest delta move {worst:.3f} ({worst_role}) within {tolerance:g}",
                         worst, tolerance)
        return _refreshed(req, chain, c, fresh, ok)
    what = "no fresh quote" if worst == float("inf") else f"delta moved {worst:.3f}"
    if "re_resolved" in " ".join(c.flags):
        return f"{c.expiry} {c.variant}: Greeks unstable — {what} on {worst_role} after re-resolving on our own Greeks"
    again = resolve_expiry(req, chain, own_greeks=True)
    match = next((x for x in again.candidates if x.variant == c.variant), None) or \
        next(iter(again.candidates), None)
    if match is None:
        return f"{c.expiry} {c.variant}: {what} on {worst_role}; re-resolving on our own Greeks found nothing " \
               f"({'; '.join(again.reasons) or 'no variant'})"
    note = (f"re_resolved: {what} on {worst_role} (limit {tolerance:g}): strikes chosen again on Greeks from "
            "current prices")
    retry = replace(match, flags=(*match.flags, note), data_quality=max(match.data_quality - 0.1, 0.0),
                    gates=(*match.gates, Decision(CHECK, True, "RE_RESOLVED", note, worst, tolerance,
                                                  {"role": worst_role})))
    return await requote(req, chain, retry, quoter, tolerance)
