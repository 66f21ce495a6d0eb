"""The options resolver on a textbook chain: delta picks, support/resistance variants, wings,
directions, constraints and the "no candidate: <why>" reasons; re-quoting and re-resolution."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest
from chainkit import NOW, bsm_chain

from dorado_tui.domain.instruments import Instrument, OptionContract, Right
from dorado_tui.domain.market import Quote
from dorado_tui.domain.orders import Action
from dorado_tui.engine.scan.chain_quality import ValidatedChain, validate_chain
from dorado_tui.engine.scan.requote import requote
from dorado_tui.engine.scan.resolve_options import OptionsRequest, resolve_expiry
from dorado_tui.engine.scan.technicals import Technicals
from dorado_tui.quant.structure import Level
from dorado_tui.settings.templates import StrategyTemplate

EXPIRY = date(2026, 4, 17)
CLOSE = datetime(2026, 4, 17, 21, 0, tzinfo=UTC)
PCS = {"short_put": {"method": "delta_and_support", "delta_target": [-0.30, -0.20], "support_buffer": "at_or_below"},
       "long_put": {"method": "fixed_width", "width": 5, "from_role": "short_put"}}


def template(structure: list[dict[str, Any]], entry: dict[str, Any], **extra: Any) -> StrategyTemplate:
    return StrategyTemplate.model_validate({
        "name": "T", "type": "options_income", "underlying_class": "equity_options", "structure": structure,
        "entry": {"dte_range": [30, 45], **entry}, **extra})


def pcs(**extra: Any) -> StrategyTemplate:
    return template([{"role": "short_put", "position": "sell"}, {"role": "long_put", "position": "buy"}],
                    {**PCS, "strike_selection_priority": "support_resistance_first"}, **extra)


def tech(supports: tuple[float, ...] = (), resistances: tuple[float, ...] = ()) -> Technicals:
    return Technicals(100.0, 2.0, 18.0, 20.0, 15.0, 0.5,
                      tuple(Level(p, 3, 2, 100, "support") for p in supports),
                      tuple(Level(p, 3, 2, 100, "resistance") for p in resistances))


def request(tpl: StrategyTemplate, t: Technicals | None = None, direction: str | None = None) -> OptionsRequest:
    quote = Quote("XYZ", 99.99, 100.01, 100.0, NOW)
    return OptionsRequest("scan-1", "bot-1", "tpl", tpl, "L2", "XYZ", NOW.date(), quote, t or tech(), direction)


@pytest.fixture(scope="module")
def chain() -> ValidatedChain:
    return validate_chain(bsm_chain(100.0, step=1.0, half_spread=0.02), EXPIRY, CLOSE, NOW, 0.2)


def mid(chain: ValidatedChain, right: Right, strike: float) -> float:
    i = chain.index(right, strike)
    assert i is not None
    return float(0.5 * (chain.bid[i] + chain.ask[i]))


def test_put_credit_spread_short_strike_is_nearest_the_delta_band_middle(chain: ValidatedChain) -> None:
    out = resolve_expiry(request(pcs()), chain)

    (c,) = out.candidates
    short, long_ = c.legs
    deltas = {k: chain.venue_delta[chain.index(Right.PUT, k)] for k in chain.strikes[~chain.is_call]}
    in_band = {k: d for k, d in deltas.items() if -0.30 <= d <= -0.20}
    assert short.instrument.strike == min(in_band, key=lambda k: abs(in_band[k] + 0.25))
    assert long_.instrument.strike == short.instrument.strike - 5
    credit = (mid(chain, Right.PUT, short.instrument.strike) - mid(chain, Right.PUT, long_.instrument.strike)) * 100
    assert c.credit == pytest.approx(credit)
    assert c.max_loss == pytest.approx(5 * 100 - credit)
    assert c.breakevens == (pytest.approx(short.instrument.strike - credit / 100),)
    assert (c.dte, c.variant, c.status.value) == ((EXPIRY - NOW.date()).days, "delta", "proposed")


def test_support_below_the_delta_strike_offers_both_variants_and_marks_the_priority(chain: ValidatedChain) -> None:
    delta_pick = resolve_expiry(request(pcs()), chain).candidates[0].legs[0].instrument.strike

    out = resolve_expiry(request(pcs(), tech(supports=(delta_pick - 2.4,))), chain)

    by_variant = {c.variant: c for c in out.candidates}
    assert set(by_variant) == {"delta", "sr"}
    assert by_variant["delta"].legs[0].instrument.strike == delta_pick
    assert by_variant["sr"].legs[0].instrument.strike == delta_pick - 3  # the first strike at or below support
    assert "primary" in by_variant["sr"].flags and "primary" not in by_variant["delta"].flags
    assert all(any(f.startswith("sr_conflict") for f in c.flags) for c in out.candidates)


def test_delta_strike_already_at_support_is_one_aligned_candidate(chain: ValidatedChain) -> None:
    delta_pick = resolve_expiry(request(pcs()), chain).candidates[0].legs[0].instrument.strike

    out = resolve_expiry(request(pcs(), tech(supports=(delta_pick + 0.3,))), chain)

    (c,) = out.candidates
    assert f"sr_aligned: short_put@{delta_pick + 0.3:g}" in c.flags


def test_iron_butterfly_sells_one_at_the_money_strike_on_both_sides(chain: ValidatedChain) -> None:
    tpl = template([{"role": "short_put", "position": "sell"}, {"role": "long_put", "position": "buy"},
                    {"role": "short_call", "position": "sell"}, {"role": "long_call", "position": "buy"}],
                   {"short_put": {"method": "atm"}, "short_call": {"method": "atm"},
                    "long_put": {"method": "fixed_width", "width": 5, "from_role": "short_put"},
                    "long_call": {"method": "fixed_width", "width": 5, "from_role": "short_call"}})

    (c,) = resolve_expiry(request(tpl), chain).candidates

    strikes = {leg.role: leg.instrument.strike for leg in c.legs}
    atm = chain.strikes[np.argmin(np.abs(chain.strikes - chain.parity.forward))]
    assert strikes == {"short_put": atm, "short_call": atm, "long_put": atm - 5, "long_call": atm + 5}
    assert c.width == 5
    assert len(c.breakevens) == 2


def test_butterfly_wings_go_to_the_sides_the_template_names(chain: ValidatedChain) -> None:
    tpl = template([{"role": "lower_call", "position": "buy"}, {"role": "body_call", "position": "sell", "ratio": 2},
                    {"role": "upper_call", "position": "buy"}],
                   {"body_call": {"method": "atm"},
                    "lower_call": {"method": "fixed_width", "width": 3, "from_role": "body_call", "side": "below"},
                    "upper_call": {"method": "fixed_width", "width": 3, "from_role": "body_call", "side": "above"}})

    (c,) = resolve_expiry(request(tpl), chain).candidates

    lower, body, upper = c.legs
    assert (lower.instrument.strike, upper.instrument.strike) == (body.instrument.strike - 3, body.instrument.strike + 3)
    assert body.ratio == 2 and body.action is Action.SELL
    assert c.credit < 0 and c.max_loss == pytest.approx(-c.credit)


def test_wings_without_a_side_that_land_on_one_contract_are_refused(chain: ValidatedChain) -> None:
    tpl = template([{"role": "lower_call", "position": "buy"}, {"role": "body_call", "position": "sell", "ratio": 2},
                    {"role": "upper_call", "position": "buy"}],
                   {"body_call": {"method": "atm"},
                    "lower_call": {"method": "fixed_width", "width": 3, "from_role": "body_call"},
                    "upper_call": {"method": "fixed_width", "width": 3, "from_role": "body_call"}})

    out = resolve_expiry(request(tpl), chain)

    assert out.candidates == []
    assert out.reasons == [f"{EXPIRY} delta: two legs resolve to the same contract (set `side: below/above` on the wings)"]


@pytest.mark.parametrize(("direction", "right"), [("long", Right.PUT), ("short", Right.CALL)])
def test_vertical_right_follows_the_direction(chain: ValidatedChain, direction: str, right: Right) -> None:
    tpl = template([{"role": "short_leg", "position": "sell", "right": "from_direction"},
                    {"role": "long_leg", "position": "buy", "right": "from_direction"}],
                   {"short_leg": {"method": "delta", "delta_target": [0.20, 0.30]},
                    "long_leg": {"method": "fixed_width", "width": 2, "from_role": "short_leg"}})

    (c,) = resolve_expiry(request(tpl, direction=direction), chain).candidates

    assert {leg.instrument.right for leg in c.legs} == {right}
    assert 0.20 <= abs(c.legs[0].delta or 0) <= 0.30
    assert c.credit > 0


def test_vertical_without_a_direction_yields_no_candidate(chain: ValidatedChain) -> None:
    tpl = template([{"role": "short_leg", "position": "sell", "right": "from_direction"},
                    {"role": "long_leg", "position": "buy", "right": "from_direction"}],
                   {"short_leg": {"method": "delta", "delta_target": [0.20, 0.30]},
                    "long_leg": {"method": "fixed_width", "width": 2, "from_role": "short_leg"}})

    out = resolve_expiry(request(tpl, direction=None), chain)

    assert out.reasons == ["leg short_leg takes its right from the direction, and there is none (None)"]


def test_impossible_credit_constraint_yields_the_reason(chain: ValidatedChain) -> None:
    out = resolve_expiry(request(pcs(constraints={"min_credit_to_width": 0.9})), chain)

    assert out.candidates == []
    assert len(out.reasons) == 1
    assert out.reasons[0].startswith(f"{EXPIRY} delta: credit/width 0.")
    assert out.reasons[0].endswith("below the minimum 0.9")


def test_delta_band_no_contract_reaches_names_the_nearest(chain: ValidatedChain) -> None:
    tpl = template([{"role": "short_put", "position": "sell"}],
                   {"short_put": {"method": "delta", "delta_target": [-0.0005, -0.0001]}})

    out = resolve_expiry(request(tpl), chain)

    assert out.reasons[0].startswith(f"no put with delta in [-0.0005, -0.0001] at {EXPIRY} (nearest: ")


def test_covered_call_buys_a_hundred_shares_per_contract(chain: ValidatedChain) -> None:
    tpl = template([{"role": "stock", "position": "buy", "instrument": "stock"}, {"role": "short_call", "position": "sell"}],
                   {"short_call": {"method": "delta", "delta_target": [0.20, 0.30]}})

    (c,) = resolve_expiry(request(tpl), chain).candidates

    stock, call = c.legs
    assert (stock.ratio, stock.instrument.multiplier) == (100, 1)
    assert c.credit == pytest.approx(-100.0 * 100 + mid(chain, Right.CALL, call.instrument.strike) * 100)
    assert c.delta == pytest.approx(100 - 100 * (call.delta or 0))


class Quoter:
    """Fresh quotes from the chain, with deltas moved by `shift` for the first `times` calls."""

    def __init__(self, chain: ValidatedChain, shift: float, times: int) -> None:
        self.chain, self.shift, self.times, self.calls = chain, shift, times, 0

    async def __call__(self, insts: list[Instrument]) -> list[OptionContract]:
        self.calls += 1
        moved = self.shift if self.calls <= self.times else 0.0
        out = []
        for inst in insts:
            i = self.chain.index(inst.right or Right.PUT, inst.strike or 0.0)
            assert i is not None
            c = self.chain.contracts[i]
            out.append(replace(c, delta=float(self.chain.own_delta[i]) + moved))
        return out


async def test_fresh_quotes_within_tolerance_keep_the_strikes(chain: ValidatedChain) -> None:
    req = request(pcs())
    c = resolve_expiry(req, chain).candidates[0]

    fresh = await requote(req, chain, c, Quoter(chain, 0.0, 0), 0.02)

    assert not isinstance(fresh, str)
    assert [leg.instrument.strike for leg in fresh.legs] == [leg.instrument.strike for leg in c.legs]
    assert fresh.gates[-1].check == "chain.requote" and fresh.gates[-1].passed


async def test_delta_that_moved_beyond_tolerance_re_resolves_on_our_own_greeks(chain: ValidatedChain) -> None:
    req = request(pcs())
    c = resolve_expiry(req, chain).candidates[0]
    quoter = Quoter(chain, 0.05, times=1)

    fresh = await requote(req, chain, c, quoter, 0.02)

    assert not isinstance(fresh, str)
    assert any(f.startswith("re_resolved: delta moved 0.05") for f in fresh.flags)
    assert quoter.calls == 2
    assert [d.code for d in fresh.gates[-2:]] == ["RE_RESOLVED", "OK"]


async def test_delta_that_keeps_moving_refuses_the_candidate(chain: ValidatedChain) -> None:
    req = request(pcs())
    c = resolve_expiry(req, chain).candidates[0]

    fresh = await requote(req, chain, c, Quoter(chain, 0.05, times=5), 0.02)

    assert isinstance(fresh, str)
    assert "Greeks unstable — delta moved 0.050" in fresh
