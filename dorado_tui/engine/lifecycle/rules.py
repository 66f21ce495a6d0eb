"""Management rules (PRD §3.6 `management`) as pure decisions over one marked position.

Every rule that can be evaluated yields a Decision (passed = not triggered, with the figure and
the limit it was held against), so the operator sees why a position was, or was not, closed.
A rule that lacks its data (no IV history, no bars) says so and does not fire: nothing is guessed.
The triggered rules' actions are ranked: a full close wins over closing a side, which wins over
reducing, rolling, and finally an alert.

P&L rules measure the position's total P&L (realized + unrealized, fees included) against the
premium taken in (credit trades: PRD "percent of the maximum profit (credit)") or the premium
paid (debit trades). Breach: a short put is tested when the underlying trades at or below its
strike, a short call at or above. Directional positions (no options) use price stops and targets
(ATR multiples or percent of entry) and an ATR trailing stop from the best price since entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Literal

from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import Right
from dorado_tui.engine.lifecycle.ledger import LegBook
from dorado_tui.engine.lifecycle.settings import (
    ALL_CHECKS,
    CHECK_BREACH,
    CHECK_DTE,
    CHECK_PNL,
    CHECK_VOL,
)
from dorado_tui.settings.template_parts import ExitRule, Management, PriceTarget

ActionKind = Literal["close", "close_side", "reduce_half", "roll", "alert"]
_RANK: dict[str, int] = {"close": 0, "close_side": 1, "reduce_half": 2, "roll": 3, "alert": 4}


@dataclass(frozen=True, slots=True)
class Action:
    """What the monitor should do: close, close one side, halve, roll, or only alert."""

    kind: ActionKind
    rule: str
    reason: str
    side: str | None = None


@dataclass(frozen=True)
class View:
    """A marked position as the rules see it (money in account currency, totals not per unit)."""

    position_id: str
    opened_at: datetime
    today: date
    local_time: time
    legs: tuple[LegBook, ...]
    marks: Mapping[str, float]
    spot: float | None
    pnl: float
    entry_premium: float  # > 0 credit received, < 0 debit paid
    max_profit: float | None = None
    wheel: bool = False
    side_pnl: Mapping[str, float] = field(default_factory=dict)

    @property
    def options(self) -> tuple[LegBook, ...]:
        return tuple(leg for leg in self.legs if leg.instrument.is_option and leg.is_open)

    @property
    def dte(self) -> int | None:
        days = [(leg.instrument.expiry - self.today).days for leg in self.options if leg.instrument.expiry]
        return min(days) if days else None


@dataclass(frozen=True)
class Facts:
    """Market facts some rules need (None when unknown)."""

    iv_rank: float | None = None
    vol_z: float | None = None
    hurst: float | None = None
    atr: float | None = None
    best_price: float | None = None  # highest price since entry (long) …
    worst_price: float | None = None  # … lowest (for shorts' trailing stops)


@dataclass(frozen=True)
class Evaluation:
    decisions: tuple[Decision, ...]
    action: Action | None

    @property
    def triggered(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if not d.passed)


Fired = tuple[Decision, Action | None]


def _fire(check: str, code: str, reason: str, figure: float | None, limit: float | None, action: Action) -> Fired:
    return Decision(check, False, code, reason, figure, limit, {"action": action.kind, "side": action.side}), action


def _quiet(check: str, reason: str, figure: float | None = None, limit: float | None = None) -> Fired:
    return Decision(check, True, "OK", reason, figure, limit), None


def _no_data(check: str, what: str) -> Fired:
    return Decision(check, True, "NO_DATA", f"not evaluated: {what}"), None


def profit_target(v: View, pct: float) -> Fired:
    base = v.entry_premium if v.entry_premium > 0 else (v.max_profit or 0.0)
    if base <= 0:
        return _no_data("manage.profit_target", "no premium or finite max profit to measure against")
    goal = pct / 100.0 * base
    if v.pnl >= goal:
        return _fire("manage.profit_target", "PROFIT_TARGET", f"P&L {v.pnl:,.2f} reached {pct:g} % of "
                     f"{base:,.2f} ({goal:,.2f})", v.pnl, goal, Action("close", "profit_target", f"profit target {pct:g} %"))
    return _quiet("manage.profit_target", f"P&L {v.pnl:,.2f} below {goal:,.2f}", v.pnl, goal)


def stop_loss(v: View, pct: float) -> Fired:
    base = abs(v.entry_premium)
    if base <= 0:
        return _no_data("manage.stop_loss", "no premium to measure the loss against")
    limit = pct / 100.0 * base
    if -v.pnl >= limit:
        return _fire("manage.stop_loss", "STOP_LOSS", f"loss {-v.pnl:,.2f} reached {pct:g} % of the premium "
                     f"{base:,.2f} ({limit:,.2f})", -v.pnl, limit, Action("close", "stop_loss", f"stop loss {pct:g} %"))
    return _quiet("manage.stop_loss", f"loss {max(-v.pnl, 0.0):,.2f} within {limit:,.2f}", -v.pnl, limit)


def dte_exit(v: View, days: int) -> Fired:
    if v.dte is None:
        return _no_data("manage.dte_exit", "no option leg")
    if v.dte <= days:
        return _fire("manage.dte_exit", "DTE_EXIT", f"{v.dte} day(s) to expiry ≤ {days}", v.dte, days,
                     Action("close", "dte_exit", f"DTE {v.dte} ≤ {days}"))
    return _quiet("manage.dte_exit", f"{v.dte} day(s) to expiry > {days}", v.dte, days)


def _rule_action(rule: ExitRule, name: str, reason: str, side: str | None = None) -> Action:
    kind: ActionKind = {"close_full": "close", "close_tested_side": "close_side", "reduce_half": "reduce_half",
                        "alert": "alert"}[rule.action]  # type: ignore[assignment]
    if kind == "close_side" and side is None:
        kind = "close"
    return Action(kind, name, reason, side if kind == "close_side" else None)


def breached_sides(v: View) -> list[tuple[str, float]]:
    """(side, strike) of every short option the underlying has reached."""
    if v.spot is None:
        return []
    out = []
    for leg in v.options:
        inst = leg.instrument
        if leg.quantity >= 0 or inst.strike is None:
            continue
        if (inst.right is Right.PUT and v.spot <= inst.strike) or (inst.right is Right.CALL and v.spot >= inst.strike):
            out.append(("put" if inst.right is Right.PUT else "call", inst.strike))
    return out


def breach(v: View, rule: ExitRule) -> Fired:
    if v.spot is None:
        return _no_data("manage.breach", "no underlying price")
    tested = breached_sides(v)
    if not tested:
        return _quiet("manage.breach", f"no short strike tested (underlying {v.spot:g})", v.spot)
    side, strike = tested[0]
    sides = {"put" if leg.instrument.right is Right.PUT else "call" for leg in v.options}
    only_side = sides == {side}
    reason = f"short {side} {strike:g} tested: underlying {v.spot:g}"
    action = _rule_action(rule, "breach", reason, None if only_side else side)
    return _fire("manage.breach", "STRIKE_TESTED", reason, v.spot, strike, action)


def threshold_rule(check: str, code: str, what: str, value: float | None, rule: ExitRule, above: bool) -> Fired:
    limit = float(rule.threshold or 0.0)
    if value is None:
        return _no_data(check, f"no {what}")
    hit = value >= limit if above else value < limit
    cmp = "≥" if above else "<"
    if hit:
        return _fire(check, code, f"{what} {value:.2f} {cmp} {limit:g}", value, limit,
                     _rule_action(rule, check.split(".")[-1], f"{what} {value:.2f} {cmp} {limit:g}"))
    return _quiet(check, f"{what} {value:.2f} not {cmp} {limit:g}", value, limit)


def vol_exit(v: View, rule: ExitRule, f: Facts) -> Fired:
    if rule.trigger == "iv_rank_spike":
        return threshold_rule("manage.vol_exit", "IV_RANK_SPIKE", "IV rank", f.iv_rank, rule, above=True)
    return threshold_rule("manage.vol_exit", "VOL_SPIKE", "vol z-score", f.vol_z, rule, above=True)


def hurst_exit(v: View, rule: ExitRule, f: Facts) -> Fired:
    return threshold_rule("manage.hurst_exit", "HURST_EXIT", "Hurst exponent", f.hurst, rule, above=False)


def time_exits(v: View, m: Management) -> list[Fired]:
    out: list[Fired] = []
    if m.time_exit_days is not None:
        held = (v.today - v.opened_at.date()).days
        if held >= m.time_exit_days:
            out.append(_fire("manage.time_exit", "TIME_EXIT", f"held {held} day(s) ≥ {m.time_exit_days}", held,
                             m.time_exit_days, Action("close", "time_exit", f"held {held} days")))
        else:
            out.append(_quiet("manage.time_exit", f"held {held} day(s) < {m.time_exit_days}", held, m.time_exit_days))
    if m.time_exit is not None and v.dte == 0:
        if v.local_time >= m.time_exit:
            out.append(_fire("manage.time_exit", "EXPIRY_DAY_TIME", f"expiry day, {v.local_time:%H:%M} ≥ "
                             f"{m.time_exit:%H:%M}", None, None, Action("close", "time_exit", "expiry-day exit time")))
        else:
            out.append(_quiet("manage.time_exit", f"expiry day, before {m.time_exit:%H:%M}"))
    return out


# --------------------------------------------------------------------------- directional


def _linear(v: View) -> LegBook | None:
    legs = [leg for leg in v.legs if leg.is_open]
    if len(legs) != 1 or legs[0].instrument.is_option:
        return None
    return legs[0]


def _distance(t: PriceTarget, entry: float, atr: float | None) -> float | None:
    if t.method == "pct":
        return entry * float(t.pct or 0.0) / 100.0
    return None if atr is None else atr * float(t.multiplier or 0.0)


def price_stop(v: View, t: PriceTarget, f: Facts, *, target: bool) -> Fired:
    check = "manage.profit_target" if target else "manage.stop_loss"
    leg = _linear(v)
    if leg is None or v.spot is None:
        return _no_data(check, "not a single directional leg with a price")
    dist = _distance(t, leg.avg_cost, f.atr)
    if dist is None:
        return _no_data(check, "no ATR")
    long = leg.quantity > 0
    level = leg.avg_cost + (dist if long == target else -dist)
    hit = (v.spot >= level) if long == target else (v.spot <= level)
    name = "target" if target else "stop"
    if hit:
        return _fire(check, "PRICE_TARGET" if target else "PRICE_STOP", f"price {v.spot:g} reached the {name} "
                     f"{level:g}", v.spot, level, Action("close", check.split(".")[-1], f"price {name} {level:g}"))
    return _quiet(check, f"price {v.spot:g}, {name} at {level:g}", v.spot, level)


def trailing_stop(v: View, activation_atr: float, trail_atr: float, f: Facts) -> Fired:
    check = "manage.trailing_stop"
    leg = _linear(v)
    if leg is None or v.spot is None:
        return _no_data(check, "not a single directional leg with a price")
    if f.atr is None:
        return _no_data(check, "no ATR")
    long = leg.quantity > 0
    best = max(f.best_price or v.spot, v.spot) if long else min(f.worst_price or v.spot, v.spot)
    gained = (best - leg.avg_cost) if long else (leg.avg_cost - best)
    if gained < activation_atr * f.atr:
        return _quiet(check, f"not active: best move {gained:g} < {activation_atr:g} ATR ({activation_atr * f.atr:g})",
                      gained, activation_atr * f.atr)
    level = best - trail_atr * f.atr if long else best + trail_atr * f.atr
    hit = v.spot <= level if long else v.spot >= level
    if hit:
        return _fire(check, "TRAILING_STOP", f"price {v.spot:g} crossed the trailing stop {level:g} "
                     f"({trail_atr:g} ATR from the best {best:g})", v.spot, level,
                     Action("close", "trailing_stop", f"trailing stop {level:g}"))
    return _quiet(check, f"trailing stop at {level:g}, price {v.spot:g}", v.spot, level)


# --------------------------------------------------------------------------- evaluation


def _pnl_rules(v: View, m: Management, f: Facts) -> list[Fired]:
    out: list[Fired] = []
    if m.profit_target_pct is not None:
        out.append(profit_target(v, m.profit_target_pct))
    if m.stop_loss_pct is not None:
        out.append(stop_loss(v, m.stop_loss_pct))
    if m.stop_loss is not None:
        out.append(price_stop(v, m.stop_loss, f, target=False))
    if m.profit_target is not None:
        out.append(price_stop(v, m.profit_target, f, target=True))
    if m.trailing_stop is not None and m.trailing_stop.enabled:
        out.append(trailing_stop(v, m.trailing_stop.activation_atr, m.trailing_stop.trail_distance_atr, f))
    return out


def _dte_rules(v: View, m: Management) -> list[Fired]:
    out: list[Fired] = []
    trigger = m.roll.dte_trigger if m.roll.dte_trigger is not None else m.dte_exit
    if m.roll.enabled and trigger is not None and v.dte is not None and v.dte <= trigger:
        out.append(_fire("manage.roll", "ROLL", f"{v.dte} day(s) to expiry ≤ {trigger}: roll out", v.dte, trigger,
                         Action("roll", "roll", f"roll at DTE {v.dte}")))
    elif m.dte_exit is not None:
        out.append(dte_exit(v, m.dte_exit))
    return out + time_exits(v, m)


def evaluate(v: View, m: Management, f: Facts, checks: frozenset[str] = ALL_CHECKS) -> Evaluation:
    """Every rule of `m` in the requested check groups, and the action to take (if any)."""
    fired: list[Fired] = []
    if CHECK_PNL in checks:
        fired += _pnl_rules(v, m, f)
    if CHECK_BREACH in checks and m.breach_action is not None:
        fired.append(breach(v, m.breach_action))
    if CHECK_DTE in checks:
        fired += _dte_rules(v, m)
    if CHECK_VOL in checks:
        if m.vol_exit is not None:
            fired.append(vol_exit(v, m.vol_exit, f))
        if m.hurst_exit is not None:
            fired.append(hurst_exit(v, m.hurst_exit, f))
    actions = [a for _, a in fired if a is not None]
    action = min(actions, key=lambda a: _RANK[a.kind]) if actions else None
    return Evaluation(tuple(d for d, _ in fired), action)


def wheel_view(v: View) -> View | None:
    """A wheel holding shares is managed through its short call only (the shares are the point):
    the view of that call, or None when no call is written."""
    calls = [leg for leg in v.options if leg.quantity < 0 and leg.instrument.right is Right.CALL]
    if not calls:
        return None
    leg = calls[0]
    premium = -leg.avg_cost * leg.quantity * leg.instrument.multiplier
    pnl = leg.unrealized(v.marks[leg.symbol]) if leg.symbol in v.marks else 0.0
    return replace(v, legs=(leg,), pnl=pnl, entry_premium=premium, max_profit=premium)


def as_wheel_action(a: Action | None) -> Action | None:
    """On a wheel with shares, closing means buying back the call, never selling the shares."""
    if a is None or a.kind not in ("close", "reduce_half"):
        return a
    return replace(a, kind="close_side", side="call")
