"""Domain values the store tests persist: an SPY iron condor candidate, its order and fills."""

from __future__ import annotations

from datetime import date, datetime

from dorado_tui.domain.candidates import Candidate, CandidateLeg, CandidateStatus
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import AssetClass, ExerciseStyle, Right, option_instrument
from dorado_tui.domain.orders import Action, Fill, Order, OrderLeg, OrderType

EXPIRY = date(2025, 4, 17)


def condor_legs() -> tuple[CandidateLeg, ...]:
    spec = [("long_put", Right.PUT, 540.0, Action.BUY, 1.10, 1.15, -0.10),
            ("short_put", Right.PUT, 545.0, Action.SELL, 1.60, 1.66, -0.16),
            ("short_call", Right.CALL, 600.0, Action.SELL, 1.40, 1.46, 0.15),
            ("long_call", Right.CALL, 605.0, Action.BUY, 0.95, 1.00, 0.10)]
    return tuple(CandidateLeg(role, option_instrument("SPY", EXPIRY, right, strike, ExerciseStyle.AMERICAN),
                              action, 1, bid, ask, delta, 0.17)
                 for role, right, strike, action, bid, ask, delta in spec)


def candidate(cid: str = "cand-1", *, scan_id: str = "scan-1", rank: int = 1, score: float = 0.82,
              status: CandidateStatus = CandidateStatus.SELECTED) -> Candidate:
    gates = (Decision.ok("gate.regime", "regime goldilocks allows iron condors", 0.71, 0.5, regime="goldilocks"),
             Decision.ok("gate.volatility.iv_rank", "IV rank 41 within [30, 80]", 41.0, 30.0),
             Decision.deny("gate.technicals.adx", "ADX_HIGH", "ADX 27 above 25: trending", 27.0, 25.0,
                           window=14))
    return Candidate(
        id=cid, scan_id=scan_id, bot_id="spy_ic", underlying="SPY", asset_class=AssetClass.EQUITY_OPTIONS,
        template="iron_condor", strategy_layer="L2", legs=condor_legs(), expiry=EXPIRY, dte=34,
        credit=92.0, max_loss=408.0, max_profit=92.0, width=5.0, breakevens=(544.08, 600.92), pop=0.68,
        quantity=2.0, data_quality=0.97, spread_quality=0.041, score=score, rank=rank, confidence="HIGH",
        variant="delta", flags=("wide_spread_short_call",), gates=gates,
        score_parts={"credit_to_width": 0.3, "pop": 0.25}, status=status, status_reason="top ranked",
        delta=-1.2, gamma=-0.4, vega=-12.5, theta=3.1)


def condor_order(coid: str = "DOR-0001") -> Order:
    legs = tuple(OrderLeg(leg.instrument, leg.action, leg.ratio) for leg in condor_legs())
    return Order(client_order_id=coid, legs=legs, quantity=2.0, order_type=OrderType.LIMIT, limit_price=-0.92,
                 bot_id="spy_ic", opening=True, tag="cand-1")


def fills(coid: str, at: datetime, prices: tuple[float, ...] = (1.12, 1.63, 1.43, 0.97)) -> tuple[Fill, ...]:
    return tuple(Fill(f"{coid}-x{i}", coid, "V-77", leg.instrument.symbol, leg.action, 2.0, price, 100, at,
                      commission=1.3, leg_index=i)
                 for i, (leg, price) in enumerate(zip(condor_legs(), prices, strict=True)))
