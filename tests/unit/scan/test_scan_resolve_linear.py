"""FX/crypto candidates: entries, stops and targets from ATR multiples, amounts in USD."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dorado_tui.domain.market import Quote
from dorado_tui.domain.orders import Action
from dorado_tui.engine.scan.resolve_linear import LinearRequest, resolve_linear
from dorado_tui.settings.templates import StrategyTemplate
from dorado_tui.settings.universe import Underlying

NOW = datetime(2026, 3, 10, 22, 5, tzinfo=UTC)
FX = StrategyTemplate.model_validate({
    "name": "FX Momentum", "type": "fx_directional", "underlying_class": "fx",
    "entry": {"direction": "from_model", "order_type": "limit", "entry_offset_atr": 0.1},
    "management": {"stop_loss": {"method": "atr_multiple", "multiplier": 2.0},
                   "profit_target": {"method": "atr_multiple", "multiplier": 3.0}}})


def request(symbol: str, bid: float, ask: float, atr: float, direction: str) -> LinearRequest:
    u = Underlying.model_validate({"symbol": symbol, "asset_class": "fx", "venue": "ibkr"})
    return LinearRequest("s", "fx-bot", "fx_momentum", FX, "unassigned", u, Quote(symbol, bid, ask, ask, NOW),
                         atr, direction)


def test_long_usdjpy_limit_sits_below_mid_and_loss_converts_from_yen_at_the_stop() -> None:
    (base, tight), reasons = resolve_linear(request("USDJPY", 148.49, 148.51, 0.80, "long"))

    assert reasons == []
    assert base.entry == pytest.approx(148.50 - 0.08)
    assert base.stop == pytest.approx(148.42 - 1.60)
    assert base.target == pytest.approx(148.42 + 2.40)
    assert base.max_loss == pytest.approx(1.60 / base.stop)  # USD per dollar of notional
    assert base.max_profit == pytest.approx(2.40 / base.target)
    assert base.pop == pytest.approx(2.0 / 5.0)
    assert base.legs[0].action is Action.BUY and base.delta == 1.0
    assert (tight.variant, tight.stop) == ("atr_tight", pytest.approx(148.42 - 0.80))


def test_short_audusd_amounts_are_already_in_usd() -> None:
    (base, _), _ = resolve_linear(request("AUDUSD", 0.6499, 0.6501, 0.005, "short"))

    assert base.entry == pytest.approx(0.65 + 0.0005)
    assert base.stop == pytest.approx(base.entry + 0.01)
    assert base.max_loss == pytest.approx(0.01)
    assert base.legs[0].action is Action.SELL and base.direction == "short"


def test_no_direction_is_no_candidate() -> None:
    found, reasons = resolve_linear(request("USDJPY", 148.49, 148.51, 0.8, ""))

    assert found == [] and reasons == ["no direction for USDJPY (got '')"]
