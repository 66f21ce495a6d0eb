"""The latest scan as the console shows it: ranked candidates with their gate verdicts split from
their risk checks, skipped underlyings, the portfolio budget, and a chain excerpt around the legs.

A candidate's stored verdicts are one list (gates, trade and portfolio checks, the selection
summary); the console shows gates and risk checks apart, and adds the latest approval re-check.
Portfolio figures are stored in % of NAV; the console's convention is a fraction with
`details["unit"] = "pct"`, so they are converted here (the same helper serves the risk view).
Pending candidates of earlier scans and the lifecycle's adjustment proposals are listed after the
latest scan's, so everything that still waits for the operator can be approved from one list.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from dorado_tui.domain.candidates import Candidate, CandidateStatus
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.instruments import OptionContract
from dorado_tui.engine.console_views import CandidateView, ScanView
from dorado_tui.engine.scan.chains import ChainFetcher
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.config import Config
from dorado_tui.store.repos import bots as bot_repo
from dorado_tui.store.repos import candidates as candidate_repo
from dorado_tui.store.repos import risk as risk_repo
from dorado_tui.venues.base import OptionsVenueAdapter, VenueAdapter

log = logging.getLogger(__name__)

#: Checks shown as risk checks; every other verdict is a gate (regime, vol, technicals, chain).
RISK_PREFIXES = ("trade.", "portfolio.", "layer.", "risk.", "selection", "sizing", "approval")
#: Strikes on each side of a leg's strike in the chain excerpt.
EXCERPT_STRIKES = 2
EXCERPT_CANDIDATES = 10
_COUNTS = ("LAYER_MAX_POSITIONS",)
#: Trade checks whose figure and limit are money or counts (the risk radar's `checks_*` modules).
_TRADE_UNITS = {"trade.max_loss": "usd", "trade.buying_power": "usd", "trade.size_per_order": "count",
                "trade.size_per_day": "count", "trade.dte": "count", "trade.naked_short": "count"}
#: Checks outside `portfolio.` that measure in percent.
_PERCENT_CHECKS = frozenset({"trade.spread_quality"})


def as_console_units(d: Decision) -> Decision:
    """A decision in the console's units: portfolio figures (% of NAV) and the spread check (% of
    mid) as fractions, money and counts labelled; a decision that names its unit is unchanged."""
    if "unit" in d.details:
        return d
    unit = _TRADE_UNITS.get(d.check)
    if unit is not None:
        return replace(d, details={**d.details, "unit": unit})
    if not d.check.startswith("portfolio.") and d.check not in _PERCENT_CHECKS:
        return d
    if d.code in _COUNTS:
        return replace(d, details={**d.details, "unit": "count"})
    scale = 100.0
    return replace(d, figure=None if d.figure is None else d.figure / scale,
                   limit=None if d.limit is None else d.limit / scale, details={**d.details, "unit": "pct"})


def split_verdicts(gates: Iterable[Decision]) -> tuple[tuple[Decision, ...], tuple[Decision, ...]]:
    """(gate verdicts, risk checks) of one candidate's stored verdicts."""
    gate: list[Decision] = []
    risk: list[Decision] = []
    for d in gates:
        (risk if d.check.startswith(RISK_PREFIXES) else gate).append(as_console_units(d))
    return tuple(gate), tuple(risk)


def _order(c: Candidate) -> tuple[int, float]:
    return (c.rank if c.rank > 0 else 1_000_000, -c.score)


async def _rechecks(s: AsyncSession, ids: set[str]) -> dict[str, tuple[Decision, ...]]:
    """The newest approval re-check of each candidate (all its decisions of that instant)."""
    if not ids:
        return {}
    found: dict[str, list[risk_repo.RiskEvent]] = {}
    for e in await risk_repo.risk_events(s, kind="approval_recheck", limit=500):
        if e.candidate_id in ids:
            found.setdefault(e.candidate_id, []).append(e)
    out = {}
    for cid, evs in found.items():
        newest = max(e.at for e in evs)
        out[cid] = tuple(as_console_units(e.decision) for e in reversed(evs) if e.at == newest)
    return out


def view_of(c: Candidate, rank: int, rechecks: Sequence[Decision], excerpt: tuple[OptionContract, ...]) -> CandidateView:
    gates, risk = split_verdicts(c.gates)
    view = CandidateView.from_candidate(c, risk_checks=(*risk, *rechecks), chain_excerpt=excerpt)
    return replace(view, rank=rank, gates=gates)


def _skipped(payload: dict[str, object]) -> dict[str, str]:
    bots = payload.get("bots")
    if not isinstance(bots, dict):
        return {}
    out = {}
    for info in bots.values():
        if isinstance(info, dict) and info.get("skipped"):
            out[str(info.get("underlying", ""))] = str(info["skipped"])
    return out


async def scan_view(s: AsyncSession, excerpts: dict[str, tuple[OptionContract, ...]]) -> ScanView | None:
    """The latest scan with every candidate still waiting for the operator (None before any scan)."""
    scans = [sig for sig in await bot_repo.signals(s, limit=50) if sig.source == "scan"]
    latest = scans[0] if scans else None
    cands = await candidate_repo.list_candidates(s, scan_id=latest.signal_id) if latest else []
    seen = {c.id for c in cands}
    waiting = [c for c in await candidate_repo.list_candidates(s, status=CandidateStatus.SELECTED, limit=200)
               if c.id not in seen]
    if latest is None and not waiting:
        return None
    ordered = sorted(cands, key=_order) + sorted(waiting, key=_order)
    rechecks = await _rechecks(s, {c.id for c in ordered if c.status in (CandidateStatus.SELECTED,
                                                                          CandidateStatus.APPROVED)})
    views = tuple(view_of(c, c.rank, rechecks.get(c.id, ()), excerpts.get(c.id, ())) for c in ordered)
    payload = dict(latest.payload or {}) if latest else {}
    return ScanView(scan_id=latest.signal_id if latest else "", ran_at=latest.received_at if latest else None,
                    candidates=views, skipped=_skipped(payload), budget_text=str(payload.get("budget") or ""))


def excerpt_of(chain: Iterable[OptionContract], c: CandidateView,
               strikes: int = EXCERPT_STRIKES) -> tuple[OptionContract, ...]:
    """The contracts within `strikes` listed strikes of each leg's strike, same right, by strike."""
    contracts = [k for k in chain if k.expiration == c.expiry]
    keep: dict[str, OptionContract] = {}
    for leg in c.legs:
        inst = leg.instrument
        if not inst.is_option or inst.strike is None:
            continue
        same = sorted((k for k in contracts if k.right is inst.right), key=lambda k: k.strike)
        if not same:
            continue
        target = inst.strike
        at = min(range(len(same)), key=lambda i: abs(same[i].strike - target))
        for k in same[max(at - strikes, 0): at + strikes + 1]:
            keep[k.symbol] = k
    return tuple(sorted(keep.values(), key=lambda k: (k.right.value if k.right else "", k.strike)))


class ExcerptLoader:
    """Fetches chain excerpts of the pending candidates in the background, through the scanner's
    paced, TTL-cached chain fetcher (right after a scan they come from its cache), and calls
    `done` when new excerpts are ready."""

    def __init__(self, config: Config, fetcher: ChainFetcher, venue_for: Callable[[Bot], VenueAdapter],
                 done: Callable[[], None]) -> None:
        self.config, self.fetcher, self.venue_for, self.done = config, fetcher, venue_for, done
        self.excerpts: dict[str, tuple[OptionContract, ...]] = {}
        self._task: asyncio.Task[None] | None = None

    def want(self, scan: ScanView | None) -> None:
        """Start fetching the excerpts `scan` lacks (one background pass at a time)."""
        if scan is None or (self._task is not None and not self._task.done()):
            return
        missing = [c for c in scan.candidates if c.status is CandidateStatus.SELECTED and c.expiry is not None
                   and c.id not in self.excerpts][:EXCERPT_CANDIDATES]
        if missing:
            self._task = asyncio.create_task(self._load(missing), name="console-excerpts")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _load(self, views: list[CandidateView]) -> None:
        loaded = 0
        for c in views:
            self.excerpts[c.id] = await self._excerpt(c)
            loaded += bool(self.excerpts[c.id])
        if loaded:
            self.done()

    async def _excerpt(self, c: CandidateView) -> tuple[OptionContract, ...]:
        bot = self.config.bots.get(c.bot_id)
        venue = self.venue_for(bot) if bot is not None else None
        if c.expiry is None or not isinstance(venue, OptionsVenueAdapter):
            return ()
        try:
            chain = await self.fetcher.chain(venue, c.underlying, c.expiry)
        except VenueError as exc:
            log.info("chain excerpt of %s: %s", c.id, exc.message)
            return ()
        return excerpt_of(chain.contracts, c)
