"""Venue ports (PRD §3.1 "Venue Adapter Interface"): what the engine may ask of any venue.

Every method is async and must be safe to call from the console's event loop. Adapters map
their wire types to Dorado's domain types; nothing broker-specific crosses this boundary.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime

from dorado_tui.domain.account import AccountState, Position
from dorado_tui.domain.instruments import Instrument, OptionChain, OptionContract
from dorado_tui.domain.market import FundingRate, Quote, SwapRates
from dorado_tui.domain.orders import CancelResult, Fill, Order, OrderResult


@dataclass(frozen=True, slots=True)
class VenueStatus:
    """What the status bar and `dorado status` show about a venue connection."""

    name: str
    mode: str  # simulation | paper | live
    connected: bool
    detail: str = ""
    account: str = ""
    server_version: int | None = None
    last_heartbeat: datetime | None = None
    pacing_budget: float | None = None  # messages/s still available
    extra: dict[str, str] = field(default_factory=dict)


class VenueAdapter(ABC):
    """Uniform interface across all brokers and venues."""

    name: str = "venue"

    @abstractmethod
    async def connect(self) -> None:
        """Open the session. Raises VenueError when the venue cannot be reached."""

    @abstractmethod
    async def disconnect(self) -> None:
        """Close the session; idempotent."""

    @abstractmethod
    def status(self) -> VenueStatus:
        """Connection status without I/O."""

    @abstractmethod
    async def get_account_state(self) -> AccountState:
        """Balances, buying power and margin."""

    @abstractmethod
    async def place_order(self, order: Order) -> OrderResult:
        """Submit an order. The venue keys it by `order.client_order_id`: submitting the same
        client order id twice returns the existing order, never a second one.
        Returns the order's state right after submission (rejects carry a reason)."""

    @abstractmethod
    async def cancel_order(self, client_order_id: str) -> CancelResult:
        """Cancel a working order by Dorado's id."""

    @abstractmethod
    async def get_order(self, client_order_id: str) -> OrderResult | None:
        """The venue's current view of one order, or None if it never saw it."""

    @abstractmethod
    async def get_open_orders(self) -> list[OrderResult]:
        """Every working order at the venue, including ones Dorado did not place."""

    @abstractmethod
    async def get_executions(self, since: datetime | None = None) -> list[Fill]:
        """Executions (fills) since an instant, for reconciliation."""

    @abstractmethod
    async def get_positions(self) -> list[Position]:
        """Every position the venue holds for the account."""

    @abstractmethod
    async def get_quotes(self, symbols: list[str]) -> list[Quote]:
        """Top-of-book quotes; unknown symbols are left out."""

    async def cancel_all(self) -> list[CancelResult]:
        """Cancel every working order the venue knows (the kill switch's venue half)."""
        results = []
        for order in await self.get_open_orders():
            results.append(await self.cancel_order(order.client_order_id))
        return results


class OptionsVenueAdapter(VenueAdapter):
    """Extended interface for options-capable venues."""

    @abstractmethod
    async def get_expirations(self, underlying: str) -> list[date]:
        """Listed expirations for an underlying, ascending."""

    @abstractmethod
    async def get_chain(self, underlying: str, expiry: date) -> OptionChain:
        """Quoted contracts for one expiration, with the venue's Greeks where it has them."""

    @abstractmethod
    async def get_option_quotes(self, contracts: list[Instrument]) -> list[OptionContract]:
        """Fresh quotes and Greeks for chosen contracts (the resolver's re-check)."""


class FXVenueAdapter(VenueAdapter):
    """Extended interface for FX venues."""

    @abstractmethod
    async def get_swap_rates(self, pair: str) -> SwapRates:
        """Overnight swap for a pair."""


class CryptoVenueAdapter(VenueAdapter):
    """Extended interface for crypto venues."""

    @abstractmethod
    async def get_funding_rate(self, symbol: str) -> FundingRate:
        """Current perpetual funding rate."""
