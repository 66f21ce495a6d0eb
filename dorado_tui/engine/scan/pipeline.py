"""One bot's run: gate cascade → direction → chain fetch and validation → resolver → fresh quotes
→ sizing. Returns the bot's outcome and its candidates (PROPOSED, or the reason there are none).
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.decisions import Decision
from dorado_tui.domain.errors import VenueError
from dorado_tui.domain.regime import RegimeModel
from dorado_tui.engine.scan.cascade import cascade, signal_cascade
from dorado_tui.engine.scan.chain_quality import ValidatedChain
from dorado_tui.engine.scan.chains import ChainFailure
from dorado_tui.engine.scan.context import BotRun, ScanContext, Skip
from dorado_tui.engine.scan.model import BotOutcome
from dorado_tui.engine.scan.requote import requote
from dorado_tui.engine.scan.resolve_linear import LinearRequest, resolve_linear
from dorado_tui.engine.scan.resolve_options import OptionsRequest, resolve_expiry
from dorado_tui.settings.bots import Bot
from dorado_tui.settings.templates import StrategyTemplate
from dorado_tui.venues.base import FXVenueAdapter, OptionsVenueAdapter

NO_CANDIDATE = "NO_CANDIDATE"


def new_run(ctx: ScanContext, bot: Bot) -> BotRun:
    underlying = ctx.config.underlying_for(bot)
    return BotRun(bot, bot.strategy_template, ctx.config.template_for(bot), underlying)


async def _direction(ctx: ScanContext, run: BotRun) -> str | None:
    """Who decides long or short: the template, the trend (options), the FX factor, the crypto model."""
    if run.direction is not None:
        return run.direction
    wanted = run.template.entry.direction
    if wanted in ("long", "short"):
        return wanted
    if wanted != "from_model" or run.tech is None:
        return None
    if run.asset_class == "crypto":
        reading = ctx.readings.get(RegimeModel.CRYPTO)
        sign = reading.state.extra.get(f"{run.underlying.symbol}.direction") if reading and reading.state else None
        if sign is not None and sign != 0 and math.isfinite(sign):
            return "long" if sign > 0 else "short"
    if run.asset_class == "fx" and run.regime == "carry":
        venue = ctx.venue_for(run.bot)
        if isinstance(venue, FXVenueAdapter):
            swap = await venue.get_swap_rates(run.underlying.symbol)
            return "long" if swap.long_pips_per_day >= swap.short_pips_per_day else "short"
    if run.asset_class == "equity_options":
        return run.tech.trend_direction
    return None if not math.isfinite(run.tech.ret_20) else ("long" if run.tech.ret_20 >= 0 else "short")


def expiries_for(template: StrategyTemplate, today: date, listed: list[date]) -> list[date]:
    """The listed expirations inside the template's DTE range, at most `max_expiries` of them,
    those nearest the range's middle first (returned in date order)."""
    rng = template.entry.dte_range
    assert rng is not None, "validated: options templates have a DTE range"
    lo, hi = rng
    inside = [e for e in listed if lo <= (e - today).days <= hi]
    mid = 0.5 * (lo + hi)
    best = sorted(inside, key=lambda e: (abs((e - today).days - mid), e))[:template.constraints.max_expiries]
    return sorted(best)


def _options_request(ctx: ScanContext, run: BotRun, direction: str | None) -> OptionsRequest:
    assert run.quote is not None
    return OptionsRequest(ctx.scan_id, run.bot.id, run.template_key, run.template, run.layer,
                          run.underlying.symbol, ctx.today, run.quote, run.tech, direction, tuple(run.gates),
                          tuple(run.flags))


async def resolve_options(ctx: ScanContext, run: BotRun, direction: str | None) -> tuple[list[Candidate], list[str]]:
    venue = ctx.venue_for(run.bot)
    assert isinstance(venue, OptionsVenueAdapter)
    symbol = run.underlying.symbol
    listed = await ctx.fetcher.expirations(venue, symbol)
    chosen = expiries_for(run.template, ctx.today, listed)
    if not chosen:
        lo, hi = run.template.entry.dte_range or (0, 0)
        near = ", ".join(f"{e} ({(e - ctx.today).days} DTE)" for e in listed[:4]) or "none listed"
        return [], [f"no listed expiry within DTE {lo}–{hi} (nearest: {near})"]
    base = _options_request(ctx, run, direction)
    out: list[Candidate] = []
    reasons: list[str] = []
    for expiry in chosen:
        got = await ctx.fetcher.validated(venue, symbol, expiry, ctx.config.scoring.exclude.spread_quality_above)
        if isinstance(got, ChainFailure):
            run.gate(Decision.deny("chain.validation", got.code, got.reason, details={"attempts": got.attempts}))
        assert isinstance(got, ValidatedChain)
        chain = got
        verdict = _chain_decision(chain)
        run.gates.append(verdict)
        req = replace(base, gates=(*base.gates, verdict))
        found = resolve_expiry(req, chain)
        reasons += found.reasons
        for c in found.candidates:
            fresh = await requote(req, chain, c, lambda insts: ctx.fetcher.quotes(venue, insts),
                                  ctx.settings.requote_delta_tolerance)
            if isinstance(fresh, str):
                reasons.append(fresh)
            else:
                out.append(fresh)
    return out, reasons


def _chain_decision(chain: ValidatedChain) -> Decision:
    text = (f"{chain.underlying} {chain.expiry}: {len(chain.contracts)} contracts, "
            f"{chain.missing_greeks_share:.0%} missing Greeks, quality {chain.quality:.2f}")
    flags = "; ".join(chain.flags)
    return Decision("chain.validation", True, "FLAGGED" if chain.flags else "OK",
                    text + (f" — {flags}" if flags else ""), chain.missing_greeks_share, 0.10,
                    {"quality": round(chain.quality, 4), "forward": round(chain.parity.forward, 6),
                     "discount": round(chain.parity.discount, 8)})


def resolve_spot(ctx: ScanContext, run: BotRun, direction: str | None) -> tuple[list[Candidate], list[str]]:
    assert run.quote is not None and run.tech is not None
    req = LinearRequest(ctx.scan_id, run.bot.id, run.template_key, run.template, run.layer, run.underlying,
                        run.quote, run.tech.atr, direction or "", tuple(run.gates), tuple(run.flags))
    return resolve_linear(req)


def _no_candidate(run: BotRun, reasons: list[str]) -> BotOutcome:
    why = "; ".join(dict.fromkeys(reasons)) or "the resolver produced nothing"
    decision = Decision.deny("resolver", NO_CANDIDATE, f"no candidate: {why}")
    return outcome(run, skipped=decision, extra=(decision,))


def outcome(run: BotRun, candidates: list[Candidate] | None = None, skipped: Decision | None = None,
            extra: tuple[Decision, ...] = ()) -> BotOutcome:
    return BotOutcome(run.bot.id, run.underlying.symbol, run.template_key, run.template.name,
                      (*run.gates, *extra), tuple(c.id for c in candidates or ()),
                      None if skipped is None else skipped.reason, None if skipped is None else skipped.code,
                      run.regime, tuple(run.notes))


async def run_bot(ctx: ScanContext, bot: Bot, *, signal_direction: str | None = None,
                  signal: bool = False) -> tuple[BotOutcome, list[Candidate], BotRun]:
    """Gates, then candidates (unsized): the skip reason when a gate fails or nothing resolves.
    A signal run (`signal`) uses the signal cascade and the signal's direction when it has one."""
    run = new_run(ctx, bot)
    try:
        if signal:
            await signal_cascade(ctx, run)
            run.flags.append("signal")
        else:
            await cascade(ctx, run)
        if signal_direction in ("long", "short"):
            run.direction = signal_direction
        direction = await _direction(ctx, run)
        if run.asset_class == "equity_options":
            found, reasons = await resolve_options(ctx, run, direction)
        else:
            found, reasons = resolve_spot(ctx, run, direction)
    except Skip as skip:
        return outcome(run, skipped=skip.decision), [], run
    except VenueError as exc:
        decision = Decision.deny("venue", "VENUE_ERROR", f"venue error: {exc.message}")
        return outcome(run, skipped=decision, extra=(decision,)), [], run
    if not found:
        return _no_candidate(run, reasons), [], run
    run.notes.extend(reasons)
    return outcome(run, found), found, run
