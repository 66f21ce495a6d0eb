"""Domain values to and from the JSON documents stored in JSON columns (instruments, legs)."""

from __future__ import annotations

from datetime import date
from typing import Any

from dorado_tui.domain.candidates import CandidateLeg
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.instruments import ExerciseStyle, Instrument, Right, SecType
from dorado_tui.domain.orders import Action, OrderLeg
from dorado_tui.store.types import jsonable


def instrument_to_json(instrument: Instrument) -> dict[str, Any]:
    out: dict[str, Any] = jsonable({
        "symbol": instrument.symbol, "sec_type": instrument.sec_type,
        "underlying": instrument.underlying, "multiplier": instrument.multiplier,
        "tick": instrument.tick, "currency": instrument.currency,
    })
    if instrument.is_option:
        out.update(jsonable({"right": instrument.right, "strike": instrument.strike,
                             "expiry": instrument.expiry, "exercise": instrument.exercise}))
    return out


def instrument_from_json(doc: dict[str, Any]) -> Instrument:
    expiry = doc.get("expiry")
    return Instrument(
        symbol=doc["symbol"], sec_type=SecType(doc["sec_type"]), underlying=doc["underlying"],
        multiplier=int(doc.get("multiplier", 1)), tick=float(doc.get("tick", 0.01)),
        currency=doc.get("currency", "USD"),
        right=Right(doc["right"]) if doc.get("right") else None,
        strike=float(doc["strike"]) if doc.get("strike") is not None else None,
        expiry=date.fromisoformat(expiry) if expiry else None,
        exercise=ExerciseStyle(doc["exercise"]) if doc.get("exercise") else None,
    )


def order_leg_to_json(leg: OrderLeg) -> dict[str, Any]:
    return {"instrument": instrument_to_json(leg.instrument), "action": leg.action.value, "ratio": leg.ratio}


def order_leg_from_json(doc: dict[str, Any]) -> OrderLeg:
    return OrderLeg(instrument_from_json(doc["instrument"]), Action(doc["action"]), int(doc.get("ratio", 1)))


def candidate_leg_to_json(leg: CandidateLeg) -> dict[str, Any]:
    return jsonable({"role": leg.role, "instrument": instrument_to_json(leg.instrument),
                     "action": leg.action, "ratio": leg.ratio, "bid": leg.bid, "ask": leg.ask,
                     "delta": leg.delta, "iv": leg.iv})  # type: ignore[no-any-return]


def candidate_leg_from_json(doc: dict[str, Any]) -> CandidateLeg:
    return CandidateLeg(role=doc["role"], instrument=instrument_from_json(doc["instrument"]),
                        action=Action(doc["action"]), ratio=int(doc["ratio"]),
                        bid=_num(doc.get("bid")), ask=_num(doc.get("ask")),
                        delta=doc.get("delta"), iv=doc.get("iv"))


def _num(value: float | None) -> float:
    """A stored price: None stands for a NaN the JSON could not hold."""
    return float("nan") if value is None else float(value)


def decision_fields(decision: Decision) -> dict[str, Any]:
    """The columns a persisted Decision fills (NaN/inf figures become NULL)."""
    doc = decision.as_dict()
    doc["details"] = jsonable(doc["details"])
    return doc


def decision_from_fields(check: str, passed: bool, code: str, reason: str, figure: float | None,
                         limit: float | None, details: dict[str, Any] | None) -> Decision:
    return Decision(check, bool(passed), code, reason, figure, limit, dict(details or {}))
