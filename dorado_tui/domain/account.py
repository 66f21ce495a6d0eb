"""Account state and venue positions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dorado_tui.domain.instruments import Instrument


@dataclass(frozen=True, slots=True)
class AccountState:
    """Balances as the venue reports them, in the account currency."""

    account_id: str
    currency: str
    cash: float
    net_liquidation: float
    buying_power: float
    initial_margin: float
    maintenance_margin: float
    time: datetime

    @property
    def excess_liquidity(self) -> float:
        return self.net_liquidation - self.maintenance_margin


@dataclass(frozen=True, slots=True)
class Position:
    """A venue position: signed quantity (short < 0) and average cost per unit (not × multiplier)."""

    instrument: Instrument
    quantity: float
    avg_cost: float
    mark: float | None = None

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def market_value(self) -> float | None:
        if self.mark is None:
            return None
        return self.quantity * self.mark * self.instrument.multiplier
