"""Freqtrade-style protections: time-bound locks computed from recent stop-outs and closed trades.

Unlike breakers these expire by design: a cooldown after a stop-out in one underlying, a pause of
a bot after N stops in a window (stop-loss guard), and a global pause after too deep a realized
drawdown in a window. Lock end times derive from the triggering events, so evaluating twice gives
the same locks (idempotent, no matter when it runs).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from dorado_tui.domain.decisions import Decision
from dorado_tui.risk.events import Alert, Severity
from dorado_tui.risk.gate import Lock
from dorado_tui.risk.policy import RiskPolicy
from dorado_tui.risk.trading_state import GLOBAL, bot_scope, underlying_scope


@dataclass(frozen=True, slots=True)
class StopOut:
    """A position closed by its stop (a losing exit the management rules forced)."""

    underlying: str
    bot_id: str
    time: datetime


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """A closed trade's realized P&L (account currency) and when it closed."""

    bot_id: str
    underlying: str
    pnl: float
    closed_at: datetime


@dataclass(frozen=True, slots=True)
class ProtectionOutcome:
    locks: tuple[Lock, ...]
    decisions: tuple[Decision, ...]
    alerts: tuple[Alert, ...]


def _lock(scope: str, code: str, reason: str, since: datetime, until: datetime,
          now: datetime) -> tuple[Lock, Decision, Alert]:
    lock = Lock(scope, until, code, reason, since)
    d = Decision(f"protection.{code.lower()}", False, code, f"{reason}: {scope} locked until {until.isoformat()}",
                 None, None, {"scope": scope, "until": until.isoformat()})
    return lock, d, Alert(Severity.WARNING, code, d.reason, now, scope, d)


def stop_cooldowns(stops: Iterable[StopOut], now: datetime, policy: RiskPolicy) -> list[tuple[Lock, Decision, Alert]]:
    """One lock per underlying whose latest stop-out is within the cooldown."""
    cooldown = timedelta(minutes=policy.protections.stop_cooldown_minutes)
    latest: dict[str, datetime] = {}
    for s in stops:
        key = s.underlying.upper()
        if s.time <= now and (key not in latest or s.time > latest[key]):
            latest[key] = s.time
    return [_lock(underlying_scope(u), "STOP_COOLDOWN", f"stopped out of {u} at {t.isoformat()}", t,
                  t + cooldown, now)
            for u, t in sorted(latest.items()) if t + cooldown > now]


def stoploss_guard(stops: Iterable[StopOut], now: datetime, policy: RiskPolicy) -> list[tuple[Lock, Decision, Alert]]:
    """Pause a bot whose last N stops all fell within the lookback window."""
    p = policy.protections
    window, pause = timedelta(minutes=p.stoploss_guard_lookback_minutes), timedelta(minutes=p.stoploss_guard_pause_minutes)
    by_bot: dict[str, list[datetime]] = {}
    for s in stops:
        if s.time <= now:
            by_bot.setdefault(s.bot_id, []).append(s.time)
    out = []
    for bot, times in sorted(by_bot.items()):
        times.sort()
        for i in range(len(times) - p.stoploss_guard_max_stops, -1, -1):
            last = times[i + p.stoploss_guard_max_stops - 1]
            if last - times[i] <= window and last + pause > now:
                out.append(_lock(bot_scope(bot), "STOPLOSS_GUARD",
                                 f"{p.stoploss_guard_max_stops} stops of {bot} within "
                                 f"{p.stoploss_guard_lookback_minutes} min", last, last + pause, now))
                break
    return out


def window_drawdown(trades: Iterable[ClosedTrade], now: datetime, nav: float,
                    policy: RiskPolicy) -> list[tuple[Lock, Decision, Alert]]:
    """Pause everything when realized P&L within the lookback drew down too far from its peak.

    The equity curve starts at the NAV before the window's realized P&L (current NAV minus it).
    """
    p = policy.protections
    start = now - timedelta(hours=p.max_drawdown_lookback_hours)
    recent = sorted((t for t in trades if start <= t.closed_at <= now), key=lambda t: t.closed_at)
    equity = nav - sum(t.pnl for t in recent)
    peak, worst, trough_at = equity, 0.0, None
    for t in recent:
        equity += t.pnl
        peak = max(peak, equity)
        dd = (peak - equity) / peak * 100.0 if peak > 0 else 0.0
        if dd > worst:
            worst, trough_at = dd, t.closed_at
    pause = timedelta(minutes=p.max_drawdown_pause_minutes)
    if trough_at is None or worst < p.max_drawdown_window_pct or trough_at + pause <= now:
        return []
    return [_lock(GLOBAL, "MAX_DRAWDOWN_WINDOW",
                  f"realized drawdown {worst:.2f} % within {p.max_drawdown_lookback_hours} h "
                  f"(limit {p.max_drawdown_window_pct:g} %)", trough_at, trough_at + pause, now)]


def evaluate_protections(stops: Iterable[StopOut], trades: Iterable[ClosedTrade], now: datetime,
                         nav: float, policy: RiskPolicy) -> ProtectionOutcome:
    """Every protection's active locks right now."""
    stops, trades = list(stops), list(trades)
    found = [*stop_cooldowns(stops, now, policy), *stoploss_guard(stops, now, policy),
             *window_drawdown(trades, now, nav, policy)]
    return ProtectionOutcome(tuple(f[0] for f in found), tuple(f[1] for f in found), tuple(f[2] for f in found))
