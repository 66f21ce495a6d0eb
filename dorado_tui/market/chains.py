"""Option chains of the simulated market: surface IVs, model prices and Greeks, quotes, OI, volume.

Prices come from the quant core (`american_price` for the ETFs, Black-Scholes-Merton for SPX);
Greeks are the analytic BSM Greeks at the surface IV, which is also the "model IV" the venue
reports. Bid/ask widths grow with distance from the money, with maturity, with the regime and
with the underlying's illiquidity, then snap to the option tick (penny for the ETFs, 0.05/0.10
for SPX). Open interest and volume are hashed per strike so they do not depend on which other
strikes a request happens to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import numpy as np

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.domain.instruments import (
    ExerciseStyle,
    Instrument,
    OptionChain,
    OptionContract,
    Right,
    option_instrument,
)
from dorado_tui.market.calendar import third_friday
from dorado_tui.market.config import DefectRates
from dorado_tui.market.defects import ChainArrays, inject
from dorado_tui.market.listings import (
    INDEX_UNDERLYINGS,
    expiry_close,
    listed_expirations,
    strike_grid,
)
from dorado_tui.market.seeds import Tag, hash_uniform, symbol_key
from dorado_tui.market.simulator import OPTIONABLE, SimulatedMarket
from dorado_tui.market.surface import MIN_T_YEARS, SurfaceState
from dorado_tui.quant.pricing import american_price, bsm_greeks

_YEAR_S = 365.0 * 86400.0
_EXPIRY_OI = {"monthly": 1.0, "weekly": 0.35, "daily": 0.15}


@dataclass(frozen=True)
class PricingInputs:
    """Everything the pricer needs for one underlying and expiry at one instant."""

    underlying: str
    expiry: date
    moment: datetime
    spot: float
    spot_time: datetime
    t: float
    rate: float
    div: float
    surface: SurfaceState
    american: bool
    regime: str

    @property
    def forward(self) -> float:
        return self.spot * float(np.exp((self.rate - self.div) * self.t))


def exercise_style(underlying: str) -> ExerciseStyle:
    return ExerciseStyle.EUROPEAN if underlying in INDEX_UNDERLYINGS else ExerciseStyle.AMERICAN


def pricing_inputs(market: SimulatedMarket, underlying: str, expiry: date, moment: datetime) -> PricingInputs:
    if underlying not in OPTIONABLE:
        raise ValueError(f"no options on {underlying!r} in the simulated market ({', '.join(OPTIONABLE)})")
    spot, spot_time = market.price_at(underlying, moment)
    t = max((expiry_close(expiry) - moment).total_seconds() / _YEAR_S, MIN_T_YEARS)
    day = moment.astimezone(NEW_YORK).date()
    return PricingInputs(underlying, expiry, moment, spot, spot_time, t, market.rate(day),
                         market.dividend_yield(underlying), market.surface_state(underlying, moment),
                         exercise_style(underlying) is ExerciseStyle.AMERICAN, market.regime_on(day))


def model_values(inp: PricingInputs, strikes: np.ndarray, is_call: np.ndarray, spot_factor: float = 1.0,
                 iv_offset: float = 0.0) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """(iv, price, (delta, gamma, theta, vega)) from the surface, at a possibly shifted spot/IV."""
    spot = inp.spot * spot_factor
    forward = spot * float(np.exp((inp.rate - inp.div) * inp.t))
    iv = np.maximum(inp.surface.iv(np.log(strikes / forward), inp.t) + iv_offset, 0.01)
    g = bsm_greeks(spot, strikes, inp.t, inp.rate, inp.div, iv, is_call)
    price = american_price(spot, strikes, inp.t, inp.rate, inp.div, iv, is_call) if inp.american else g.price
    return iv, np.asarray(price), (g.delta, g.gamma, g.theta, g.vega)


def option_tick(underlying: str, price: np.ndarray) -> np.ndarray:
    if underlying in INDEX_UNDERLYINGS:
        return np.where(price < 3.0, 0.05, 0.10)
    return np.full(price.shape, 0.01)


def _half_spread(market: SimulatedMarket, inp: PricingInputs, price: np.ndarray,
                 sd_out: np.ndarray) -> np.ndarray:
    chains = market.config.chains
    base = chains.base_half_spread.get(inp.underlying, 0.02)
    liquidity = chains.liquidity.get(inp.underlying, 0.3)
    regime = market.config.regimes[inp.regime].spread_mult
    dte = 1.0 + 0.5 * np.sqrt(inp.t)
    otm = 1.0 + chains.otm_spread_slope * np.maximum(sd_out - 1.0, 0.0)
    return np.asarray((base + chains.spread_pct_of_price * price) * regime * dte * otm / np.sqrt(liquidity))


def bid_ask(mid: np.ndarray, half: np.ndarray, tick: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Quotes on the tick grid around `mid`: bid rounded down (never negative), ask up."""
    bid = np.maximum(np.floor((mid - half) / tick + 1e-9) * tick, 0.0)
    ask = np.ceil((mid + half) / tick - 1e-9) * tick
    ask = np.maximum(ask, bid + tick)
    return np.round(bid, 2), np.round(ask, 2)


def _expiry_kind(expiry: date) -> str:
    if expiry.weekday() >= 3 and abs((expiry - third_friday(expiry.year, expiry.month)).days) <= 1:
        return "monthly"
    friday = expiry + timedelta(days=(4 - expiry.weekday()) % 7)
    return "weekly" if (friday - expiry).days <= 1 else "daily"


def _activity(market: SimulatedMarket, inp: PricingInputs, strikes: np.ndarray, is_call: np.ndarray,
              sd_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Open interest and today's volume per contract."""
    chains = market.config.chains
    base = chains.base_open_interest.get(inp.underlying, 5000.0) * _EXPIRY_OI[_expiry_kind(inp.expiry)]
    step = 5.0 if inp.underlying in INDEX_UNDERLYINGS else 1.0
    round_bonus = np.where(np.isclose(np.mod(strikes, 5 * step), 0.0), 1.5, 1.0)
    key = np.round(strikes * 1000).astype(np.int64) * 2 + is_call.astype(np.int64)
    u = hash_uniform(market.seed, Tag.CHAIN, symbol_key(inp.underlying), inp.expiry.toordinal(), key)
    oi = base * np.exp(-0.35 * sd_out**2) * round_bonus * np.exp(0.6 * (u - 0.5))
    day = inp.moment.astimezone(NEW_YORK).date().toordinal()
    v = hash_uniform(market.seed, Tag.CHAIN, symbol_key(inp.underlying), inp.expiry.toordinal(), key, day)
    turnover = (0.04 + 0.3 / (1.0 + inp.t * 365.0)) * market.config.regimes[inp.regime].volume_mult
    volume = oi * turnover * np.exp(1.2 * (v - 0.5))
    return np.round(oi).astype(np.int64), np.round(volume).astype(np.int64)


def chain_arrays(market: SimulatedMarket, inp: PricingInputs, strikes: np.ndarray,
                 is_call: np.ndarray) -> ChainArrays:
    """Quotes, IVs, Greeks, OI and volume of the given contracts, without defects."""
    iv, price, (delta, gamma, theta, vega) = model_values(inp, strikes, is_call)
    atm = float(inp.surface.atm(inp.t))
    sd_out = np.abs(np.log(strikes / inp.forward)) / (atm * np.sqrt(inp.t))
    bid, ask = bid_ask(price, _half_spread(market, inp, price, sd_out), option_tick(inp.underlying, price))
    oi, volume = _activity(market, inp, strikes, is_call, sd_out)
    return ChainArrays(strikes, is_call, bid, ask, iv, delta, gamma, theta, vega, oi, volume, sd_out)


@lru_cache(maxsize=50_000)
def _instrument(underlying: str, expiry: date, is_call: bool, strike: float) -> Instrument:
    return option_instrument(underlying, expiry, Right.CALL if is_call else Right.PUT, strike,
                             exercise_style(underlying))


def _contracts(inp: PricingInputs, arr: ChainArrays) -> tuple[OptionContract, ...]:
    quote_time = inp.moment
    greeks_time = quote_time - timedelta(seconds=arr.greeks_lag_s)

    def opt(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    out = []
    for i in np.flatnonzero(arr.keep):
        missing = bool(np.isnan(arr.delta[i]))
        out.append(OptionContract(
            instrument=_instrument(inp.underlying, inp.expiry, bool(arr.is_call[i]), float(arr.strikes[i])),
            bid=float(arr.bid[i]), ask=float(arr.ask[i]), delta=opt(arr.delta[i]), gamma=opt(arr.gamma[i]),
            theta=opt(arr.theta[i]), vega=opt(arr.vega[i]), implied_vol=opt(arr.iv[i]),
            open_interest=int(arr.open_interest[i]), volume=int(arr.volume[i]), quote_time=quote_time,
            greeks_time=None if missing else greeks_time, underlying_price=inp.spot))
    return tuple(out)


def build_chain(market: SimulatedMarket, underlying: str, expiry: date, moment: datetime,
                defects: DefectRates | None = None) -> OptionChain:
    """The chain of one expiry at `moment`, with defects injected when `defects` says so."""
    expirations = listed_expirations(underlying, moment, market.config.chains)
    if expiry not in expirations:
        raise ValueError(f"{underlying} has no listed expiry {expiry} at {moment.isoformat()}")
    inp = pricing_inputs(market, underlying, expiry, moment)
    grid = strike_grid(underlying, inp.spot, float(inp.surface.atm(inp.t)), inp.t, market.config.chains)
    strikes = np.concatenate([grid, grid])
    is_call = np.concatenate([np.zeros(len(grid), dtype=bool), np.ones(len(grid), dtype=bool)])
    arr = chain_arrays(market, inp, strikes, is_call)
    if defects is not None and defects.any:
        def regreek(factor: float, offset: float) -> tuple[np.ndarray, ...]:
            iv, _, greeks = model_values(inp, strikes, is_call, factor, offset)
            return (iv, *greeks)

        minute = int(moment.timestamp()) // 60
        inject(arr, defects, market.seed, (symbol_key(underlying), expiry.toordinal(), minute), regreek)  # type: ignore[arg-type]
    return OptionChain(underlying=underlying, underlying_price=inp.spot, expirations=tuple(expirations),
                       contracts=_contracts(inp, arr), timestamp=moment, source="simulation",
                       notes=tuple(arr.notes))


def option_quotes(market: SimulatedMarket, instruments: list[Instrument], moment: datetime) -> list[OptionContract]:
    """Fresh quotes and Greeks for chosen contracts (no defects: this is the re-check)."""
    groups: dict[tuple[str, date], list[Instrument]] = {}
    for inst in instruments:
        assert inst.expiry is not None and inst.strike is not None and inst.right is not None
        groups.setdefault((inst.underlying, inst.expiry), []).append(inst)
    by_symbol: dict[str, OptionContract] = {}
    for (underlying, expiry), insts in groups.items():
        inp = pricing_inputs(market, underlying, expiry, moment)
        strikes = np.array([float(i.strike or 0.0) for i in insts])
        is_call = np.array([i.right is Right.CALL for i in insts])
        for c in _contracts(inp, chain_arrays(market, inp, strikes, is_call)):
            by_symbol[c.symbol] = c
    return [by_symbol[i.symbol] for i in instruments if i.symbol in by_symbol]
