"""pandas adapters over the quant core's indicators: RSI, ADX, realised vol, rolling Hurst.

The kernels live in `dorado_tui.quant` (Wilder's definitions as TA-Lib computes them; Hurst by
DFA-1 or Anis-Lloyd R/S); here they only get a date index. All are trailing: row t reads ≤ t.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dorado_tui.quant import hurst as quant_hurst
from dorado_tui.quant import indicators as quant_ta
from dorado_tui.quant.volatility import close_to_close

TRADING_DAYS = 252


def rsi(close: pd.Series, period: int = 14) -> pd.Series:
    """Wilder RSI."""
    return pd.Series(quant_ta.rsi(close.to_numpy(dtype=float), period), index=close.index)


def adx(high: pd.Series, low: pd.Series, close: pd.Series, period: int = 14) -> pd.Series:
    """Wilder ADX."""
    dm = quant_ta.adx(high.to_numpy(dtype=float), low.to_numpy(dtype=float), close.to_numpy(dtype=float), period)
    return pd.Series(dm.adx, index=close.index)


def realized_vol(close: pd.Series, window: int, periods_per_year: float = TRADING_DAYS) -> pd.Series:
    """Annualised close-to-close volatility of log returns over a trailing window."""
    return pd.Series(close_to_close(close.to_numpy(dtype=float), window, periods_per_year), index=close.index)


def close_range(close: pd.Series) -> tuple[pd.Series, pd.Series]:
    """High/low stand-ins from closes only (max/min of today's and yesterday's close), used
    when a history has no intraday range: ADX then measures close-to-close directional moves."""
    prev = close.shift(1).fillna(close)
    return np.maximum(close, prev), np.minimum(close, prev)


def rolling_hurst(close: pd.Series, window: int = 100, method: str = "dfa") -> pd.Series:
    """Hurst exponent over the trailing `window` log returns (NaN before it fills)."""
    rets = np.diff(np.log(close.to_numpy(dtype=float)), prepend=np.nan)
    return pd.Series(quant_hurst.rolling_hurst(rets, window, method), index=close.index)
