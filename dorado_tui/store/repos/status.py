"""The figures `dorado status` and the console's status bar show about the store."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.store.repos import audit, bots, candidates, orders, positions


@dataclass(frozen=True, slots=True)
class StoreCounts:
    """Row counts that tell an operator where things stand."""

    bots: int
    open_positions: int
    pending_candidates: int
    working_orders: int
    audit_rows: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def counts(session: AsyncSession) -> StoreCounts:
    """Bots, open positions, candidates awaiting approval, working orders, audit entries."""
    return StoreCounts(
        bots=await bots.count_bots(session),
        open_positions=await positions.count_open_positions(session),
        pending_candidates=await candidates.count_candidates(session),
        working_orders=await orders.count_working_orders(session),
        audit_rows=await audit.count(session),
    )
