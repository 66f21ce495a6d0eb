"""The options half of the Template Resolver: a template + one expiry's validated chain → candidates.

Tier 1 (direct): strikes, bid/ask. Tier 2 (derived): delta at strike, DTE, width, credit, max
loss, breakevens, probability of profit, credit/width. Tier 3 (pipeline): support/resistance
levels from gate 3. Anchor legs are placed by delta, at the money or at an offset; wings hang a
fixed width from their anchor. Where a delta pick and a support/resistance pick disagree, both
variants are resolved and marked (`variant` "delta" / "sr", the template's priority flagged
`primary`). Every variant is checked against the template's constraints; a variant that fails
becomes a reason ("no candidate: …"), never a weakened trade.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorado_tui.domain.candidates import Candidate, CandidateLeg
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import AssetClass, Instrument, Right, SecType
from dorado_tui.domain.market import Quote
from dorado_tui.domain.orders import Action
from dorado_tui.engine.scan.chain_quality import ValidatedChain
from dorado_tui.engine.scan.economics import Economics, UndefinedRisk, economics
from dorado_tui.engine.scan.probability import probability_of_profit
from dorado_tui.engine.scan.strikes import (
    NoStrike,
    Pick,
    at_the_money,
    by_delta,
    by_level,
    fixed_width,
    signed_band,
    sr_aligned,
)
from dorado_tui.engine.scan.technicals import Technicals
from dorado_tui.settings.template_parts import Leg, LegEntry
from dorado_tui.settings.templates import StrategyTemplate

Array = NDArray[Any]

ANCHOR_METHODS = ("delta", "delta_and_support", "delta_and_resistance", "atm", "atm_offset")


@dataclass(frozen=True)
class OptionsRequest:
    """Everything the resolver needs besides the chain."""

    scan_id: str
    bot_id: str
    template_key: str
    template: StrategyTemplate
    layer: str
    underlying: str
    today: date
    quote: Quote
    tech: Technicals | None
    direction: str | None
    gates: tuple[Decision, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass
class Resolution:
    """Candidates of one expiry and the reasons other variants yielded none."""

    candidates: list[Candidate] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def leg_right(leg: Leg, direction: str | None) -> Right | None:
    if leg.instrument != "option":
        return None
    if leg.right == "from_direction":
        if direction not in ("long", "short"):
            raise NoStrike(f"leg {leg.role} takes its right from the direction, and there is none ({direction})")
        return Right.PUT if direction == "long" else Right.CALL
    return Right.PUT if leg.right == "put" else Right.CALL


def _levels(req: OptionsRequest, right: Right) -> tuple:  # type: ignore[type-arg]
    if req.tech is None:
        return ()
    return req.tech.supports if right is Right.PUT else req.tech.resistances


def _anchor(chain: ValidatedChain, req: OptionsRequest, rule: LegEntry, right: Right,
            deltas: Array) -> tuple[Pick, Pick | None]:
    """(delta/ATM pick, support/resistance alternative or None)."""
    if rule.method == "atm":
        return at_the_money(chain, right, deltas), None
    if rule.method == "atm_offset":
        return at_the_money(chain, right, deltas, rule.strike_offset or 0), None
    assert rule.delta_target is not None
    band = signed_band(rule.delta_target, right)
    pick = by_delta(chain, right, band, deltas)
    if rule.method == "delta":
        return pick, None
    buffer = rule.support_buffer if right is Right.PUT else rule.resistance_buffer
    levels = _levels(req, right)
    at = sr_aligned(pick, levels, right, buffer, chain.spot)
    if at is not None:
        return replace(pick, sr_level=at), None
    return pick, by_level(chain, right, band, levels, buffer, deltas)


def _from_role(tpl: StrategyTemplate, leg: Leg, rule: LegEntry) -> str:
    if rule.from_role is not None:
        return rule.from_role
    for other in tpl.structure:
        if other.position == "sell" and other.right == leg.right and other.role != leg.role:
            return other.role
    raise NoStrike(f"leg {leg.role}: fixed_width needs from_role (no short leg of the same right)")


def _variants(chain: ValidatedChain, req: OptionsRequest, deltas: Array) -> dict[str, dict[str, Pick]]:
    """Anchor picks per variant: "delta" always, "sr" when a level moves any anchor."""
    rules, base, alt = req.template.entry.legs, {}, {}
    for leg in req.template.structure:
        rule = rules.get(leg.role)
        right = leg_right(leg, req.direction)
        if rule is None or right is None or rule.method not in ANCHOR_METHODS:
            continue
        pick, sr = _anchor(chain, req, rule, right, deltas)
        base[leg.role] = pick
        if sr is not None and sr.index != pick.index:
            alt[leg.role] = sr
    out = {"delta": base}
    if alt:
        out["sr"] = {**base, **alt}
    return out


def _wings(chain: ValidatedChain, req: OptionsRequest, anchors: dict[str, Pick], deltas: Array) -> dict[str, Pick]:
    picks = dict(anchors)
    rules = req.template.entry.legs
    for leg in req.template.structure:
        rule = rules.get(leg.role)
        right = leg_right(leg, req.direction)
        if rule is None or right is None or rule.method != "fixed_width":
            continue
        source = _from_role(req.template, leg, rule)
        if source not in picks:
            raise NoStrike(f"leg {leg.role} hangs from {source}, which is not placed yet")
        picks[leg.role] = fixed_width(chain, right, picks[source].strike, rule, deltas)
    used = [p.index for p in picks.values()]
    if len(set(used)) != len(used):
        raise NoStrike("two legs resolve to the same contract (set `side: below/above` on the wings)")
    return picks


def _option_leg(chain: ValidatedChain, leg: Leg, pick: Pick) -> CandidateLeg:
    contract = chain.contracts[pick.index]
    iv = contract.implied_vol if contract.implied_vol is not None else float(chain.own_iv[pick.index])
    return CandidateLeg(leg.role, contract.instrument, Action.SELL if leg.position == "sell" else Action.BUY,
                        leg.ratio, contract.bid, contract.ask, pick.delta, iv)


def _stock_leg(req: OptionsRequest, leg: Leg, multiplier: int) -> CandidateLeg:
    inst = Instrument(req.underlying, SecType.STOCK, req.underlying)
    action = Action.SELL if leg.position == "sell" else Action.BUY
    return CandidateLeg(leg.role, inst, action, leg.ratio * multiplier, req.quote.bid, req.quote.ask, 1.0, None)


def build_legs(chain: ValidatedChain, req: OptionsRequest, picks: dict[str, Pick]) -> tuple[CandidateLeg, ...]:
    multiplier = next((c.instrument.multiplier for c in chain.contracts), 100)
    return tuple(_option_leg(chain, leg, picks[leg.role]) if leg.instrument == "option"
                 else _stock_leg(req, leg, multiplier) for leg in req.template.structure)


def leg_greeks(chain: ValidatedChain, legs: tuple[CandidateLeg, ...],
               fresh: dict[str, tuple[float, float, float]] | None = None) -> tuple[float, float, float, float]:
    """(delta, gamma, vega, theta) per combo unit: fresh venue Greeks where given, else ours."""
    total = np.zeros(4)
    for leg in legs:
        sign = 1.0 if leg.action is Action.BUY else -1.0
        units = leg.ratio * leg.instrument.multiplier
        if not leg.instrument.is_option:
            total[0] += sign * units
            continue
        i = chain.index(leg.instrument.right or Right.PUT, leg.instrument.strike or 0.0)
        g, th, v = (fresh or {}).get(leg.instrument.symbol) or (
            (chain.own_gamma[i], chain.own_theta[i], chain.own_vega[i]) if i is not None else (0.0, 0.0, 0.0))
        total += sign * units * np.array([leg.delta or 0.0, g, v, th])
    return float(total[0]), float(total[1]), float(total[2]), float(total[3])


def pop_for(chain: ValidatedChain) -> Callable[[tuple[float, ...], Callable[[float], float]], float | None]:
    def pop(bes: tuple[float, ...], pnl: Callable[[float], float]) -> float | None:
        return probability_of_profit(bes, pnl, chain.parity.forward, chain.t, chain.vol_at)

    return pop


def constraint_failure(req: OptionsRequest, econ: Economics, legs: tuple[CandidateLeg, ...],
                       open_interest: Mapping[str, float]) -> str | None:
    """Why the resolved structure misses the template's constraints (None: it meets them)."""
    k = req.template.constraints
    mult = next((leg.instrument.multiplier for leg in legs if leg.instrument.is_option), 100)
    per_share = econ.credit / mult
    if econ.max_loss <= 0:
        return "the structure shows no risk, so its quotes cannot be right (crossed or stale prices)"
    if k.min_credit_to_width is not None and econ.width:
        ratio = econ.credit / (econ.width * mult)
        if ratio < k.min_credit_to_width:
            return f"credit/width {ratio:.2f} below the minimum {k.min_credit_to_width:g}"
    if k.min_credit is not None and per_share < k.min_credit:
        return f"credit {per_share:.2f} below the minimum {k.min_credit:g}"
    if k.max_debit is not None and -per_share > k.max_debit:
        return f"debit {-per_share:.2f} above the maximum {k.max_debit:g}"
    if k.min_pop is not None and (econ.pop or 0.0) < k.min_pop:
        return f"probability of profit {econ.pop or 0.0:.0%} below the minimum {k.min_pop:.0%}"
    if k.min_open_interest is not None:
        thin = [leg.role for leg in legs if leg.instrument.is_option
                and open_interest.get(leg.instrument.symbol, 0.0) < k.min_open_interest]
        if thin:
            return f"open interest below {k.min_open_interest} on {', '.join(thin)}"
    return None


def _open_interest(chain: ValidatedChain, picks: dict[str, Pick]) -> dict[str, float]:
    return {chain.contracts[p.index].symbol: float(chain.open_interest[p.index]) for p in picks.values()}


def _flags(req: OptionsRequest, variant: str, picks: dict[str, Pick], has_sr: bool, chain: ValidatedChain) -> list[str]:
    flags = list(req.flags) + list(chain.flags)
    priority = req.template.entry.strike_selection_priority or "delta_first"
    if has_sr:
        flags.append("sr_conflict: delta target and support/resistance disagree; both variants offered")
        primary = "sr" if priority == "support_resistance_first" else "delta"
        if variant == primary:
            flags.append("primary")
    levels = [f"{role}@{p.sr_level:g}" for role, p in picks.items() if p.sr_level is not None]
    if levels:
        flags.append("sr_aligned: " + ", ".join(levels))
    return flags


def candidate_of(req: OptionsRequest, chain: ValidatedChain, variant: str, picks: dict[str, Pick],
                 flags: list[str]) -> Candidate | str:
    """One variant as a Candidate (quantity 1, PROPOSED), or why it yields none."""
    legs = build_legs(chain, req, picks)
    try:
        econ = economics(legs, pop_for(chain))
    except UndefinedRisk as exc:
        return str(exc)
    failure = constraint_failure(req, econ, legs, _open_interest(chain, picks))
    if failure is not None:
        return f"{chain.expiry} {variant}: {failure}"
    delta, gamma, vega, theta = leg_greeks(chain, legs)
    spread = max((float(chain.spread_quality[p.index]) for p in picks.values()), default=0.0)
    missing = sum(1 for p in picks.values() if not np.isfinite(chain.venue_delta[p.index]))
    return Candidate(
        id=f"{req.scan_id}/{req.bot_id}/{chain.expiry:%Y%m%d}/{variant}", scan_id=req.scan_id, bot_id=req.bot_id,
        underlying=req.underlying, asset_class=AssetClass.EQUITY_OPTIONS, template=req.template_key,
        strategy_layer=req.layer, legs=legs, expiry=chain.expiry, dte=(chain.expiry - req.today).days,
        credit=econ.credit, max_loss=econ.max_loss, max_profit=econ.max_profit, width=econ.width,
        breakevens=econ.breakevens, pop=econ.pop, data_quality=max(chain.quality - 0.1 * missing, 0.0),
        spread_quality=spread, variant=variant, flags=tuple(flags), gates=req.gates,
        delta=delta, gamma=gamma, vega=vega, theta=theta)


def resolve_expiry(req: OptionsRequest, chain: ValidatedChain, *, own_greeks: bool = False) -> Resolution:
    """Every variant of the template on one expiry (`own_greeks`: choose on our deltas)."""
    out = Resolution()
    deltas = chain.own_delta if own_greeks else chain.selection_delta()
    try:
        variants = _variants(chain, req, deltas)
    except NoStrike as exc:
        out.reasons.append(str(exc))
        return out
    has_sr = "sr" in variants
    for variant, anchors in variants.items():
        try:
            picks = _wings(chain, req, anchors, deltas)
        except NoStrike as exc:
            out.reasons.append(f"{chain.expiry} {variant}: {exc}")
            continue
        made = candidate_of(req, chain, variant, picks, _flags(req, variant, picks, has_sr, chain))
        if isinstance(made, str):
            out.reasons.append(made)
        else:
            out.candidates.append(made)
    return out
