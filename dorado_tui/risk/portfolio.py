"""The portfolio as the risk radar sees it: immutable per-underlying and per-layer arrays.

`PortfolioState.build` aggregates open positions once; `simulate_add(candidate)` returns a new
state with one candidate added in O(underlyings) (the selection loop calls it per candidate).
Units: delta in shares of the underlying, gamma in shares per unit of its price, vega in
account currency per vol point, theta and carry in account currency per day; max loss (heat)
and capital in account currency. A USD-based FX pair (USDJPY, priced in yen) adds its delta in
units worth one account-currency unit per unit of price, so that delta × spot stays dollars.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from dorado_tui.domain.candidates import Candidate
from dorado_tui.domain.instruments import AssetClass
from dorado_tui.risk._kernels import CAPITAL, CARRY, DELTA, GAMMA, HEAT, OPTIONS_CLASS, THETA, VEGA
from dorado_tui.risk.clusters import Correlations, FloatArray, IntArray, align, daily_covariance
from dorado_tui.risk.margin import capital_requirement, unit_value
from dorado_tui.risk.policy import LayerPolicy

ASSET_CLASSES: tuple[AssetClass, ...] = tuple(AssetClass)
_AC_INDEX = {ac: i for i, ac in enumerate(ASSET_CLASSES)}
assert _AC_INDEX[AssetClass.EQUITY_OPTIONS] == OPTIONS_CLASS, "the kernel's options class moved"
_ROWS = 7


@dataclass(frozen=True, slots=True)
class PositionRisk:
    """One open position's risk figures (whole position, not per unit)."""

    underlying: str
    asset_class: AssetClass
    layer: str
    max_loss: float
    capital: float
    delta: float = 0.0
    gamma: float = 0.0
    vega: float = 0.0
    theta: float = 0.0
    carry: float = 0.0

    def row(self) -> tuple[float, ...]:
        """The position's contribution in `PortfolioState.u_data` row order."""
        return (self.max_loss, self.capital, self.delta, self.gamma, self.vega, self.theta, self.carry)


@dataclass(frozen=True, slots=True)
class MarketFacts:
    """Prices, annualized vols (0.20 = 20 %), betas to the benchmark and return correlations."""

    spots: Mapping[str, float]
    annual_vols: Mapping[str, float]
    betas: Mapping[str, float] = field(default_factory=dict)
    correlations: Correlations | None = None


def _row(data: FloatArray, i: int) -> FloatArray:
    row: FloatArray = data[i]
    return row


def _ro(*arrays: np.ndarray) -> None:  # type: ignore[type-arg]
    for a in arrays:
        a.setflags(write=False)


@dataclass(frozen=True, slots=True)
class PortfolioState:
    """Aggregated exposures by underlying (U columns) and strategy layer (L rows); read-only.

    `u_data` rows: heat, capital, delta, gamma, vega, theta, carry (see `_kernels`).
    `layer_heat_u` and `layer_capital_u` are L × U max loss and capital; `layer_capital` and
    `layer_count` are per layer; `layer_margin` is each layer's share of an FX/crypto notional
    that `simulate_add` reserves by default (1.0 for a layer it does not know).
    """

    nav: float
    cash: float
    names: tuple[str, ...]
    asset_class: IntArray
    spot: FloatArray
    beta: FloatArray
    cluster: IntArray
    cov: FloatArray
    u_data: FloatArray
    layers: tuple[str, ...]
    layer_heat_u: FloatArray
    layer_capital: FloatArray
    layer_count: IntArray
    index: Mapping[str, int]
    layer_index: Mapping[str, int]
    layer_capital_u: FloatArray
    layer_margin: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    added: tuple[str, ...] = ()

    @classmethod
    def build(cls, nav: float, cash: float, positions: Iterable[PositionRisk], market: MarketFacts,
              *, layers: Iterable[str] | Mapping[str, LayerPolicy] = (),
              cluster_threshold: float = 0.7) -> PortfolioState:
        """Aggregate open positions; every underlying in `market.spots` is known up front.
        `layers` as the policy's mapping also gives each layer's FX/crypto margin share."""
        pos = list(positions)
        names = tuple(dict.fromkeys([*(n.upper() for n in market.spots), *(p.underlying.upper() for p in pos)]))
        layer_names = tuple(dict.fromkeys([*layers, *(p.layer for p in pos)]))
        idx = {n: i for i, n in enumerate(names)}
        lidx = {n: i for i, n in enumerate(layer_names)}
        labels, rho = align(names, market.correlations, cluster_threshold)
        spots = {k.upper(): v for k, v in market.spots.items()}
        betas = {k.upper(): v for k, v in market.betas.items()}
        n, nl = len(names), len(layer_names)
        u_data, ac = np.zeros((_ROWS, n)), np.zeros(n, dtype=np.int64)
        lh, lc, cnt = np.zeros((nl, n)), np.zeros(nl), np.zeros(nl, dtype=np.int64)
        lcu = np.zeros((nl, n))
        for p in pos:
            i, j = idx[p.underlying.upper()], lidx[p.layer]
            u_data[:, i] += p.row()
            ac[i] = _AC_INDEX[p.asset_class]
            lh[j, i] += p.max_loss
            lc[j] += p.capital
            lcu[j, i] += p.capital
            cnt[j] += 1
        margin = {name: lp.notional_margin_pct / 100.0 for name, lp in layers.items()
                  if isinstance(lp, LayerPolicy)} if isinstance(layers, Mapping) else {}
        state = cls(
            nav=nav, cash=cash, names=names, asset_class=ac,
            spot=np.array([spots.get(name, math.nan) for name in names], dtype=np.float64),
            beta=np.array([betas.get(name, 1.0) for name in names], dtype=np.float64),
            cluster=labels, cov=daily_covariance(rho, names, {k.upper(): v for k, v in market.annual_vols.items()}),
            u_data=u_data, layers=layer_names, layer_heat_u=lh, layer_capital=lc, layer_count=cnt,
            index=MappingProxyType(idx), layer_index=MappingProxyType(lidx), layer_capital_u=lcu,
            layer_margin=MappingProxyType(margin),
        )
        _ro(ac, state.spot, state.beta, labels, state.cov, u_data, lh, lc, cnt, lcu)
        return state

    @property
    def heat(self) -> FloatArray:
        return _row(self.u_data, HEAT)

    @property
    def capital(self) -> FloatArray:
        return _row(self.u_data, CAPITAL)

    @property
    def delta(self) -> FloatArray:
        return _row(self.u_data, DELTA)

    @property
    def gamma(self) -> FloatArray:
        return _row(self.u_data, GAMMA)

    @property
    def vega(self) -> FloatArray:
        return _row(self.u_data, VEGA)

    @property
    def theta(self) -> FloatArray:
        return _row(self.u_data, THETA)

    @property
    def carry(self) -> FloatArray:
        return _row(self.u_data, CARRY)

    @property
    def n_positions(self) -> int:
        return int(self.layer_count.sum())

    def with_greeks(self, names: tuple[str, ...], spot: FloatArray, greeks: FloatArray) -> PortfolioState:
        """The state with spots and per-underlying Greeks replaced (e.g. from a GreeksBook).

        `greeks` is U' × 4 (delta, gamma, vega, theta) for `names`; names this state does not
        know are an error (build the state from the same universe as the book).
        """
        missing = [n for n in names if n not in self.index]
        if missing:
            raise ValueError(f"the portfolio state does not know {', '.join(missing)}")
        idx = np.array([self.index[n] for n in names], dtype=np.int64)
        u_data, new_spot = self.u_data.copy(), self.spot.copy()
        u_data[DELTA:THETA + 1, idx] = greeks.T
        new_spot[idx] = spot
        _ro(u_data, new_spot)
        return replace(self, u_data=u_data, spot=new_spot)

    def simulate_add(self, candidate: Candidate, *, capital: float | None = None,
                     carry_per_day: float = 0.0) -> PortfolioState:
        """A new state with `candidate` (at its quantity) added; this state is unchanged.

        `capital` defaults to the candidate's requirement with short puts cash-secured (the
        conservative reserve) and FX/crypto at its layer's margin share; `carry_per_day` is the FX
        swap / funding the trade would pay (< 0) or earn.
        """
        layer = candidate.strategy_layer
        state = self._with_underlying(candidate)._with_layer(layer)
        i = state.index[candidate.underlying.upper()]
        j = state.layer_index[layer]
        q, loss = candidate.quantity, candidate.total_max_loss
        need = capital if capital is not None else capital_requirement(
            candidate, cash_secured_puts=True, margin_rate=state.layer_margin.get(layer, 1.0))
        u_data = state.u_data.copy()
        u_data[:, i] += (loss, need, candidate.delta * q * _delta_scale(candidate), candidate.gamma * q,
                         candidate.vega * q, candidate.theta * q, carry_per_day)
        lh, lc, cnt = state.layer_heat_u.copy(), state.layer_capital.copy(), state.layer_count.copy()
        lcu = state.layer_capital_u.copy()
        lh[j, i] += loss
        lc[j] += need
        lcu[j, i] += need
        cnt[j] += 1
        ac = state.asset_class
        if ac[i] != _AC_INDEX[candidate.asset_class]:
            ac = ac.copy()
            ac[i] = _AC_INDEX[candidate.asset_class]
            _ro(ac)
        _ro(u_data, lh, lc, cnt, lcu)
        return replace(state, u_data=u_data, layer_heat_u=lh, layer_capital=lc, layer_count=cnt,
                       layer_capital_u=lcu, asset_class=ac, added=(*state.added, candidate.id))

    def _with_underlying(self, candidate: Candidate) -> PortfolioState:
        """Grow the arrays for an underlying the market facts did not name: no vol, no
        correlation (VaR then cannot be measured and the check says so), its own cluster."""
        name = candidate.underlying.upper()
        if name in self.index:
            return self
        n = len(self.names)
        cov = np.full((n + 1, n + 1), math.nan)
        cov[:n, :n] = self.cov
        return replace(
            self, names=(*self.names, name), index=MappingProxyType({**self.index, name: n}),
            asset_class=np.append(self.asset_class, _AC_INDEX[candidate.asset_class]),
            spot=np.append(self.spot, candidate.entry if candidate.entry is not None else math.nan),
            beta=np.append(self.beta, 1.0),
            cluster=np.append(self.cluster, int(self.cluster.max(initial=-1)) + 1), cov=cov,
            u_data=np.hstack([self.u_data, np.zeros((_ROWS, 1))]),
            layer_heat_u=np.hstack([self.layer_heat_u, np.zeros((len(self.layers), 1))]),
            layer_capital_u=np.hstack([self.layer_capital_u, np.zeros((len(self.layers), 1))]),
        )

    def _with_layer(self, layer: str) -> PortfolioState:
        if layer in self.layer_index:
            return self
        return replace(
            self, layers=(*self.layers, layer),
            layer_index=MappingProxyType({**self.layer_index, layer: len(self.layers)}),
            layer_heat_u=np.vstack([self.layer_heat_u, np.zeros((1, len(self.names)))]),
            layer_capital=np.append(self.layer_capital, 0.0),
            layer_count=np.append(self.layer_count, 0),
            layer_capital_u=np.vstack([self.layer_capital_u, np.zeros((1, len(self.names)))]),
        )


def _delta_scale(candidate: Candidate) -> float:
    """Linear trades: account-currency value of one unit per unit of its price (1/price for a
    USD-based pair priced in yen, 1 when priced in dollars); options: 1."""
    if candidate.entry is None or candidate.entry <= 0 or not candidate.legs \
            or any(leg.instrument.is_option for leg in candidate.legs):
        return 1.0
    value = unit_value(candidate.legs[0].instrument, candidate.entry)
    return value / candidate.entry if math.isfinite(value) else 1.0
