"""Simulator parameters (`config/market_sim.yaml`): regimes, assets, macro series, chains, defects.

Every field has a default, so an empty file is valid; `load_market_sim_config` deep-merges a
partial YAML onto the defaults, so an operator can change one regime's duration without
repeating the whole table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: The planted regimes, in their natural order from quiet to violent and back.
REGIMES: tuple[str, ...] = ("calm", "normal", "stressed", "crisis", "recovery")

#: Factors of the cross-asset correlation model: equity, global risk, rates (bond rally),
#: crypto, dollar, gold.
FACTORS: tuple[str, ...] = ("equity", "risk", "rates", "crypto", "dollar", "gold")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegimeParams(_Frozen):
    """One hidden regime: how long it lasts, where it goes, and what it does to the market."""

    duration_days: float = Field(gt=5, description="mean episode length in calendar days")
    min_days: int = Field(ge=1, description="shortest episode in calendar days")
    next: dict[str, float] = Field(description="probabilities of the regime that follows")
    stress: float = Field(ge=0, le=1, description="0 = calm correlations, 1 = crisis correlations")
    equity_vol_range: tuple[float, float] = Field(
        description="configured band for SPX annualised vol; the simulator targets its middle")
    equity_drift: float = Field(description="SPX annual log drift")
    vrp: float = Field(ge=0, le=1, description="implied over expected vol (variance risk premium)")
    credit_spread: float = Field(gt=0, description="credit spread target, percent")
    curve_2s10s: float = Field(description="10y minus 2y target, percent")
    funding_bp: float = Field(description="crypto perp funding per 8 h, basis points")
    jumps_per_year: float = Field(ge=0, description="market-wide jump intensity")
    jump_mean: float = Field(description="mean log jump of SPX")
    jump_std: float = Field(ge=0, description="std of the log jump of SPX")
    skew: float = Field(le=0, description="IV slope per standard deviation of log-moneyness")
    smile: float = Field(ge=0, description="IV curvature per squared standard deviation")
    volume_mult: float = Field(gt=0, description="traded volume relative to normal")
    spread_mult: float = Field(gt=0, description="option bid/ask width relative to normal")

    @property
    def target_vol(self) -> float:
        lo, hi = self.equity_vol_range
        return 0.5 * (lo + hi)


class AssetParams(_Frozen):
    """One simulated instrument whose price follows its own return stream."""

    kind: Literal["equity", "index", "fx", "crypto"]
    start_price: float = Field(gt=0)
    vol_scale: dict[str, float] = Field(description="annual vol per regime; for equities a multiple of SPX")
    drift_scale: dict[str, float] = Field(description="annual log drift per regime; equities: × SPX")
    relative_to_spx: bool = Field(description="vol and drift are multiples of the SPX regime figures")
    loadings_calm: dict[str, float]
    loadings_crisis: dict[str, float]
    jump_beta: float = Field(description="exposure to the market-wide jump")
    vol_beta: float = Field(ge=0, description="exposure to the common stochastic-vol factor")
    dividend_yield: float = Field(ge=0, default=0.0)
    dividend_months: tuple[int, ...] = ()
    dividend_rule: Literal["none", "third_friday", "after_third_friday", "first_session"] = "none"
    tick: float = Field(gt=0, default=0.01)
    base_volume: float = Field(gt=0)
    longrun_vol: float = Field(gt=0, description="long-run implied vol the term structure reverts to")
    option_style: Literal["none", "american", "european"] = "none"

    def regime_vol(self, regime: str, spx_vol: float) -> float:
        scale = self.vol_scale[regime]
        return scale * spx_vol if self.relative_to_spx else scale

    def regime_drift(self, regime: str, spx_drift: float) -> float:
        scale = self.drift_scale[regime]
        return scale * spx_drift if self.relative_to_spx else scale


class DerivedEtfParams(_Frozen):
    """An ETF that tracks an index at a fixed ratio (SPY = SPX / 10) and pays its own dividend."""

    parent: str = "SPX"
    ratio: float = Field(gt=0)
    dividend_yield: float = Field(ge=0)
    dividend_months: tuple[int, ...] = ()
    dividend_rule: Literal["none", "third_friday", "after_third_friday", "first_session"] = "none"
    base_volume: float = Field(gt=0)
    tick: float = Field(gt=0, default=0.01)


class DefectRates(_Frozen):
    """How often the chain-quality defects of the PRD are injected (probabilities, 0 = never)."""

    stale_greeks: float = Field(0.0, ge=0, le=1, description="chains whose Greeks are from an older spot")
    wide_spreads: float = Field(0.0, ge=0, le=1, description="share of illiquid strikes with blown-out quotes")
    partial_chain: float = Field(0.0, ge=0, le=1, description="chains missing Greeks on many contracts")
    iv_mismatch: float = Field(0.0, ge=0, le=1, description="chains whose IV/Greeks come from another model")
    pacing: float = Field(0.0, ge=0, le=1, description="requests refused with a pacing error")
    pacing_limit_per_s: int = Field(50, ge=1, description="messages per second before a pacing error")

    @property
    def any(self) -> bool:
        return any(x > 0 for x in (self.stale_greeks, self.wide_spreads, self.partial_chain,
                                   self.iv_mismatch, self.pacing))


class ChainParams(_Frozen):
    """Listing rules and quoting conventions for option chains."""

    daily_expiry_underlyings: tuple[str, ...] = ("SPY", "QQQ", "IWM", "SPX")
    daily_expiries_ahead: int = Field(10, ge=0, description="sessions of daily expirations listed")
    weekly_expiries_ahead: int = Field(8, ge=0)
    monthly_expiries_ahead: int = Field(12, ge=0)
    strike_std_range: float = Field(4.5, gt=0, description="strikes listed to ± this many σ√T")
    min_strike_range: float = Field(0.04, gt=0, description="at least ± this fraction of spot")
    max_strike_range: float = Field(0.6, gt=0, le=0.95)
    base_half_spread: dict[str, float] = Field(default_factory=lambda: {
        "SPY": 0.01, "QQQ": 0.01, "IWM": 0.01, "TLT": 0.02, "GLD": 0.02, "SPX": 0.10})
    spread_pct_of_price: float = Field(0.004, ge=0, description="half-spread as a share of the option price")
    otm_spread_slope: float = Field(0.35, ge=0, description="extra relative width per σ out of the money")
    liquidity: dict[str, float] = Field(default_factory=lambda: {
        "SPY": 1.0, "QQQ": 0.8, "IWM": 0.55, "TLT": 0.3, "GLD": 0.3, "SPX": 0.9})
    base_open_interest: dict[str, float] = Field(default_factory=lambda: {
        "SPY": 60000.0, "QQQ": 40000.0, "IWM": 25000.0, "TLT": 8000.0, "GLD": 6000.0, "SPX": 30000.0})


class MarketSimConfig(_Frozen):
    """Every knob of the simulated market."""

    regimes: dict[str, RegimeParams]
    assets: dict[str, AssetParams]
    spy: DerivedEtfParams
    start_regime: str = "normal"
    non_session_weight: float = Field(0.12, ge=0, le=1, description="variance of a closed day vs a session day")
    overnight_share: float = Field(0.2, ge=0, lt=1, description="share of a session day's variance in the open gap")
    sv_half_life_days: float = Field(20.0, gt=0, description="half-life of the common log-vol factor")
    sv_std: float = Field(0.15, ge=0, description="stationary std of the common log-vol factor")
    leverage: float = Field(-0.7, ge=-1, le=1, description="correlation of vol shocks with SPX returns")
    vol_adjust_per_day: float = Field(0.3, gt=0, le=1, description="speed at which vol moves to a new regime")
    vol_half_life_days: float = Field(60.0, gt=0, description="implied-vol term structure mean reversion")
    longrun_equity_vol: float = Field(0.18, gt=0)
    term_premium: float = Field(0.05, ge=0, description="implied vol lift per √year of maturity")
    skew_uplift: float = Field(1.06, ge=1, description="VIX over SPX 30-day ATM vol")
    credit_half_life_days: float = Field(12.0, gt=0)
    curve_half_life_days: float = Field(40.0, gt=0)
    tlt_duration: float = Field(17.0, gt=0, description="maps TLT returns to 10y yield changes")
    crypto_jumps_per_year: float = Field(6.0, ge=0)
    crypto_jump_std: float = Field(0.06, ge=0)
    vix_noise_std: float = Field(0.04, ge=0, description="daily log noise of implied-vol levels")
    vix_noise_half_life_days: float = Field(3.0, gt=0)
    vix_intraday_vol: float = Field(0.05, ge=0, description="VIX session log-vol for intraday bars")
    chains: ChainParams = Field(default_factory=ChainParams)
    defects: DefectRates = Field(default_factory=DefectRates)

    @model_validator(mode="before")
    @classmethod
    def _onto_defaults(cls, data: Any) -> Any:
        """A partial document (one regime's duration, a defect rate) is merged onto the defaults."""
        from dorado_tui.market.defaults import DEFAULTS

        if data is None:
            return DEFAULTS
        return _deep_merge(DEFAULTS, data) if isinstance(data, dict) else data

    @field_validator("regimes")
    @classmethod
    def _all_regimes(cls, value: dict[str, RegimeParams]) -> dict[str, RegimeParams]:
        if tuple(value) != REGIMES:
            raise ValueError(f"regimes must be exactly {', '.join(REGIMES)} in that order")
        for name, params in value.items():
            unknown = set(params.next) - set(REGIMES)
            if unknown or name in params.next:
                raise ValueError(f"regime {name}: 'next' names {sorted(unknown) or name}")
            total = sum(params.next.values())
            if abs(total - 1.0) > 1e-9:
                raise ValueError(f"regime {name}: 'next' probabilities sum to {total:g}, not 1")
            lo, hi = params.equity_vol_range
            if not 0 < lo < hi:
                raise ValueError(f"regime {name}: equity_vol_range must be 0 < low < high")
        return value

    @model_validator(mode="after")
    def _assets_complete(self) -> MarketSimConfig:
        for symbol, asset in self.assets.items():
            for table in (asset.vol_scale, asset.drift_scale):
                if set(table) != set(REGIMES):
                    raise ValueError(f"asset {symbol}: per-regime tables need exactly {', '.join(REGIMES)}")
            for loads in (asset.loadings_calm, asset.loadings_crisis):
                unknown = set(loads) - set(FACTORS)
                if unknown:
                    raise ValueError(f"asset {symbol}: unknown factors {sorted(unknown)}")
                if sum(v * v for v in loads.values()) >= 1.0:
                    raise ValueError(f"asset {symbol}: factor loadings must have squared norm < 1")
        if "SPX" not in self.assets:
            raise ValueError("the simulated universe needs SPX (equity vols are multiples of it)")
        if self.start_regime not in REGIMES:
            raise ValueError(f"start_regime must be one of {', '.join(REGIMES)}")
        return self

    def regime_index(self, name: str) -> int:
        return REGIMES.index(name)


def default_config() -> MarketSimConfig:
    """The shipped defaults (see `dorado_tui.market.defaults`)."""
    return MarketSimConfig.model_validate({})


#: Mappings replaced whole rather than merged: a transition table given in part must still sum to 1.
_ATOMIC = frozenset({"next"})


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key not in _ATOMIC:
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def config_from_mapping(data: dict[str, Any] | None) -> MarketSimConfig:
    """Defaults deep-merged with `data` (a parsed YAML document), validated."""
    return MarketSimConfig.model_validate(data or {})


def load_market_sim_config(path: Path | None) -> MarketSimConfig:
    """Read `market_sim.yaml` (missing file → defaults). Raises ConfigError naming every problem."""
    from pydantic import ValidationError

    from dorado_tui.domain.errors import ConfigError

    if path is None or not path.exists():
        return default_config()
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    try:
        return config_from_mapping(data)
    except ValidationError as exc:
        problems = [f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(f"{path}: {len(problems)} problem(s)", problems) from exc
