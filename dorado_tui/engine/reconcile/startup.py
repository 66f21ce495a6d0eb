"""Start-up reconciliation: connect the venues with reconciliation installed, then reconcile.

A venue that resyncs on every (re)connect (the IBKR adapter) gets the reconciler as its hook
first, so its connect — and every reconnect after it — is reconciled before orders may flow;
venues that are always connected (the simulation venue) are reconciled right after connecting.
The paper-twin account is reconciled too, advisory only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dorado_tui.engine.reconcile.model import Reconciliation
from dorado_tui.engine.reconcile.service import Reconciler
from dorado_tui.engine.runtime import Runtime


def install_hook(rt: Runtime, rec: Reconciler) -> bool:
    """Give the trading venue the reconciler as its (re)connect hook, when it has one."""
    setter: Callable[[Any], None] | None = getattr(rt.venue, "set_reconciler", None)
    if setter is None:
        return False
    setter(rec.venue_hook(rt.venue.name))
    return True


async def connect_reconciled(rt: Runtime, rec: Reconciler, *, reason: str = "startup",
                             twins: bool = True) -> list[Reconciliation]:
    """Connect both venues and reconcile each once (see the module docstring)."""
    hooked = install_hook(rt, rec)
    await rt.twin_venue.connect()
    before = rec.last.get("trading")
    await rt.venue.connect()
    after = rec.last.get("trading")
    if hooked and after is not None and after is not before:
        results = [after]  # the venue's own connect ran it, before trading was allowed
    else:
        results = [await rec.run(rt.venue, reason=reason)]
    if twins and rt.twin_venue is not rt.venue:
        results.append(await rec.run(rt.twin_venue, reason=reason, paper=True, enforce=False))
    return results
