"""JSON forms of the domain values the simulation venue persists (instruments, orders, fills)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from dorado_tui.domain.instruments import ExerciseStyle, Instrument, Right, SecType
from dorado_tui.domain.orders import Action, Fill, Order, OrderLeg, OrderType


def instrument_to_json(inst: Instrument) -> dict[str, Any]:
    return {
        "symbol": inst.symbol, "sec_type": inst.sec_type.value, "underlying": inst.underlying,
        "multiplier": inst.multiplier, "tick": inst.tick, "currency": inst.currency,
        "right": inst.right.value if inst.right else None, "strike": inst.strike,
        "expiry": inst.expiry.isoformat() if inst.expiry else None,
        "exercise": inst.exercise.value if inst.exercise else None,
    }


def instrument_from_json(data: dict[str, Any]) -> Instrument:
    return Instrument(
        symbol=data["symbol"], sec_type=SecType(data["sec_type"]), underlying=data["underlying"],
        multiplier=int(data["multiplier"]), tick=float(data["tick"]), currency=data["currency"],
        right=Right(data["right"]) if data["right"] else None, strike=data["strike"],
        expiry=date.fromisoformat(data["expiry"]) if data["expiry"] else None,
        exercise=ExerciseStyle(data["exercise"]) if data["exercise"] else None,
    )


def order_to_json(order: Order) -> dict[str, Any]:
    return {
        "client_order_id": order.client_order_id,
        "legs": [{"instrument": instrument_to_json(leg.instrument), "action": leg.action.value,
                  "ratio": leg.ratio} for leg in order.legs],
        "quantity": order.quantity, "order_type": order.order_type.value,
        "limit_price": order.limit_price, "bot_id": order.bot_id, "opening": order.opening,
        "tag": order.tag,
    }


def order_from_json(data: dict[str, Any]) -> Order:
    legs = tuple(OrderLeg(instrument_from_json(leg["instrument"]), Action(leg["action"]), int(leg["ratio"]))
                 for leg in data["legs"])
    return Order(client_order_id=data["client_order_id"], legs=legs, quantity=float(data["quantity"]),
                 order_type=OrderType(data["order_type"]), limit_price=data["limit_price"],
                 bot_id=data["bot_id"], opening=bool(data["opening"]), tag=data["tag"])


def fill_to_json(fill: Fill) -> dict[str, Any]:
    return {
        "exec_id": fill.exec_id, "client_order_id": fill.client_order_id,
        "venue_order_id": fill.venue_order_id, "symbol": fill.symbol, "action": fill.action.value,
        "quantity": fill.quantity, "price": fill.price, "multiplier": fill.multiplier,
        "time": fill.time.isoformat(), "commission": fill.commission, "leg_index": fill.leg_index,
    }


def fill_from_json(data: dict[str, Any]) -> Fill:
    return Fill(
        exec_id=data["exec_id"], client_order_id=data["client_order_id"],
        venue_order_id=data["venue_order_id"], symbol=data["symbol"], action=Action(data["action"]),
        quantity=float(data["quantity"]), price=float(data["price"]), multiplier=int(data["multiplier"]),
        time=datetime.fromisoformat(data["time"]), commission=float(data["commission"]),
        leg_index=int(data["leg_index"]),
    )
