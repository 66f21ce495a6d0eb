"""The data every regime model reads: daily closes and macro series, validated and aligned as-of."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from dorado_tui.domain.errors import BadInput, DoradoError


class RegimeDataError(BadInput):
    """The market data handed to the regime radar is unusable (named frame and reason)."""

    title = "Regime data error"


class RegimeDataMissing(DoradoError):
    """There is no history to work on yet (exit 1: nothing the operator typed was wrong)."""

    title = "No regime data"


@dataclass(frozen=True)
class MarketFrames:
    """Daily history for the regime radar, one column per symbol or series.

    Every frame is indexed by calendar date (tz-naive `DatetimeIndex`, ascending, unique).
    `closes` holds instrument closes (SPY, QQQ, ..., VIX, VIX3M, BTC, ...); `macro` holds macro
    series (credit spread, 2s10s, rate differentials, funding rates); `highs` and `lows` are
    optional and only used for range-based indicators (ADX). Each series keeps its own calendar:
    crypto trades at weekends, equities do not; models align them as-of (see `asof_align`).
    """

    closes: pd.DataFrame
    macro: pd.DataFrame = field(default_factory=pd.DataFrame)
    highs: pd.DataFrame = field(default_factory=pd.DataFrame)
    lows: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        for name in ("closes", "macro", "highs", "lows"):
            _check_frame(name, getattr(self, name))
        if self.closes.empty:
            raise RegimeDataError("regime data: `closes` is empty")

    def until(self, last: pd.Timestamp | str) -> MarketFrames:
        """The same data cut at `last` (inclusive): what was known at the close of that day."""
        cut = pd.Timestamp(last)
        return MarketFrames(*(f.loc[:cut] for f in (self.closes, self.macro, self.highs, self.lows)))

    @property
    def last_date(self) -> pd.Timestamp:
        return pd.Timestamp(self.closes.index[-1])


def _check_frame(name: str, frame: pd.DataFrame) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise RegimeDataError(f"regime data: `{name}` must be a pandas DataFrame, got {type(frame).__name__}")
    if frame.empty:
        return
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        raise RegimeDataError(f"regime data: `{name}` must be indexed by date, got {type(index).__name__}")
    if index.tz is not None:
        raise RegimeDataError(f"regime data: `{name}` index must be tz-naive calendar dates, got tz={index.tz}")
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise RegimeDataError(f"regime data: `{name}` has a duplicate date {dup.date()}")
    if not index.is_monotonic_increasing:
        raise RegimeDataError(f"regime data: `{name}` dates are not in ascending order")


def asof_align(series: pd.Series | pd.DataFrame, calendar: pd.DatetimeIndex) -> pd.DataFrame:
    """Each calendar day gets the latest value dated on or before it (never a later one)."""
    frame = series.to_frame() if isinstance(series, pd.Series) else series
    if frame.empty:
        return pd.DataFrame(index=calendar)
    # forward-fill over the union then select: a value is carried forward, never backward
    union = frame.index.union(calendar)
    return frame.reindex(union).ffill().reindex(calendar)


def require_columns(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    """Raise a clear error naming the missing columns."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise RegimeDataError(f"regime data: {what} needs column(s) {', '.join(missing)}; "
                              f"available: {', '.join(map(str, frame.columns)) or 'none'}")


#: macro columns that must never reach a model (the simulator's answer key)
EXCLUDED_MACRO = ("sim_planted_regime",)
#: macro series the regime models read from the store (features, FX rate differentials)
REGIME_MACRO_SERIES = ("credit_spread", "curve_2s10s", "us2y", "us10y", "rate_diff_us_jp", "rate_diff_au_us")


def _session_dates(index: pd.Index) -> pd.DatetimeIndex:
    """Daily bars are stamped 00:00 UTC of their session date (the store's convention)."""
    stamps = pd.DatetimeIndex(index)
    if stamps.tz is not None:
        stamps = stamps.tz_convert("UTC").tz_localize(None)
    return stamps.normalize()


def frames_from_store(bars: dict[str, pd.DataFrame], macro: pd.DataFrame | None = None,
                      funding: dict[str, pd.Series] | None = None) -> MarketFrames:
    """MarketFrames from what the store returns: daily OHLCV per symbol (aware UTC stamps),
    macro series by date, and 8-hourly funding per perpetual (averaged per UTC day into
    `funding_<SYMBOL>`). The simulator's planted-regime column is dropped here, so no model can
    ever be fed the answer."""
    frames: dict[str, dict[str, pd.Series]] = {"close": {}, "high": {}, "low": {}}
    for symbol, frame in bars.items():
        if frame.empty:
            continue
        dated = frame.set_axis(_session_dates(frame.index))
        for field_name in frames:
            frames[field_name][symbol] = dated[field_name].astype(float)
    if not frames["close"]:
        raise RegimeDataMissing("regime data: no daily bars in the store (run `dorado data simulate` or "
                                "`dorado data import`)")
    macro_out = pd.DataFrame()
    if macro is not None and not macro.empty:
        macro_out = macro.drop(columns=[c for c in EXCLUDED_MACRO if c in macro.columns]).dropna(axis=1, how="all")
        macro_out = macro_out.set_axis(pd.DatetimeIndex(pd.to_datetime(macro_out.index))).astype(float)
    for symbol, rates in (funding or {}).items():
        if rates.empty:
            continue
        daily = rates.groupby(_session_dates(rates.index)).mean().rename(f"funding_{symbol}")
        macro_out = daily.to_frame() if macro_out.empty else macro_out.join(daily, how="outer")
    return MarketFrames(closes=pd.DataFrame(frames["close"]).sort_index(), macro=macro_out.sort_index(),
                        highs=pd.DataFrame(frames["high"]).sort_index(), lows=pd.DataFrame(frames["low"]).sort_index())
