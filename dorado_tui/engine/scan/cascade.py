"""The gate cascade of one bot, cheapest first (PRD §3.2): bot state and entry window → regime →
volatility → technicals. The first failed gate skips the underlying with its recorded verdict;
every verdict carries the measured figure and its threshold.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.states import BotState
from dorado_tui.engine.scan import technicals as ta
from dorado_tui.engine.scan import vol_gate
from dorado_tui.engine.scan.chain_quality import ValidatedChain
from dorado_tui.engine.scan.chains import ChainFailure
from dorado_tui.engine.scan.context import BotRun, ScanContext
from dorado_tui.engine.scan.regime_gate import regime_gate
from dorado_tui.engine.scan.windows import window_decision
from dorado_tui.quant.surface import Smile, constant_maturity_iv
from dorado_tui.quant.volatility import close_to_close
from dorado_tui.venues.base import OptionsVenueAdapter

FREE_STATES = {BotState.IDLE.value, BotState.REJECTED.value, BotState.CANCELLED.value, BotState.FAILED.value}
NEAR_DAYS, FAR_DAYS = 30, 91


def no_history(symbol: str) -> Decision:
    return Decision.deny("data.bars", "NO_HISTORY", f"no daily bars for {symbol} in the store before the scan "
                         "date (run `dorado data simulate` or `dorado data import`)")


def state_and_window(ctx: ScanContext, run: BotRun) -> None:
    state = ctx.bot_states.get(run.bot.id, BotState.IDLE.value)
    if state not in FREE_STATES:
        run.gate(Decision.deny("gate.bot_state", "BOT_BUSY", f"bot {run.bot.id} is {state}: one position per bot, "
                               "the lifecycle owns it until it is IDLE again", details={"state": state}))
    window = run.template.entry.time_window
    if window is not None:
        run.gate(window_decision(ctx.now, window))


def regime(ctx: ScanContext, run: BotRun) -> None:
    decision, label, neutral = regime_gate(run.bot, run.template, run.asset_class, ctx.readings)
    run.gate(decision)
    run.regime = label
    run.regime_confidence = decision.figure
    if neutral:
        run.flags.append("regime_neutral")
    elif label in run.template.regime_overrides:
        run.template = run.template.for_regime(label)
        run.notes.append(f"regime override {label} applied")


async def quote(ctx: ScanContext, run: BotRun) -> None:
    """The underlying's current quote (shared by every bot on it)."""
    symbol = run.underlying.symbol
    if symbol not in ctx.quotes:
        try:
            got = await ctx.venue_for(run.bot).get_quotes([symbol])
        except VenueError as exc:
            run.gate(Decision.deny("data.quote", "NO_QUOTE", f"no quote for {symbol}: {exc.message}"))
        if got:
            ctx.quotes[symbol] = got[0]
    found = ctx.quotes.get(symbol)
    if found is None or not math.isfinite(found.mid if found.is_two_sided else found.last):
        run.gate(Decision.deny("data.quote", "NO_QUOTE", f"the venue has no usable quote for {symbol}"))
    run.quote = found


def technical_facts(ctx: ScanContext, run: BotRun, *, hurst_gate: bool = True) -> None:
    bars = ctx.history.bars(run.underlying.symbol)
    if bars is None or len(bars) < 40:
        run.gate(no_history(run.underlying.symbol))
    assert bars is not None
    f = run.template.technical_requirements.trend_filter
    key = (run.underlying.symbol, f.lookback if f is not None else 14)
    if key not in ctx.technicals:  # one computation per symbol and ADX period, however many bots
        ctx.technicals[key] = ta.technicals(bars, run.spot, key[1])
    run.tech = ctx.technicals[key]
    vol = close_to_close(bars.close, window=20)
    run.realized_vol_pct = float(vol[-1]) * 100.0 if math.isfinite(vol[-1]) else None
    hurst_min = run.template.regime_requirements.hurst_min
    if hurst_min is not None and hurst_gate:
        run.gate(ta.hurst_decision("gate.regime.hurst", run.tech.hurst, hurst_min))


async def _vix(ctx: ScanContext, run: BotRun) -> tuple[float, str]:
    if ctx.vix is None:
        level, source = math.nan, "none"
        try:
            got = await ctx.venue_for(run.bot).get_quotes(["VIX"])
            if got and math.isfinite(got[0].last):
                level, source = got[0].last, "venue quote"
        except VenueError:
            pass
        bars = ctx.history.bars("VIX")
        if not math.isfinite(level) and bars is not None:
            level, source = bars.last_close, f"stored close of {bars.days[-1]}"
        ctx.vix = (level, source)
    return ctx.vix


def bracketing(expirations: list[date], today: date, days: int) -> list[date]:
    """The expirations on both sides of `days` to expiry (one when it is at an end)."""
    before = [e for e in expirations if (e - today).days <= days and (e - today).days > 0]
    after = [e for e in expirations if (e - today).days >= days]
    return sorted({*(before[-1:]), *(after[:1])})


def smile_of(chain: ValidatedChain) -> Smile | None:
    ok = np.isfinite(chain.own_iv) & (chain.own_iv > 0)
    if not ok.any():
        return None
    strikes, idx = np.unique(chain.strikes[ok], return_index=True)
    return Smile(chain.t, chain.parity.forward, strikes, chain.own_iv[ok][idx])


async def cm_iv(ctx: ScanContext, run: BotRun, venue: OptionsVenueAdapter, days: int) -> float:
    """ATM implied vol at a constant maturity, from our own IVs of the bracketing chains (once per
    underlying and maturity per scan)."""
    key = (run.underlying.symbol, days)
    if key not in ctx.cm_iv:
        ctx.cm_iv[key] = await _cm_iv(ctx, run, venue, days)
    return ctx.cm_iv[key]


async def _cm_iv(ctx: ScanContext, run: BotRun, venue: OptionsVenueAdapter, days: int) -> float:
    exps = await ctx.fetcher.expirations(venue, run.underlying.symbol)
    smiles = []
    for expiry in bracketing(exps, ctx.today, days):
        got = await ctx.fetcher.validated(venue, run.underlying.symbol, expiry, ctx.config.scoring.exclude.spread_quality_above)
        if isinstance(got, ChainFailure):
            run.gate(Decision.deny("chain.validation", got.code, got.reason, details={"attempts": got.attempts}))
        assert isinstance(got, ValidatedChain)
        smile = smile_of(got)
        if smile is not None:
            smiles.append(smile)
    return constant_maturity_iv(sorted(smiles, key=lambda s: s.t), days / 365.0) if smiles else math.nan


async def volatility(ctx: ScanContext, run: BotRun) -> None:
    req = run.template.volatility_requirements
    bars = ctx.history.bars(run.underlying.symbol)
    if run.asset_class == "fx" and req.vol_regime_allowed and bars is not None:
        run.gate(vol_gate.fx_vol_decision(req.vol_regime_allowed, bars))
    if run.asset_class == "crypto" and req.realized_vol is not None and bars is not None:
        run.gate(vol_gate.realized_vol_decision(req.realized_vol, bars))
    if run.asset_class != "equity_options":
        return
    if req.vix_regime is not None:
        level, source = await _vix(ctx, run)
        run.gate(vol_gate.vix_decision(req.vix_regime, level, source))
    venue = ctx.venue_for(run.bot)
    if not isinstance(venue, OptionsVenueAdapter):
        run.gate(Decision.deny("chain.venue", "NO_OPTIONS_VENUE", f"venue {venue.name} does not quote options"))
    assert isinstance(venue, OptionsVenueAdapter)
    if req.iv_rank is not None:
        today = await cm_iv(ctx, run, venue, NEAR_DAYS)
        history = ctx.history.iv(run.underlying.symbol).to_numpy(dtype=np.float64)
        decision = run.gate(vol_gate.iv_rank_decision(req.iv_rank, today, history))
        run.iv_rank = decision.figure
    if req.term_structure is not None:
        near, far = await cm_iv(ctx, run, venue, NEAR_DAYS), await cm_iv(ctx, run, venue, FAR_DAYS)
        run.gate(vol_gate.term_structure_decision(req.term_structure, near / far if far > 0 else math.nan))


def technical_gates(ctx: ScanContext, run: BotRun) -> None:
    """ADX filter, ATR-channel range, trend confirmation, breakout, then the S/R levels."""
    req = run.template.technical_requirements
    bars = ctx.history.bars(run.underlying.symbol)
    assert run.tech is not None and bars is not None
    for d in (*ta.adx_decisions(req, run.tech), *ta.range_decision(req, bars), *ta.trend_confirmation(req, run.tech)):
        run.gate(d)
    decisions, direction = ta.breakout_decision(req, run.tech)
    for d in decisions:
        run.gate(d)
    if direction is not None:
        run.direction = direction
    run.gate(ta.sr_decision(run.tech))
    if not run.tech.supports and not run.tech.resistances:
        run.flags.append("no_levels")


async def cascade(ctx: ScanContext, run: BotRun) -> None:
    """Every gate of one bot in order; raises Skip at the first failure."""
    state_and_window(ctx, run)
    regime(ctx, run)
    await quote(ctx, run)
    technical_facts(ctx, run)
    await volatility(ctx, run)
    technical_gates(ctx, run)


async def signal_cascade(ctx: ScanContext, run: BotRun) -> None:
    """A webhook signal replaces the scan's volatility and technical filters: bot state, entry
    window and regime still hold (the risk radar's regime filter), and the technical figures the
    resolver needs (ATR, support/resistance) are computed without gating."""
    state_and_window(ctx, run)
    regime(ctx, run)
    await quote(ctx, run)
    technical_facts(ctx, run, hurst_gate=False)
    assert run.tech is not None
    run.gates.append(ta.sr_decision(run.tech))
    if not run.tech.supports and not run.tech.resistances:
        run.flags.append("no_levels")
