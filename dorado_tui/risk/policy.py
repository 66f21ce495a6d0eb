"""The risk policy (`config/risk_policy.yaml`, PRD §3.4): a frozen, bounded pydantic model.

The file's top-level mapping *is* a `RiskPolicy` (keys `version`, `portfolio`, `sizing`, `trade`,
`circuit_breakers`, `protections`, `layers`, `alerts`). Percentages are percent of NAV unless a
field says otherwise (2.0 means 2 %). The model does no I/O: the settings loader reads the YAML
and calls `RiskPolicy.model_validate`, which reports every bad field with its location.

Strategy layers (seed 000) are the unit of isolation: each has its own capital budget, heat and
limits (`LayerPolicy`). What a layer changes for a trade in it:
- its DTE window and per-underlying limit narrow the global ones;
- its per-trade max-loss caps REPLACE the global `trade` caps of the same name (field by field:
  a cap the layer leaves null is inherited), so a wheel layer can admit a cash-secured put
  whose max loss (strike × 100 − credit) no 0.5–4 % risk budget covers, while spreads stay under
  the global caps;
- `sizing_method: capital_pct` sizes its trades by committed capital (a share of the layer's
  budget) instead of the bot's risk-% method;
- FX/crypto positions commit `notional_margin_pct` of their notional against its budget.
When the policy defines layers, every trade must belong to one: a bot without a layer is a
configuration error (`dorado config check`) and the radar refuses its trades (LAYER_MISSING)
rather than letting them bypass the layer limits. `layers: {}` turns layers off: only the
portfolio-wide limits apply.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

Pct = Annotated[float, Field(ge=0.0, le=100.0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Bounds(_Frozen):
    """An inclusive [min, max] interval; either side may be open (null)."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is greater than max {self.max}")
        return self

    def contains(self, value: float) -> bool:
        """True when `value` lies inside the interval."""
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class AssetClassLimits(_Frozen):
    """Maximum capital at risk per asset class, % of NAV."""

    equity_options: Pct = 60.0
    fx: Pct = 30.0
    crypto: Pct = 20.0


class GreeksBounds(_Frozen):
    """Portfolio Greeks of the options book (PRD: Greeks aggregation, options only) as % of NAV:
    dollar delta (Σ Δ·S), dollar gamma per 1 % move (Σ Γ·S²/100), vega per vol point and theta
    per day, all in account currency. FX and crypto direction is bounded by their heat, layers,
    VaR and the cross-asset beta-weighted delta instead: a 2 % risk on a 1.3 % FX stop is a
    150 % notional that no options delta bound is meant for."""

    delta_pct: Bounds = Bounds(min=-50.0, max=50.0)
    gamma_pct: Bounds = Bounds(min=-5.0, max=5.0)
    vega_pct: Bounds = Bounds(min=-2.0, max=2.0)
    theta_pct: Bounds = Bounds(min=-0.5, max=0.5)


class PortfolioLimits(_Frozen):
    """Portfolio-level limits, checked on `PortfolioState.simulate_add` before selection."""

    max_heat_pct: Pct = 30.0
    """Sum of max loss at risk over all open positions, % of NAV."""
    max_single_underlying_pct: Pct = 15.0
    """Max loss at risk in any one underlying (all layers together), % of NAV. Above the PRD's
    example 10: one cash-secured put on a ~$100 underlying is 10 % of a $100k account."""
    max_asset_class_pct: AssetClassLimits = AssetClassLimits()
    max_correlated_cluster_pct: Pct = 20.0
    """Max loss at risk in any cluster of correlated underlyings, % of NAV."""
    correlation_cluster_threshold: float = Field(0.7, ge=0.0, le=1.0)
    """Underlyings whose correlation links them at or above this (average linkage) share a cluster."""
    min_cash_pct: Pct = 20.0
    """Cash left after reserving every position's capital requirement, % of NAV."""
    cash_drag_alert_deployed_pct: Pct = 10.0
    """Alert (not a denial) when deployed capital falls below this % of NAV."""
    greeks: GreeksBounds = GreeksBounds()
    max_var99_pct: Pct = 5.0
    """One-day 99 % value at risk, % of NAV."""
    var_horizon_days: int = Field(1, ge=1, le=20)
    max_net_short_vega_pct: Pct = 1.5
    """Net short vega (account currency per vol point) across asset classes, % of NAV."""
    max_beta_weighted_delta_pct: Pct = 40.0
    """|Σ β·Δ·S| in the benchmark (SPY-equivalent dollars), % of NAV."""
    beta_benchmark: str = Field("SPY", min_length=1)
    max_daily_carry_cost_pct: Pct = 0.05
    """Largest net negative carry per day (FX swaps, crypto funding), % of NAV."""
    max_stress_loss_pct: Pct = 15.0
    """Worst loss on the stress grid (spot × vol shocks), % of NAV."""
    stress_spot_shocks_pct: tuple[float, ...] = (-20.0, -10.0, -5.0, -2.0, 0.0, 2.0, 5.0, 10.0)
    stress_vol_shocks_pts: tuple[float, ...] = (-5.0, 0.0, 5.0, 10.0, 20.0)

    @model_validator(mode="after")
    def _stress_grid(self) -> Self:
        if not self.stress_spot_shocks_pct or not self.stress_vol_shocks_pts:
            raise ValueError("the stress grid needs at least one spot and one vol shock")
        if any(s <= -100.0 for s in self.stress_spot_shocks_pct):
            raise ValueError("a spot shock must be greater than -100 %")
        return self


class SizingMethod(StrEnum):
    """Risk-% methods: a trade's max loss may be this % of NAV (bounded 0.5–4 %)."""

    FIXED_RISK_PCT = "fixed_risk_pct"
    VOL_ADJUSTED = "vol_adjusted"
    ADAPTIVE_RULES = "adaptive_rules"


class CapitalSizing(StrEnum):
    """A layer's own method: size by the capital a trade commits, not by a risk %."""

    CAPITAL_PCT = "capital_pct"
    """units = ⌊(layer budget × capital_per_trade_pct × breaker multiplier) / capital per unit⌋,
    also within the per-trade max-loss caps (the wheel's measure: cash committed)."""


class AdaptiveRules(_Frozen):
    """The PRD's Phase-1 adaptive sizing rules; each condition multiplies the risk %."""

    low_confidence_below: float = Field(0.60, ge=0.0, le=1.0)
    low_confidence_multiplier: float = Field(0.5, gt=0.0, le=1.0)
    iv_rank_high_above: float = Field(60.0, ge=0.0, le=100.0)
    iv_rank_high_multiplier: float = Field(0.75, gt=0.0, le=1.0)
    iv_rank_low_below: float = Field(25.0, ge=0.0, le=100.0)
    iv_rank_low_multiplier: float = Field(0.5, gt=0.0, le=1.0)
    win_rate_low_below: float = Field(0.45, ge=0.0, le=1.0)
    win_rate_low_multiplier: float = Field(0.5, gt=0.0, le=1.0)
    drawdown_above_pct: Pct = 10.0
    drawdown_multiplier: float = Field(0.5, gt=0.0, le=1.0)
    heat_headroom_fraction: float = Field(0.5, gt=0.0, le=1.0)
    """Never size above this fraction of the heat still available."""

    @model_validator(mode="after")
    def _iv_order(self) -> Self:
        if self.iv_rank_low_below > self.iv_rank_high_above:
            raise ValueError("iv_rank_low_below must not exceed iv_rank_high_above")
        return self


class SizingPolicy(_Frozen):
    """How much of NAV one trade may put at risk (its max loss), % of NAV. A layer may size its
    trades by committed capital instead (`LayerPolicy.sizing_method: capital_pct`)."""

    default_method: SizingMethod = SizingMethod.ADAPTIVE_RULES
    base_risk_pct: float = Field(2.0, ge=0.5, le=4.0)
    min_risk_pct: float = Field(0.5, ge=0.5, le=4.0)
    max_risk_pct: float = Field(4.0, ge=0.5, le=4.0)
    vol_reference_pct: float = Field(20.0, gt=0.0, le=300.0)
    """vol_adjusted: risk % = base × reference vol / the underlying's vol, then bounded."""
    adaptive: AdaptiveRules = AdaptiveRules()

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.min_risk_pct <= self.base_risk_pct <= self.max_risk_pct:
            raise ValueError(
                f"need min_risk_pct ≤ base_risk_pct ≤ max_risk_pct, got "
                f"{self.min_risk_pct} / {self.base_risk_pct} / {self.max_risk_pct}"
            )
        return self


class TradeLimits(_Frozen):
    """Trade-level limits (PRD table plus broker 15c3-5-style market-access controls)."""

    max_loss_per_trade: float = Field(2_000.0, gt=0.0)
    """Absolute cap on one trade's max loss, account currency (a layer may replace it)."""
    max_loss_per_trade_pct: Pct = 4.0
    """Cap on one trade's max loss, % of NAV (a layer may replace it)."""
    min_dte: int = Field(0, ge=0, le=3650)
    max_dte: int = Field(60, ge=0, le=3650)
    min_abs_delta: float = Field(0.05, ge=0.0, le=1.0)
    """Short legs' |delta| floor (too far out of the money earns too little)."""
    max_abs_delta: float = Field(0.50, ge=0.0, le=1.0)
    width: Bounds = Bounds(min=1.0, max=50.0)
    """Spread width in points of the underlying."""
    stop_distance_pct: Bounds = Bounds(min=0.2, max=10.0)
    """FX/crypto: |entry − stop| / entry in %."""
    min_data_quality: float = Field(0.80, ge=0.0, le=1.0)
    spread_quality_flag_pct: Pct = 15.0
    """Bid-ask spread / mid above this is flagged in the approval payload."""
    spread_quality_exclude_pct: Pct = 20.0
    """… and above this the trade is refused."""
    duplicate_window_seconds: int = Field(300, ge=0, le=86_400)
    price_collar_pct: Pct = 10.0
    """A limit price more than this % away from mid is refused …"""
    price_collar_min_abs: float = Field(0.05, ge=0.0)
    """… unless within this absolute distance (cheap spreads have tiny mids)."""
    max_contracts_per_order: int = Field(50, ge=1)
    max_contracts_per_day: int = Field(200, ge=1)
    max_notional_per_order: float = Field(250_000.0, gt=0.0)
    restricted_symbols: tuple[str, ...] = ()
    """Underlyings or instrument symbols never traded (matched case-insensitively)."""
    max_quote_age_seconds: float = Field(15.0, gt=0.0, le=3_600.0)
    allow_naked_short_options: bool = False
    min_buying_power_buffer_pct: Pct = 0.0
    """Buying power that must remain unused after the trade, % of NAV."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min_dte > self.max_dte:
            raise ValueError(f"min_dte {self.min_dte} is greater than max_dte {self.max_dte}")
        if self.min_abs_delta > self.max_abs_delta:
            raise ValueError("min_abs_delta must not exceed max_abs_delta")
        if self.spread_quality_flag_pct > self.spread_quality_exclude_pct:
            raise ValueError("spread_quality_flag_pct must not exceed spread_quality_exclude_pct")
        if self.max_contracts_per_order > self.max_contracts_per_day:
            raise ValueError("max_contracts_per_order must not exceed max_contracts_per_day")
        return self


class BreakerAction(StrEnum):
    """What a tripped breaker does: size down, allow only reducing orders, or stop everything."""

    REDUCE_SIZING = "reduce_sizing"
    HALT_NEW_TRADES = "halt_new_trades"  # trading state REDUCING
    HALT_ALL = "halt_all"  # trading state HALTED


class CircuitBreakers(_Frozen):
    """Loss and regime breakers. A trip is latched: only an operator resume clears it."""

    daily_loss_halt_pct: Pct = 2.0
    daily_loss_action: BreakerAction = BreakerAction.HALT_NEW_TRADES
    weekly_loss_halt_pct: Pct = 5.0
    weekly_loss_action: BreakerAction = BreakerAction.HALT_ALL
    drawdown_reduce_pct: Pct = 10.0
    """Drawdown from the NAV peak that cuts all sizing by `drawdown_sizing_multiplier`."""
    drawdown_sizing_multiplier: float = Field(0.5, gt=0.0, le=1.0)
    drawdown_halt_pct: Pct | None = 15.0
    drawdown_halt_action: BreakerAction = BreakerAction.HALT_NEW_TRADES
    high_vol_regimes: tuple[str, ...] = ("risk_off",)
    high_vol_sizing_multiplier: float = Field(0.5, gt=0.0, le=1.0)
    crisis_regimes: tuple[str, ...] = ("crisis",)
    crisis_action: BreakerAction = BreakerAction.HALT_NEW_TRADES
    position_loss_pct: Pct | None = None
    """Level 1 (seed 004): one position losing this % of NAV → that underlying REDUCING."""
    underlying_daily_loss_pct: Pct | None = None
    """Level 2 (seed 004): today's loss in one underlying, % of NAV → that underlying REDUCING."""
    portfolio_emergency_loss_pct: Pct | None = None
    """Level 3 (seed 004): today's portfolio loss, % of NAV → HALTED globally."""

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.drawdown_halt_pct is not None and self.drawdown_halt_pct < self.drawdown_reduce_pct:
            raise ValueError("drawdown_halt_pct must not be below drawdown_reduce_pct")
        if self.daily_loss_halt_pct > self.weekly_loss_halt_pct:
            raise ValueError("daily_loss_halt_pct must not exceed weekly_loss_halt_pct")
        if self.drawdown_halt_action is BreakerAction.REDUCE_SIZING:
            raise ValueError("drawdown_halt_action must halt (halt_new_trades or halt_all)")
        return self


class Protections(_Frozen):
    """Freqtrade-style protections: time-bound locks that expire by design (unlike breakers)."""

    stop_cooldown_minutes: int = Field(60, ge=0, le=10_080)
    """After a stop-out, no new entry in that underlying for this long."""
    stoploss_guard_max_stops: int = Field(3, ge=1, le=100)
    stoploss_guard_lookback_minutes: int = Field(1_440, ge=1, le=43_200)
    stoploss_guard_pause_minutes: int = Field(720, ge=0, le=43_200)
    """N stops of one bot within the lookback pause that bot for this long."""
    max_drawdown_lookback_hours: int = Field(48, ge=1, le=2_160)
    max_drawdown_window_pct: Pct = 6.0
    max_drawdown_pause_minutes: int = Field(720, ge=0, le=43_200)
    """Realized drawdown within the lookback above the limit pauses new entries everywhere."""


class LayerPolicy(_Frozen):
    """One strategy layer (seed 000): its own capital budget and limits, isolated from others."""

    capital_budget_pct: Pct
    """Capital the layer may commit (buying power its positions reserve), % of NAV."""
    max_heat_pct: Pct
    """Max loss at risk of the layer's positions, % of NAV."""
    max_single_underlying_pct: Pct | None = None
    """Max loss at risk in any one underlying from this layer, % of NAV."""
    max_underlying_capital_pct: Pct | None = None
    """Capital committed in any one underlying by this layer, % of NAV (crypto: the PRD's 3 %
    per token, enforced here whatever the template's sizing did)."""
    max_positions: int = Field(20, ge=0, le=10_000)
    max_loss_per_trade: float | None = Field(None, gt=0.0)
    """Replaces trade.max_loss_per_trade for this layer's trades (account currency)."""
    max_loss_per_trade_pct: Pct | None = None
    """Replaces trade.max_loss_per_trade_pct for this layer's trades (% of NAV)."""
    sizing_method: CapitalSizing | None = None
    """capital_pct: size this layer's trades by committed capital, whatever the bot's method."""
    capital_per_trade_pct: Pct | None = None
    """capital_pct: share of the layer's capital budget one trade may commit, %."""
    notional_margin_pct: float = Field(100.0, gt=0.0, le=100.0)
    """Capital an FX/crypto position in this layer commits, % of its notional in the account
    currency: 100 = unlevered (spot crypto); FX on margin at least the broker's rate (5 = 20:1)."""
    templates: tuple[str, ...] = ()
    """Templates the layer may trade; empty means any."""
    min_dte: int | None = Field(None, ge=0)
    max_dte: int | None = Field(None, ge=0)
    cash_secured_puts: bool = False
    """Short puts in this layer are cash-secured (wheel): reserve strike × multiplier."""
    daily_loss_halt_pct: Pct | None = None
    """Layer-level breaker: today's loss in this layer, % of NAV → this layer REDUCING."""
    enabled: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.min_dte is not None and self.max_dte is not None and self.min_dte > self.max_dte:
            raise ValueError(f"min_dte {self.min_dte} is greater than max_dte {self.max_dte}")
        if self.sizing_method is CapitalSizing.CAPITAL_PCT and not self.capital_per_trade_pct:
            raise ValueError("sizing_method capital_pct needs capital_per_trade_pct (share of the "
                             "layer's capital budget one trade may commit, > 0)")
        return self


class AlertPolicy(_Frozen):
    """When usage of a limit raises a warning before it becomes a denial."""

    warn_at_limit_fraction: float = Field(0.8, gt=0.0, le=1.0)


#: Reserved for positions and candidates without a layer (they fail the layer checks).
UNASSIGNED_LAYER = "unassigned"


def is_unlayered(name: str | None) -> bool:
    """True for a trade or position that names no strategy layer."""
    return not name or name == UNASSIGNED_LAYER


def _default_layers() -> dict[str, LayerPolicy]:
    """The shipped layers for a $100k simulation account (config/risk_policy.yaml says why)."""
    return {
        "L1_wheel": LayerPolicy(
            capital_budget_pct=15.0, max_heat_pct=15.0, max_single_underlying_pct=12.0, max_positions=3,
            max_loss_per_trade=25_000.0, max_loss_per_trade_pct=12.0,
            sizing_method=CapitalSizing.CAPITAL_PCT, capital_per_trade_pct=80.0,
            templates=("short_put", "wheel", "covered_call"), max_dte=60, cash_secured_puts=True),
        "L2_credit_spreads": LayerPolicy(capital_budget_pct=8.0, max_heat_pct=8.0,
                                         max_single_underlying_pct=4.0, max_dte=60, min_dte=7),
        "ZERO_DTE": LayerPolicy(capital_budget_pct=2.0, max_heat_pct=2.0, max_dte=0,
                                max_positions=5, daily_loss_halt_pct=1.0),
        "L3_fx": LayerPolicy(capital_budget_pct=15.0, max_heat_pct=4.0, max_positions=3,
                             notional_margin_pct=5.0, templates=("fx_momentum",)),
        "L4_crypto": LayerPolicy(capital_budget_pct=6.0, max_heat_pct=1.0, max_positions=2,
                                 max_underlying_capital_pct=3.0, templates=("crypto_momentum",)),
    }


class RiskPolicy(_Frozen):
    """The whole risk policy: portfolio, sizing, trade limits, breakers, protections, layers."""

    version: Literal["2.0"] = "2.0"
    profile: str | None = None
    """Name of a shipped profile (config/risk_profiles/<name>.yaml) layered over this file."""
    portfolio: PortfolioLimits = PortfolioLimits()
    sizing: SizingPolicy = SizingPolicy()
    trade: TradeLimits = TradeLimits()
    circuit_breakers: CircuitBreakers = CircuitBreakers()
    protections: Protections = Protections()
    layers: dict[str, LayerPolicy] = Field(default_factory=_default_layers, validate_default=True)
    """Strategy layers by name; every trade names one of them (see the module docstring).
    Empty: layers are off and only the portfolio-wide limits apply."""
    alerts: AlertPolicy = AlertPolicy()

    @field_validator("layers")
    @classmethod
    def _layer_budgets(cls, layers: dict[str, LayerPolicy], info: ValidationInfo) -> dict[str, LayerPolicy]:
        """Layer names are not the unassigned marker; budgets fit what min_cash_pct leaves."""
        reserved = [name for name in layers if is_unlayered(name)]
        if reserved:
            raise ValueError(f"{reserved[0]!r} cannot name a layer: it marks trades without one")
        portfolio = info.data.get("portfolio")
        min_cash = portfolio.min_cash_pct if isinstance(portfolio, PortfolioLimits) else 0.0
        total = sum(layer.capital_budget_pct for layer in layers.values() if layer.enabled)
        if total > 100.0 - min_cash + 1e-9:
            raise ValueError(f"enabled layers' capital budgets sum to {total:g} %, more than the "
                             f"{100.0 - min_cash:g} % that portfolio.min_cash_pct {min_cash:g} leaves "
                             "to commit (layers must not compete for the same capital)")
        return layers

    def layer(self, name: str) -> LayerPolicy | None:
        """The policy of a strategy layer, or None when the layer is not configured."""
        return self.layers.get(name)
