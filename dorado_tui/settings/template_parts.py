"""Sections of a strategy template (PRD §3.6): legs, gate requirements, entry and management."""

from __future__ import annotations

from datetime import time
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from dorado_tui.settings.base import (
    FloatRange,
    Fraction,
    FxRegime,
    IntRange,
    MacroRegime,
    Percent,
    Section,
    TimeWindow,
    bad_value,
)


class Leg(Section):
    """One leg of the structure. Roles name legs; entry rules are keyed by role."""

    role: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    """Leg name, e.g. short_put, long_call, stock."""
    position: Literal["buy", "sell"]
    """buy (long) or sell (short)."""
    instrument: Literal["option", "stock", "spot"] = "option"
    """option, stock (covered calls, assignment) or spot (FX / crypto)."""
    right: Literal["put", "call", "from_direction"] | None = None
    """Option right; inferred from a role containing put/call; from_direction lets the entry
    direction choose (a vertical: bullish → puts, bearish → calls)."""
    ratio: int = Field(1, ge=1, le=10)
    """Contracts of this leg per unit of the structure (2 for a butterfly's body); for a stock
    leg, one unit is one option multiplier of shares (100)."""

    @model_validator(mode="before")
    @classmethod
    def _infer_right(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("instrument", "option") == "option" and "right" not in data:
            role = str(data.get("role", ""))
            if "put" in role:
                return {**data, "right": "put"}
            if "call" in role:
                return {**data, "right": "call"}
        return data

    @model_validator(mode="after")
    def _right_fits_instrument(self) -> Leg:
        if self.instrument == "option" and self.right is None:
            raise bad_value("an option leg needs a right", None, "put, call, from_direction")
        if self.instrument != "option" and self.right is not None:
            raise bad_value(f"a {self.instrument} leg has no right", self.right, "no right")
        return self


class RegimeRequirements(Section):
    """Gate 1: the regime the template trades in (missing or stale regime → neutral, flagged)."""

    allowed_regimes: tuple[MacroRegime, ...] = ()
    """Macro regimes that pass; empty = any."""
    blocked_regimes: tuple[MacroRegime, ...] = ()
    """Macro regimes that never pass."""
    min_regime_confidence: Fraction | None = None
    """Minimum probability of the current regime."""
    fx_regime_allowed: tuple[FxRegime, ...] = ()
    """FX factor regimes that pass (carry, momentum, mean_reversion, risk_off_unwind)."""
    trend_exists: bool | None = None
    """Crypto: require the trend classifier's 'trend exists' verdict."""
    hurst_min: Fraction | None = None
    """Minimum Hurst exponent (0.55 = trending)."""
    min_trend_confidence: Fraction | None = None
    """Crypto: minimum probability of the trend verdict."""


class Bounds(Section):
    """A [min, max] band; either side may be open."""

    min: float | None = None
    """Lower bound (inclusive)."""
    max: float | None = None
    """Upper bound (inclusive)."""

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise bad_value("min must not exceed max", f"min {self.min:g} > max {self.max:g}", "min ≤ max")
        return self


class IvRank(Bounds):
    """IV rank band, 0–100."""

    min: Percent | None = None
    """Minimum IV rank."""
    max: Percent | None = None
    """Maximum IV rank."""
    lookback_days: int = Field(252, ge=20, le=1260)
    """Trading days of IV history the rank is computed over."""


class TermStructure(Section):
    """Front/back implied-vol ratio."""

    max_contango_ratio: float | None = Field(None, gt=0, le=5)
    """Maximum front/back IV ratio."""
    min_contango_ratio: float | None = Field(None, gt=0, le=5)
    """Minimum front/back IV ratio."""


class RealizedVol(Bounds):
    """Annualised realised volatility band in percent (crypto)."""

    lookback_days: int = Field(14, ge=2, le=252)
    """Days of returns."""


class VolatilityRequirements(Section):
    """Gate 2: volatility conditions."""

    iv_rank: IvRank | None = None
    """IV rank band (options)."""
    term_structure: TermStructure | None = None
    """Term-structure bounds (options)."""
    vix_regime: Bounds | None = None
    """VIX band (options)."""
    vol_regime_allowed: tuple[Literal["low", "normal", "high"], ...] = ()
    """FX: vol regimes the strategy suits; empty = any."""
    realized_vol: RealizedVol | None = None
    """Crypto: tradeable realised-vol band."""


class RangeConfirmation(Section):
    """Price inside an ATR channel around a moving average (range-bound income trades)."""

    method: Literal["atr_channel"] = "atr_channel"
    """Only atr_channel for now."""
    lookback: int = Field(20, ge=2, le=500)
    """ATR lookback in days."""
    atr_multiplier: float = Field(1.5, gt=0, le=10)
    """Channel half-width in ATRs."""
    reference_ma: int = Field(20, ge=2, le=500)
    """Moving-average length the channel centres on."""
    min_inside_fraction: Fraction = 0.8
    """Share of the last reference_ma closes that must lie inside the channel."""


class TrendFilter(Section):
    """ADX trend filter."""

    method: Literal["adx"] = "adx"
    """Only adx for now."""
    max_adx: float | None = Field(None, ge=0, le=100)
    """Pass only below this ADX (range-bound)."""
    min_adx: float | None = Field(None, ge=0, le=100)
    """Pass only above this ADX (trending)."""
    lookback: int = Field(14, ge=2, le=200)
    """ADX lookback in days."""


class TrendConfirmation(Section):
    """Trend confirmation for momentum strategies."""

    hurst_min: Fraction | None = None
    """Minimum Hurst exponent."""
    adx_min: float | None = Field(None, ge=0, le=100)
    """Minimum ADX."""


class TechnicalRequirements(Section):
    """Gate 3: technical conditions."""

    range_confirmation: RangeConfirmation | None = None
    """ATR-channel range check."""
    trend_filter: TrendFilter | None = None
    """ADX filter."""
    trend_confirmation: TrendConfirmation | None = None
    """Hurst/ADX trend confirmation."""
    entry_method: Literal["breakout_of_20d_range", "pullback_to_20d_ma", "none"] | None = None
    """Entry trigger for directional strategies."""


DeltaRange = FloatRange


class LegEntry(Section):
    """How one leg's strike is chosen."""

    method: Literal["delta", "delta_and_support", "delta_and_resistance", "fixed_width",
                    "atm", "atm_offset"]
    """delta*: nearest to delta_target (and at S/R); fixed_width: width away from from_role;
    atm / atm_offset: at the money or strike_offset strikes away (0DTE, seed 004)."""
    delta_target: DeltaRange | None = None
    """[low, high] delta band; puts negative, calls positive; for a from_direction leg, |delta|."""
    width: float | None = Field(None, gt=0, le=1000)
    """Strike distance from from_role, in price units."""
    width_pct: float | None = Field(None, gt=0, le=20)
    """Strike distance from from_role, in percent of the underlying price (templates shared by
    underlyings of very different prices, e.g. SPY and SPX)."""
    from_role: str | None = None
    """The leg a fixed_width wing hangs from (default: the short leg of the same right)."""
    strike_offset: int | None = Field(None, ge=-10, le=10)
    """Listed strikes away from the money (ATM ±10)."""
    side: Literal["otm", "itm", "below", "above"] | None = None
    """Which side of from_role a fixed_width leg sits: otm (default: puts below, calls above),
    itm (the opposite), or explicitly below / above (a butterfly's lower and upper wings)."""
    support_buffer: Literal["at_or_below", "below"] | None = None
    """Where the short put sits relative to support."""
    resistance_buffer: Literal["at_or_above", "above"] | None = None
    """Where the short call sits relative to resistance."""

    @model_validator(mode="after")
    def _needs(self) -> LegEntry:
        needs = {"delta": "delta_target", "delta_and_support": "delta_target",
                 "delta_and_resistance": "delta_target", "atm_offset": "strike_offset"}.get(self.method)
        if needs and getattr(self, needs) is None:
            raise bad_value(f"method {self.method} needs {needs}", None, needs)
        if self.method == "fixed_width" and (self.width is None) == (self.width_pct is None):
            raise bad_value("method fixed_width needs exactly one of width and width_pct", None,
                            "width or width_pct")
        if self.delta_target and not all(-1.0 <= d <= 1.0 for d in self.delta_target):
            raise bad_value("delta_target outside [-1, 1]", list(self.delta_target), "-1 ≤ delta ≤ 1")
        return self


class Entry(Section):
    """Entry rules. Besides the fields below, one key per structure role holds that leg's rule."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, LegEntry] = Field(init=False)

    dte_range: IntRange | None = None
    """[min, max] calendar days to expiry ([0, 0] for 0DTE)."""
    strike_selection_priority: Literal["support_resistance_first", "delta_first"] | None = None
    """Which wins when delta target and S/R disagree (both variants are offered anyway)."""
    direction: Literal["from_model", "from_signal", "long", "short", "neutral"] | None = None
    """Directional strategies: who decides long or short."""
    order_type: Literal["limit", "market"] = "limit"
    """Entry order type."""
    entry_offset_atr: float | None = Field(None, ge=0, le=5)
    """Limit price this many ATRs from the current price."""
    time_window: TimeWindow | None = None
    """[start, end] exchange-local times entries are allowed (0DTE)."""

    @property
    def legs(self) -> dict[str, LegEntry]:
        """Per-role strike rules."""
        return dict(self.__pydantic_extra__ or {})


class ExitRule(Section):
    """A trigger and what to do when it fires."""

    trigger: Literal["short_strike_tested", "iv_rank_spike", "vol_zscore_above", "hurst_below"]
    """What fires the rule."""
    threshold: float | None = None
    """Level for iv_rank_spike, vol_zscore_above, hurst_below."""
    action: Literal["close_tested_side", "close_full", "reduce_half", "alert"] = "close_full"
    """What to do."""

    @model_validator(mode="after")
    def _threshold(self) -> ExitRule:
        if self.trigger != "short_strike_tested" and self.threshold is None:
            raise bad_value(f"trigger {self.trigger} needs a threshold", None, "a number")
        return self


class PriceTarget(Section):
    """A stop or target distance."""

    method: Literal["atr_multiple", "pct"]
    """atr_multiple: multiplier × ATR; pct: percent of the entry price."""
    multiplier: float | None = Field(None, gt=0, le=20)
    """ATR multiple."""
    pct: float | None = Field(None, gt=0, le=100)
    """Percent of entry price."""

    @model_validator(mode="after")
    def _complete(self) -> PriceTarget:
        needs = "multiplier" if self.method == "atr_multiple" else "pct"
        if getattr(self, needs) is None:
            raise bad_value(f"method {self.method} needs {needs}", None, needs)
        return self


class TrailingStop(Section):
    """ATR trailing stop."""

    enabled: bool = False
    """Whether it trails."""
    activation_atr: float = Field(1.5, ge=0, le=20)
    """Profit in ATRs before it starts trailing."""
    trail_distance_atr: float = Field(1.0, gt=0, le=20)
    """Distance kept behind the best price, in ATRs."""


class Roll(Section):
    """Rolling (MONITORING → SIGNAL_RECEIVED re-entry)."""

    enabled: bool = False
    """Whether positions are rolled instead of closed."""
    dte_trigger: int | None = Field(None, ge=0, le=365)
    """Roll at this DTE."""


class Management(Section):
    """Exit and adjustment rules, evaluated on the monitoring cadence."""

    profit_target_pct: float | None = Field(None, gt=0, le=100)
    """Close at this percent of the maximum profit (credit)."""
    stop_loss_pct: float | None = Field(None, gt=0, le=1000)
    """Close when the loss reaches this percent of the credit received."""
    dte_exit: int | None = Field(None, ge=0, le=365)
    """Close at this many days to expiry."""
    breach_action: ExitRule | None = None
    """Short-strike breach."""
    vol_exit: ExitRule | None = None
    """Volatility exit (IV-rank spike, vol z-score)."""
    hurst_exit: ExitRule | None = None
    """Trend broken (Hurst below threshold)."""
    roll: Roll = Roll()
    """Rolling."""
    stop_loss: PriceTarget | None = None
    """Directional stop."""
    profit_target: PriceTarget | None = None
    """Directional target."""
    time_exit_days: int | None = Field(None, ge=1, le=365)
    """Close after this many days held."""
    time_exit: time | None = None
    """Close at this exchange-local time on expiry day (0DTE)."""
    trailing_stop: TrailingStop | None = None
    """Trailing stop."""


class Constraints(Section):
    """What a resolved candidate must satisfy; a template no chain can meet yields
    "no candidate: <why>" instead of a poor trade."""

    min_credit_to_width: Fraction | None = None
    """Credit spreads: minimum net credit / spread width (0.25 = a quarter of the width)."""
    min_credit: float | None = Field(None, ge=0, le=100_000)
    """Minimum net credit per share (premium per unit ÷ multiplier)."""
    max_debit: float | None = Field(None, ge=0, le=100_000)
    """Debit structures: maximum net debit per share."""
    min_pop: Fraction | None = None
    """Minimum probability of profit at expiry (0.60 = 60 %)."""
    min_open_interest: int | None = Field(None, ge=0, le=10_000_000)
    """Every option leg needs at least this open interest."""
    max_expiries: int = Field(2, ge=1, le=6)
    """How many expirations inside the DTE range are resolved (those nearest its middle)."""


class Lifecycle(Section):
    """Follow-on templates (the wheel: short put → assignment → covered call → called away)."""

    on_assignment: str | None = Field(None, pattern=r"^[a-z0-9_]+$")
    """Template to run on the assigned shares."""
    on_called_away: str | None = Field(None, pattern=r"^[a-z0-9_]+$")
    """Template to return to when shares are called away."""


class TemplateSizing(Section):
    """Sizing; normally the bot's."""

    method: Literal["from_bot_config", "fixed_risk_pct", "vol_adjusted", "adaptive_rules"] = "from_bot_config"
    """from_bot_config uses the bot's sizing block."""
    hard_cap_pct: float | None = Field(None, gt=0, le=100)
    """Never more than this percent of the portfolio per position."""
