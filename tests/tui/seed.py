"""A fixed, seeded console state for the TUI tests: positions, candidates, a tripped breaker, regimes.

Test scaffolding only: every figure is a closed-form function of its index (no randomness), so
snapshots are stable byte for byte. The shipped console reads the real engine.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from dorado_tui.domain.account import Position
from dorado_tui.domain.candidates import CandidateLeg, CandidateStatus
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import (
    AssetClass,
    ExerciseStyle,
    OptionContract,
    Right,
    option_instrument,
)
from dorado_tui.domain.orders import Action
from dorado_tui.domain.regime import RegimeModel
from dorado_tui.domain.states import BotState, TradingState
from dorado_tui.engine.console_views import (
    BotView,
    BreakerState,
    BreakerView,
    CandidateView,
    CorrelationView,
    DashboardSnapshot,
    EventKind,
    EventView,
    Greeks,
    JobView,
    PnlPoint,
    PositionView,
    RegimePoint,
    RegimeView,
    RiskView,
    ScanView,
    SchedulerRole,
    Severity,
    StatusView,
    StressGridView,
    TradingStatesView,
    VarView,
)

ASOF = datetime(2026, 2, 10, 15, 30, tzinfo=UTC)  # 10:30 in New York
TODAY = date(2026, 2, 10)
EXPIRY = date(2026, 3, 20)
UNDERLYINGS = ("SPY", "QQQ", "IWM", "TLT", "DIA", "XLE", "GLD", "EEM")


def _leg(und: str, right: Right, strike: float, qty: float, avg: float, mark: float) -> Position:
    inst = option_instrument(und, EXPIRY, right, strike, ExerciseStyle.AMERICAN)
    return Position(inst, qty, avg, mark)


def position(i: int) -> PositionView:
    """The i-th seeded position: an iron condor on a rotating underlying with smooth P&L history."""
    und = UNDERLYINGS[i % len(UNDERLYINGS)]
    base = 400.0 + 10 * (i % 17)
    credit = 180.0 + (i % 7) * 15
    pnl = round(credit * 0.4 * math.sin(i + 1), 2)
    history = tuple(PnlPoint(ASOF - timedelta(days=19 - d), round(pnl * d / 19 + 8 * math.sin(d), 2))
                    for d in range(20))
    legs = (_leg(und, Right.PUT, base - 20, -1, 1.9, 1.2), _leg(und, Right.PUT, base - 25, 1, 0.9, 0.6),
            _leg(und, Right.CALL, base + 20, -1, 1.6, 1.1), _leg(und, Right.CALL, base + 25, 1, 0.7, 0.5))
    states = (BotState.MONITORING, BotState.MONITORING, BotState.CLOSING, BotState.MONITORING)
    mgmt = ("hold · 38% of target", "hold · 12% of target", "stop hit · closing", "hold · DTE exit in 17d")
    return PositionView(
        id=f"pos-{i:04d}", bot_id=f"{und.lower()}-ic", underlying=und, template="iron_condor",
        layer="L2", state=states[i % 4], quantity=1 + i % 3, opened_at=ASOF - timedelta(days=20),
        expiry=EXPIRY, dte=(EXPIRY - TODAY).days, entry_credit=credit,
        mark=round(credit - pnl, 2), unrealized_pnl=pnl, realized_pnl=0.0, max_loss=500.0 - credit,
        greeks=Greeks(delta=round(12 * math.cos(i), 1), gamma=-1.5, vega=-42.0, theta=round(9 + i % 5, 1)),
        management=mgmt[i % 4], legs=legs,
        pnl_by_side={"put": round(pnl * 0.6, 2), "call": round(pnl * 0.4, 2)},
        pnl_history=history, venue_mode="simulation")


def _gates(iv_rank: float, adx: float, regime_ok: bool = True) -> tuple[Decision, ...]:
    return (
        Decision.ok("gate.regime", "goldilocks allows iron condors", 0.72, 0.5, unit="pct") if regime_ok
        else Decision.deny("gate.regime", "REGIME", "risk_off forbids short premium", 0.61, 0.5, unit="pct"),
        Decision.ok("gate.volatility.iv_rank", f"IV rank {iv_rank:.0%} ≥ 30%", iv_rank, 0.30, unit="pct")
        if iv_rank >= 0.30 else
        Decision.deny("gate.volatility.iv_rank", "IV_RANK_LOW", f"IV rank {iv_rank:.0%} < 30%", iv_rank, 0.30,
                      unit="pct"),
        Decision.ok("gate.technicals.adx", f"ADX {adx:.0f} ≤ 25: range-bound", adx, 25.0),
    )


def _risk_ok() -> tuple[Decision, ...]:
    return (Decision.ok("portfolio.heat", "heat 4.9% ≤ 6.0% after adding", 0.049, 0.06, unit="pct"),
            Decision.ok("trade.max_loss", "max loss $299 ≤ $1,250", 299.0, 1250.0, unit="usd"),
            Decision.ok("portfolio.concentration", "SPY 18% ≤ 25% of heat", 0.18, 0.25, unit="pct"))


def _chain(und: str, centre: float) -> tuple[OptionContract, ...]:
    out = []
    for k in range(-3, 4):
        strike = centre + 5 * k
        for right in (Right.PUT, Right.CALL):
            moneyness = (strike - centre) / 25
            delta = round((-0.5 + 0.5 * math.tanh(moneyness)) if right is Right.PUT
                          else (0.5 - 0.5 * math.tanh(moneyness)), 2)
            mid = round(max(0.2, 4.0 * abs(delta)), 2)
            out.append(OptionContract(
                option_instrument(und, EXPIRY, right, strike, ExerciseStyle.AMERICAN),
                bid=round(mid - 0.05, 2), ask=round(mid + 0.05, 2), delta=delta, gamma=0.01, theta=-0.02,
                vega=0.1, implied_vol=0.18, open_interest=1000, volume=100, quote_time=ASOF,
                underlying_price=centre))
    return tuple(out)


def _ic_legs(und: str, sp: float, lp: float, sc: float, lc: float) -> tuple[CandidateLeg, ...]:
    def leg(role: str, right: Right, strike: float, action: Action, bid: float, delta: float) -> CandidateLeg:
        inst = option_instrument(und, EXPIRY, right, strike, ExerciseStyle.AMERICAN)
        return CandidateLeg(role, inst, action, 1, bid, round(bid + 0.06, 2), delta, 0.18)
    return (leg("short_put", Right.PUT, sp, Action.SELL, 1.52, -0.16), leg("long_put", Right.PUT, lp, Action.BUY,
            0.98, -0.11), leg("short_call", Right.CALL, sc, Action.SELL, 1.31, 0.15),
            leg("long_call", Right.CALL, lc, Action.BUY, 0.80, 0.10))


def candidates() -> tuple[CandidateView, ...]:
    """Five ranked candidates: three selected, one paper twin denied by heat, one gated out."""
    def cand(rank: int, und: str, strikes: tuple[float, float, float, float], credit: float,
             status: CandidateStatus, dq: float = 0.98, conf: str = "HIGH", iv_rank: float = 0.46,
             risk: tuple[Decision, ...] | None = None, reason: str = "") -> CandidateView:
        sp, lp, sc, lc = strikes
        legs = _ic_legs(und, sp, lp, sc, lc)
        return CandidateView(
            rank=rank, id=f"c-{rank}", bot_id=f"{und.lower()}-ic", underlying=und,
            asset_class=AssetClass.EQUITY_OPTIONS, template="iron_condor", expiry=EXPIRY,
            dte=(EXPIRY - TODAY).days, strikes=f"{sp:g}/{lp:g}P {sc:g}/{lc:g}C", credit=credit,
            max_loss=500.0 - credit, pop=0.68 - rank * 0.02, data_quality=dq, spread_quality=0.06,
            confidence=conf, score=round(0.9 - rank * 0.07, 2), status=status, status_reason=reason,
            gates=_gates(iv_rank, 18.0 + rank), risk_checks=_risk_ok() if risk is None else risk,
            legs=legs, chain_excerpt=_chain(und, (sp + sc) / 2) if rank == 1 else ())
    heat_fail = (Decision.deny("portfolio.heat", "HEAT_LIMIT", "heat 6.4% > 6.0% after adding", 0.064, 0.06,
                               unit="pct"),)
    fx = CandidateView(
        rank=4, id="c-4", bot_id="usdjpy-carry", underlying="USDJPY", asset_class=AssetClass.FX,
        template="fx_momentum", expiry=None, dte=None, strikes="Long 148.5 / SL 146.8 / TP 151.2",
        credit=0.0, max_loss=850.0, pop=None, data_quality=1.0, spread_quality=0.01, confidence="HIGH",
        score=0.61, status=CandidateStatus.SELECTED, gates=_gates(0.5, 31.0),
        risk_checks=_risk_ok())
    return (cand(1, "SPY", (569, 564, 596, 601), 201.0, CandidateStatus.SELECTED),
            cand(2, "SPY", (570, 565, 595, 600), 185.0, CandidateStatus.SELECTED, conf="MED"),
            cand(3, "QQQ", (480, 475, 520, 525), 178.0, CandidateStatus.PAPER, conf="MED", risk=heat_fail,
                 reason="heat 6.4% > 6.0% after adding"),
            fx,
            cand(5, "IWM", (200, 195, 226, 231), 162.0, CandidateStatus.DROPPED, dq=0.62, conf="LOW",
                 iv_rank=0.21, reason="IV rank 21% < 30%"))


def scan() -> ScanView:
    return ScanView(scan_id="scan-0210", ran_at=ASOF - timedelta(minutes=45), candidates=candidates(),
                    skipped={"TLT": "IV rank too low", "GLD": "chain incomplete: 14% missing Greeks"},
                    budget_trades=3, budget_text="budget: 3 trades before heat limit")


def _regime(model: RegimeModel, names: tuple[str, ...], top: int, conf: float, age_h: int,
            stale: bool = False, alert: bool = False) -> RegimeView:
    history = []
    for d in range(20):
        raw = [1.0 + (3.0 * d / 19 if j == top else 0.6 * math.cos(d / 3 + j)) ** 2 for j in range(len(names))]
        total = sum(raw)
        history.append(RegimePoint(TODAY - timedelta(days=19 - d),
                                   {n: round(v / total, 3) for n, v in zip(names, raw, strict=True)}))
    probs = dict(history[-1].probabilities)
    trend = {n: round(probs[n] - history[-4].probabilities[n], 3) for n in names}
    drivers = {"vix_term_slope": 0.42, "hy_spread_chg": -0.31, "spx_realised_vol": -0.18, "dxy_mom": 0.07}
    return RegimeView(model=model, regime=names[top], confidence=conf, probabilities=probs, trend_3d=trend,
                      history=tuple(history), drivers=drivers if model is RegimeModel.MACRO else {"carry": 0.5},
                      computed_at=ASOF - timedelta(hours=age_h), age=timedelta(hours=age_h), stale=stale,
                      transition_alert=alert)


def regimes() -> tuple[RegimeView, ...]:
    return (_regime(RegimeModel.MACRO, ("risk_on", "goldilocks", "transition", "risk_off"), 1, 0.72, 6, alert=True),
            _regime(RegimeModel.FX, ("carry", "momentum", "mean_reversion", "risk_off_unwind"), 0, 0.64, 6),
            _regime(RegimeModel.CRYPTO, ("no_trend", "trend"), 1, 0.58, 80, stale=True),
            _regime(RegimeModel.CORRELATION, ("concentrated", "diversified"), 1, 0.80, 6))


def risk() -> RiskView:
    spot = (-0.10, -0.05, -0.02, 0.0, 0.02, 0.05, 0.10)
    vol = (-0.05, 0.0, 0.05, 0.10)
    grid = tuple(tuple(round(-40000 * s * s * 10 - 9000 * v * 10 + 600, 0) for s in spot) for v in vol)
    labels = ("SPY", "QQQ", "IWM", "TLT", "USDJPY")
    corr = tuple(tuple(1.0 if i == j else round(0.85 - 0.25 * abs(i - j) - (0.9 if 3 in (i, j) else 0.0), 2)
                       for j in range(5)) for i in range(5))
    breakers = (
        BreakerView("daily_loss L3", "layer:L3", BreakerState.TRIPPED, 0.023, 0.02, TradingState.HALTED,
                    "0DTE layer lost 2.3% of its budget today", ASOF - timedelta(minutes=50)),
        BreakerView("weekly_loss", "global", BreakerState.ARMED, 0.02, 0.05, TradingState.HALTED),
        BreakerView("drawdown", "global", BreakerState.ARMED, 0.031, 0.08, TradingState.REDUCING),
        BreakerView("stop_guard spy-ic", "bot:spy-ic", BreakerState.ARMED, 1, 3, TradingState.HALTED,
                    unit="count"),
    )
    limits = (
        Decision.ok("portfolio.heat", "heat within limit", 0.041, 0.06, unit="pct"),
        Decision.ok("portfolio.concentration.SPY", "SPY share of heat", 0.18, 0.25, unit="pct"),
        Decision.deny("layer.L3.budget", "LAYER_BUDGET", "0DTE layer budget used up", 0.021, 0.02, unit="pct"),
        Decision.ok("portfolio.vega", "net short vega", -1850.0, -5000.0, unit="usd"),
        Decision.ok("portfolio.var99", "1-day VaR 99%", 3120.0, 5000.0, unit="usd"),
        Decision.ok("portfolio.cash", "cash reserve", 0.32, 0.10, unit="pct"),
    )
    return RiskView(nav=250_000.0, heat=0.041, heat_limit=0.06, daily_loss=0.012, daily_loss_limit=0.02,
                    weekly_loss=0.02, weekly_loss_limit=0.05, drawdown=0.031, drawdown_limit=0.12,
                    greeks=Greeks(delta=118.0, gamma=-6.4, vega=-1850.0, theta=312.0),
                    var=VarView(0.99, 1, 3120.0, 5000.0, "historical", 4410.0), breakers=breakers,
                    limits=limits, stress=StressGridView(spot, vol, grid),
                    correlation=CorrelationView(labels, corr, "diversified", 4))


def bots() -> tuple[BotView, ...]:
    rows = (("spy-ic", "SPY", "iron_condor", "L2", BotState.MONITORING, True),
            ("qqq-ic", "QQQ", "iron_condor", "L2", BotState.IDLE, True),
            ("iwm-0dte", "IWM", "0dte_iron_condor", "L3", BotState.IDLE, True),
            ("tlt-wheel", "TLT", "wheel", "L1", BotState.AWAITING_APPROVAL, True),
            ("usdjpy-carry", "USDJPY", "fx_momentum", "FX", BotState.IDLE, False))
    return tuple(BotView(id=b, underlying=u, template=t, layer=layer, venue_mode="simulation", signal_mode="scan",
                         approval_mode="manual", enabled=en, state=st,
                         trading_state=TradingState.HALTED if layer == "L3" else TradingState.ACTIVE,
                         open_positions=1 if st is BotState.MONITORING else 0)
                 for b, u, t, layer, st, en in rows)


def events() -> tuple[EventView, ...]:
    rows = ((Severity.INFO, EventKind.SCAN, "scan-0210: 5 candidates, 3 selected, budget 3 trades"),
            (Severity.INFO, EventKind.FILL, "SPY iron condor filled 1 @ -2.01 (mid -2.03, slippage $2)"),
            (Severity.WARNING, EventKind.REJECTION, "QQQ iron condor not selected: heat 6.4% > 6.0%"),
            (Severity.ERROR, EventKind.BREAKER, "daily_loss L3 tripped: 2.3% ≥ 2.0% → layer L3 HALTED"),
            (Severity.INFO, EventKind.REGIME, "macro: transition probability 8% → 23% in 3 days"),
            (Severity.INFO, EventKind.ORDER, "IWM 0DTE condor closing order working @ 1.10"),
            (Severity.INFO, EventKind.APPROVAL, "tlt-wheel short put awaiting approval"))
    return tuple(EventView(seq=i + 1, time=ASOF - timedelta(minutes=60 - 8 * i), severity=sev, kind=kind, text=text)
                 for i, (sev, kind, text) in enumerate(rows))


def trading(global_state: TradingState = TradingState.ACTIVE, kill_banner: str | None = None) -> TradingStatesView:
    return TradingStatesView(global_state=global_state, layers={"L1": TradingState.ACTIVE,
                                                                 "L2": TradingState.ACTIVE, "L3": TradingState.HALTED},
                             bots={"iwm-0dte": TradingState.HALTED},
                             reason="kill switch" if global_state is TradingState.HALTED else "",
                             since=ASOF if global_state is not TradingState.ACTIVE else None,
                             kill_banner=kill_banner)


def status(trading_view: TradingStatesView | None = None) -> StatusView:
    jobs = (JobView("monitor", "monitor", ASOF + timedelta(minutes=15)),
            JobView("scan", "scan", datetime(2026, 2, 11, 14, 45, tzinfo=UTC)))
    return StatusView(venue="SIM", venue_mode="simulation", connected=True, venue_detail="simulated market seed 7",
                      store_url="sqlite:///state/dorado.db", scheduler_role=SchedulerRole.OWNER, next_jobs=jobs,
                      exchange_tz="America/New_York", trading=trading_view or trading())


def snapshot(n_positions: int = 4, *, with_scan: bool = True,
             global_state: TradingState = TradingState.ACTIVE) -> DashboardSnapshot:
    """The seeded state every TUI test and snapshot starts from."""
    banner = "HALTED by kill switch at 10:30:00 EST — 2 orders cancelled" if global_state is TradingState.HALTED else None
    return DashboardSnapshot(version=1, asof=ASOF, status=status(trading(global_state, banner)),
                             positions=tuple(position(i) for i in range(n_positions)),
                             scan=scan() if with_scan else None, regimes=regimes(), risk=risk(), bots=bots(),
                             events=events())
