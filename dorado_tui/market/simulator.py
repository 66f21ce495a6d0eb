"""`SimulatedMarket`: the seeded market the demo, the tests and replays run against.

One object answers every question about the simulated world: daily and intraday bars, the
price and quote of any symbol at any instant, the planted regime path, macro series, funding,
implied-vol history, and (through `dorado_tui.market.chains`) option chains. The world is
generated from `(seed, start, config)` only and extends itself on demand: asking about a later
date regenerates a longer horizon whose past is bit-identical to the shorter one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta

import numpy as np

from dorado_tui.domain.clock import NEW_YORK
from dorado_tui.market.config import REGIMES, MarketSimConfig, default_config
from dorado_tui.market.intraday import MinuteBars, session_minutes
from dorado_tui.market.paths import DailyPaths, generate
from dorado_tui.market.series import SymbolSeries, build_all
from dorado_tui.market.spec import MarketSpec
from dorado_tui.market.surface import SurfaceState, kappa_per_year

#: Every symbol the simulator quotes.
SYMBOLS: tuple[str, ...] = ("SPY", "QQQ", "IWM", "TLT", "GLD", "SPX", "USDJPY", "AUDUSD", "BTC",
                            "ETH", "VIX", "VIX3M")
OPTIONABLE: tuple[str, ...] = ("SPY", "QQQ", "IWM", "TLT", "GLD", "SPX")
_EXTEND_DAYS = 730
_MINUTE_CACHE = 64


class SimulatedMarket:
    """The simulated world for one `MarketSpec` (thread-safe; extends its horizon lazily)."""

    def __init__(self, spec: MarketSpec | None = None, config: MarketSimConfig | None = None,
                 until: date | None = None) -> None:
        self.spec = spec or MarketSpec.default()
        self.config = config or default_config()
        self._lock = threading.RLock()
        self._minutes: OrderedDict[tuple[str, int], MinuteBars] = OrderedDict()
        self._paths: DailyPaths | None = None
        self._series: dict[str, SymbolSeries] = {}
        self._build(until or datetime.now(UTC).date() + timedelta(days=_EXTEND_DAYS // 2))

    @property
    def seed(self) -> int:
        return self.spec.seed

    @property
    def start(self) -> date:
        return self.spec.start

    @property
    def paths(self) -> DailyPaths:
        assert self._paths is not None
        return self._paths

    @property
    def horizon_end(self) -> date:
        return self.start + timedelta(days=self.paths.n_days - 1)

    def _build(self, until: date) -> None:
        n_days = max((until - self.start).days + 1, 1)
        self._paths = generate(self.config, self.seed, self.start, n_days)
        self._series = build_all(self.config, self._paths)
        self._minutes.clear()

    def ensure(self, day: date) -> None:
        """Make sure the world covers `day` (regenerates a longer, prefix-identical horizon)."""
        if day < self.start:
            raise ValueError(f"{day} is before the simulated market starts ({self.start})")
        with self._lock:
            if day > self.horizon_end:
                self._build(day + timedelta(days=_EXTEND_DAYS))

    # ----------------------------------------------------------------- sessions and regimes

    def series(self, symbol: str) -> SymbolSeries:
        try:
            return self._series[symbol]
        except KeyError:
            raise KeyError(f"unknown simulated symbol {symbol!r} (known: {', '.join(SYMBOLS)})") from None

    def day_index(self, day: date) -> int:
        self.ensure(day)
        return (day - self.start).days

    def regime_on(self, day: date) -> str:
        """The planted regime of a calendar day."""
        return REGIMES[int(self.paths.regime[self.day_index(day)])]

    def planted_regimes(self, start: date | None = None, end: date | None = None) -> list[tuple[date, str]]:
        """(date, regime) for every calendar day in [start, end] (default: the whole horizon)."""
        lo = 0 if start is None else self.day_index(start)
        hi = self.paths.n_days - 1 if end is None else self.day_index(end)
        return [(self.start + timedelta(days=i), REGIMES[int(self.paths.regime[i])])
                for i in range(max(lo, 0), hi + 1)]

    def session_index_at(self, symbol: str, moment: datetime) -> int:
        """Index of the last session of `symbol` that opened at or before `moment`."""
        self.ensure(moment.astimezone(UTC).date() + timedelta(days=1))
        series = self.series(symbol)
        i = int(np.searchsorted(series.opens_utc, int(moment.timestamp()), side="right")) - 1
        if i < 0:
            raise ValueError(f"{moment.isoformat()} is before {symbol}'s first simulated session")
        return i

    def is_open(self, symbol: str, moment: datetime) -> bool:
        i = self.session_index_at(symbol, moment)
        return int(moment.timestamp()) < int(self.series(symbol).closes_utc[i])

    # ----------------------------------------------------------------- bars and prices

    def minutes(self, symbol: str, i: int) -> MinuteBars:
        """1-minute bars of session `i` of `symbol` (small LRU cache)."""
        key = (symbol, i)
        with self._lock:
            cached = self._minutes.get(key)
            if cached is not None:
                self._minutes.move_to_end(key)
                return cached
        bars = session_minutes(self.series(symbol), i, self.seed)
        with self._lock:
            self._minutes[key] = bars
            while len(self._minutes) > _MINUTE_CACHE:
                self._minutes.popitem(last=False)
        return bars

    def intraday(self, symbol: str, day: date, minutes: int = 1) -> MinuteBars:
        """The session of `day` in bars of 1 or 5 minutes (ValueError when it does not trade)."""
        if minutes not in (1, 5):
            raise ValueError(f"intraday bars come in 1 or 5 minutes, not {minutes}")
        self.ensure(day)
        i = self.series(symbol).index_of_day(np.datetime64(day, "D"))
        if i is None:
            raise ValueError(f"{symbol} has no session on {day}")
        return self.minutes(symbol, i).aggregate(minutes)

    def price_at(self, symbol: str, moment: datetime) -> tuple[float, datetime]:
        """The last traded price at `moment` and the instant it was set (a minute boundary)."""
        i = self.session_index_at(symbol, moment)
        series = self.series(symbol)
        t = int(moment.timestamp())
        close_t = int(series.closes_utc[i])
        bars = self.minutes(symbol, i)
        if t >= close_t:
            return float(bars.close[-1]), datetime.fromtimestamp(close_t, UTC)
        k = (t - int(series.opens_utc[i])) // 60
        if k == 0:
            return float(bars.open[0]), datetime.fromtimestamp(int(series.opens_utc[i]), UTC)
        return float(bars.close[k - 1]), datetime.fromtimestamp(int(bars.start[k - 1]) + 60, UTC)

    def session_close(self, symbol: str, day: date) -> float | None:
        """Unrounded close of the session dated `day` (None when it does not trade)."""
        self.ensure(day)
        series = self.series(symbol)
        i = series.index_of_day(np.datetime64(day, "D"))
        return None if i is None else float(self.minutes(symbol, i).close[-1])

    # ----------------------------------------------------------------- surface inputs

    def rate(self, day: date) -> float:
        """Short rate proxy (continuous, decimal): the simulated 2-year yield."""
        return float(self.paths.macro.us2y[self.day_index(day)] / 100.0)

    def dividend_yield(self, underlying: str) -> float:
        if underlying == "SPY":
            return self.config.spy.dividend_yield
        return self.config.assets[underlying].dividend_yield

    def surface_state(self, underlying: str, moment: datetime) -> SurfaceState:
        """Vol surface inputs at `moment`: blends the previous close and today's close state."""
        source = self.config.spy.parent if underlying == "SPY" else underlying
        local_day = moment.astimezone(NEW_YORK).date()
        d = self.day_index(local_day)
        a = self.paths.index(source)
        frac = self._session_fraction(source, moment)
        sig = self.paths.sigma_end[a]
        prev = max(d - 1, 0)
        sigma = float(sig[prev] ** (1 - frac) * sig[d] ** frac)
        noise = float((1 - frac) * self.paths.iv_noise[prev] + frac * self.paths.iv_noise[d])
        regime = self.config.regimes[REGIMES[int(self.paths.regime[d])]]
        asset = self.config.assets[source]
        return SurfaceState(sigma, asset.longrun_vol, regime.vrp, regime.skew, regime.smile, noise,
                            kappa_per_year(self.config.vol_half_life_days), self.config.term_premium)

    def _session_fraction(self, symbol: str, moment: datetime) -> float:
        series = self.series(symbol)
        i = self.session_index_at(symbol, moment)
        o, c = int(series.opens_utc[i]), int(series.closes_utc[i])
        if series.days[i] != np.datetime64(moment.astimezone(NEW_YORK).date(), "D"):
            return 0.0  # before today's open: still yesterday's state
        return float(min(max((moment.timestamp() - o) / (c - o), 0.0), 1.0))
