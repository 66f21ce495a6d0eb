"""Strike selection on a validated chain (PRD Template Resolver, tier 2): by delta target, at the
money, a fixed width from another leg, and at support/resistance.

Delta picks choose, among contracts eligible for selection (two-sided quote within the spread
limit), the one whose delta lies in the target band closest to the band's middle; when only wide
quotes lie in the band, the pick is made among them and scoring's spread exclusion drops the
candidate with that reason (the operator sees the trade exists and why it is not offered). A support/
resistance pick is the nearest strike at or beyond a level (below support for puts, above
resistance for calls) whose delta stays within half to 1.25 times the band; when it
differs from the delta pick, both are offered (PRD: "shows both options and lets the human
decide").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dorado_tui.domain.instruments import Right
from dorado_tui.engine.scan.chain_quality import ValidatedChain
from dorado_tui.quant.structure import Level
from dorado_tui.settings.template_parts import LegEntry

Array = NDArray[Any]

#: A short strike within this share of spot beyond a level counts as "at" the level.
SR_ALIGN = 0.01


class NoStrike(ValueError):
    """No listed contract satisfies a leg's rule (the message says which and why)."""


@dataclass(frozen=True)
class Pick:
    """A chosen contract: its index in the chain and the delta it was chosen on."""

    index: int
    strike: float
    delta: float
    sr_level: float | None = None


def signed_band(band: tuple[float, float], right: Right) -> tuple[float, float]:
    """A template's delta band for this right (from_direction legs give |delta|)."""
    lo, hi = band
    if right is Right.PUT and lo >= 0 and hi >= 0:
        return (-hi, -lo)
    return (lo, hi)


def _pool(chain: ValidatedChain, right: Right, *, quoted_only: bool = False) -> Array:
    """Contracts of `right` usable for selection; wings (`quoted_only`) need only a two-sided
    quote — a wide wing is the scoring exclusion's call, not a reason to move the wing."""
    usable = (chain.bid > 0) & (chain.ask >= chain.bid) if quoted_only else chain.eligible
    return np.flatnonzero(usable & (chain.is_call == (right is Right.CALL)))


def by_delta(chain: ValidatedChain, right: Right, band: tuple[float, float], deltas: Array) -> Pick:
    lo, hi = band
    pool = _pool(chain, right)
    inside = pool[(deltas[pool] >= lo) & (deltas[pool] <= hi)]
    if inside.size == 0:  # only wide quotes in the band: resolve anyway, scoring's exclusion says why
        quoted = _pool(chain, right, quoted_only=True)
        inside = quoted[(deltas[quoted] >= lo) & (deltas[quoted] <= hi)]
    if inside.size == 0:
        near = pool[np.argsort(np.abs(deltas[pool] - 0.5 * (lo + hi)))][:1]
        hint = f" (nearest: {chain.strikes[near[0]]:g} at delta {deltas[near[0]]:+.3f})" if near.size else ""
        raise NoStrike(f"no {right.value} with delta in [{lo:+g}, {hi:+g}] at {chain.expiry}{hint}")
    best = inside[np.argmin(np.abs(deltas[inside] - 0.5 * (lo + hi)))]
    return Pick(int(best), float(chain.strikes[best]), float(deltas[best]))


def at_the_money(chain: ValidatedChain, right: Right, deltas: Array, offset: int = 0) -> Pick:
    """The listed strike nearest the forward, moved `offset` strikes up (+) or down (−)."""
    pool = _pool(chain, right)
    if pool.size == 0:
        raise NoStrike(f"no quoted {right.value} at {chain.expiry}")
    order = pool[np.argsort(chain.strikes[pool], kind="stable")]
    strikes = chain.strikes[order]
    atm = int(np.argmin(np.abs(strikes - chain.parity.forward)))
    k = atm + offset
    if not 0 <= k < order.size:
        raise NoStrike(f"no {right.value} {abs(offset)} strikes {'above' if offset > 0 else 'below'} the money "
                       f"at {chain.expiry}")
    i = int(order[k])
    return Pick(i, float(chain.strikes[i]), float(deltas[i]))


def _direction(right: Right, side: str | None) -> float:
    if side == "below":
        return -1.0
    if side == "above":
        return 1.0
    otm = -1.0 if right is Right.PUT else 1.0
    return -otm if side == "itm" else otm


def width_of(rule: LegEntry, spot: float) -> float:
    if rule.width is not None:
        return rule.width
    assert rule.width_pct is not None, "validated: fixed_width has width or width_pct"
    return rule.width_pct / 100.0 * spot


def fixed_width(chain: ValidatedChain, right: Right, anchor: float, rule: LegEntry, deltas: Array) -> Pick:
    """The two-sided quoted strike nearest `anchor` ± width on the rule's side (at least one
    strike away)."""
    sign = _direction(right, rule.side)
    target = anchor + sign * width_of(rule, chain.spot)
    pool = _pool(chain, right, quoted_only=True)
    beyond = pool[(chain.strikes[pool] - anchor) * sign > 1e-9]
    if beyond.size == 0:
        raise NoStrike(f"no quoted {right.value} {'above' if sign > 0 else 'below'} {anchor:g} for a "
                       f"{width_of(rule, chain.spot):.2f}-wide wing at {chain.expiry}")
    best = beyond[np.argmin(np.abs(chain.strikes[beyond] - target))]
    return Pick(int(best), float(chain.strikes[best]), float(deltas[best]))


def _beyond(strike: float, level: float, right: Right, buffer: str | None) -> bool:
    strict = buffer in ("below", "above")
    if right is Right.PUT:
        return strike < level if strict else strike <= level + 1e-9
    return strike > level if strict else strike >= level - 1e-9


def sr_aligned(pick: Pick, levels: tuple[Level, ...], right: Right, buffer: str | None, spot: float) -> float | None:
    """The level the pick sits at (at or just beyond it, within 1 % of spot), if any."""
    for lv in levels:
        if _beyond(pick.strike, lv.price, right, buffer) and abs(pick.strike - lv.price) <= SR_ALIGN * spot:
            return lv.price
    return None


def by_level(chain: ValidatedChain, right: Right, band: tuple[float, float], levels: tuple[Level, ...],
             buffer: str | None, deltas: Array) -> Pick | None:
    """The strike at or just beyond the nearest usable level whose delta stays near the band."""
    lo, hi = sorted((abs(band[0]), abs(band[1])))
    pool = _pool(chain, right)
    for lv in levels:
        ok = np.array([_beyond(k, lv.price, right, buffer) for k in chain.strikes[pool]], dtype=bool)
        candidates = pool[ok]
        if candidates.size == 0:
            continue
        i = candidates[np.argmin(np.abs(chain.strikes[candidates] - lv.price))]
        d = abs(float(deltas[i]))
        if 0.5 * lo <= d <= 1.25 * hi and math.isfinite(d):
            return Pick(int(i), float(chain.strikes[i]), float(deltas[i]), lv.price)
    return None
