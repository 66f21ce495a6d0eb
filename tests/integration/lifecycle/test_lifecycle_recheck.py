"""The approval re-check's facts from the store: today's option contracts (FX and crypto units are
no contracts) and the capital held positions commit against their layers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lifecycle_world import open_world, put_spread

from dorado_tui.domain.orders import Action, Order, OrderLeg, OrderType
from dorado_tui.engine.lifecycle.approval import order_legs
from dorado_tui.engine.lifecycle.ids import Purpose, client_order_id, position_id
from dorado_tui.engine.lifecycle.recheck import recheck
from dorado_tui.market.universe import instrument_for
from dorado_tui.store.repos import orders as order_repo


def _decision(rc, check: str):
    return next(d for d in rc.verdict.decisions if d.check == check)


async def _record(w, cid: str, legs, quantity: float, *, purpose: Purpose = Purpose.OPEN, ago: timedelta = timedelta(0),
                  twin: bool = False) -> None:
    order = Order(client_order_id(position_id(cid, twin=twin), purpose, 1, 1), tuple(legs), quantity,
                  OrderType.LIMIT, 1.0, bot_id="some-bot", opening=purpose.opening)
    async with w.rt.db.transaction() as tx:
        await order_repo.record_intent(tx, order, at=w.clock.now() - ago)


async def test_fx_and_crypto_units_do_not_count_against_the_daily_option_contract_cap(home, market, clock) -> None:
    async with open_world(home, market, clock) as w:
        chain = await w.chain("QQQ", 30)
        earlier = put_spread("c-earlier", "qqq-pcs-01", chain, quantity=3)
        await _record(w, "c-earlier", order_legs(earlier), 3, ago=timedelta(hours=1))
        await _record(w, "c-fx", [OrderLeg(instrument_for("AUDUSD"), Action.BUY)], 20_000)
        await _record(w, "c-btc", [OrderLeg(instrument_for("BTC"), Action.BUY)], 0.05)
        # none of these count either: yesterday's order, a paper twin's, a closing order
        await _record(w, "c-old", order_legs(earlier), 7, ago=timedelta(days=1))
        await _record(w, "c-twin", order_legs(earlier), 11, twin=True)
        await _record(w, "c-close", order_legs(earlier), 13, purpose=Purpose.CLOSE)

        rc = await recheck(w.rt.db, w.venue, w.lc.policy, w.clock, put_spread("c-new", "qqq-pcs-01", chain, quantity=2))

    daily = _decision(rc, "trade.size_per_day")
    assert daily.passed, daily.reason
    assert (daily.figure, daily.limit) == (pytest.approx(5.0), 200)  # 3 earlier + 2 now: option contracts only
