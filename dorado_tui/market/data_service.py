"""Data operations behind `dorado data`: simulate history into the store, import CSV, show, export.

Each function takes an open `Database` (the caller owns it) and returns a plain result the
command renders as a table or JSON. Writes go through the store's bulk repository functions,
one transaction per series so a failure leaves whole series, never half of one.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from dorado_tui.domain.errors import BadInput, StoreError
from dorado_tui.market import history
from dorado_tui.market.calendar import CalendarKind, sessions
from dorado_tui.market.config import MarketSimConfig
from dorado_tui.market.csv_import import ParsedCsv, read_csv
from dorado_tui.market.simulator import SimulatedMarket
from dorado_tui.market.spec import DEFAULT_START, MarketSpec, save_spec
from dorado_tui.store.database import Database
from dorado_tui.store.repos import series as series_repo

MAX_YEARS = 30
Progress = Callable[[str, int, int], None]  # (what, done, total)


@dataclass(frozen=True)
class SimulateResult:
    seed: int
    world_start: date
    start: date
    end: date
    bars: dict[str, int]
    macro_rows: int
    iv_rows: int
    funding_rows: int
    regime_days: dict[str, int]
    seconds: float
    stale_venues: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "world_start": self.world_start.isoformat(), "start": self.start.isoformat(),
                "end": self.end.isoformat(), "bars": self.bars, "macro_rows": self.macro_rows,
                "iv_rows": self.iv_rows, "funding_rows": self.funding_rows,
                "regime_days": self.regime_days, "seconds": round(self.seconds, 2),
                "stale_venues": list(self.stale_venues)}


def history_window(years: int, now: datetime) -> tuple[date, date]:
    """[start, end]: the last `years` years up to the last XNYS session closed before `now`."""
    if not 1 <= years <= MAX_YEARS:
        raise BadInput(f"--years must be between 1 and {MAX_YEARS}, got {years}")
    table = sessions(CalendarKind.XNYS, now.date() - timedelta(days=30), now.date())
    closed = int(pd.Index(table.closes).searchsorted(int(now.timestamp()), side="right")) - 1
    end = date.fromisoformat(str(table.days[closed]))
    try:
        start = end.replace(year=end.year - years)
    except ValueError:  # 29 February
        start = end.replace(year=end.year - years, day=28)
    return start, end


def market_spec(seed: int, start: date) -> MarketSpec:
    """The world for a history starting at `start`: the default start unless it begins earlier."""
    return MarketSpec(seed=seed, start=min(DEFAULT_START, date(start.year, 1, 2)))


def stale_venue_files(state_dir: Path, spec: MarketSpec, names: tuple[str, ...]) -> list[Path]:
    """Simulation-venue state files in `state_dir` bound to a different market than `spec`."""
    stale = []
    for name in names:
        path = state_dir / name
        if not path.exists():
            continue
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('seed', 'start')").fetchall())
        except sqlite3.Error:
            continue
        if meta.get("seed") != str(spec.seed) or meta.get("start") != f'"{spec.start.isoformat()}"':
            stale.append(path)
    return stale


def remove_venue_files(paths: list[Path]) -> None:
    for path in paths:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


async def require_schema(db: Database, url: str) -> None:
    """Refuse a store that was never migrated, with the command that fixes it."""
    from dorado_tui.store.migrate import current_revision_async, head_revision

    current = await current_revision_async(url)
    if current is None:
        raise StoreError(f"the store at {db.masked_url} is not initialised: run `dorado init` (or `dorado db upgrade`)")
    if current != head_revision():
        raise StoreError(f"the store at {db.masked_url} is at revision {current}, not {head_revision()}: "
                         "run `dorado db upgrade`")


@dataclass
class _Tally:
    bars: dict[str, int] = field(default_factory=dict)
    macro: int = 0
    iv: int = 0
    funding: int = 0


async def _write_all(db: Database, market: SimulatedMarket, start: date, end: date, progress: Progress) -> _Tally:
    tally = _Tally()
    symbols, ivs = history.history_symbols(), history.iv_underlyings()
    total = len(symbols) + len(ivs) + len(history.FUNDING_SYMBOLS) + 1
    done = 0
    for sym in symbols:
        progress(f"bars {sym}", done, total)
        bars = history.daily_bars(market, sym, start, end)
        async with db.transaction() as tx:
            tally.bars[sym] = await series_repo.upsert_bars(tx, sym, history.DAILY, bars)
        done += 1
    progress("macro series", done, total)
    macro = history.macro_frame(market, start, end)
    async with db.transaction() as tx:
        for name in macro.columns:
            tally.macro += await series_repo.upsert_macro(tx, str(name), macro[name])
    done += 1
    for u in ivs:
        progress(f"IV {u}", done, total)
        async with db.transaction() as tx:
            tally.iv += await series_repo.upsert_iv(tx, u, history.iv_history(market, u, start, end), "simulation")
        done += 1
    for sym in history.FUNDING_SYMBOLS:
        progress(f"funding {sym}", done, total)
        async with db.transaction() as tx:
            tally.funding += await series_repo.upsert_funding(tx, sym, history.funding_series(market, sym, start, end))
        done += 1
    progress("done", total, total)
    return tally


async def simulate_into_store(db: Database, url: str, state_dir: Path, years: int, seed: int, now: datetime,
                              progress: Progress | None = None, venue_files: tuple[str, ...] = (),
                              config: MarketSimConfig | None = None) -> SimulateResult:
    """Generate `years` of history for every simulated symbol and write it into the store; record
    the market spec under `state_dir` so the simulation venue continues the same path."""
    t0 = time.perf_counter()
    await require_schema(db, url)
    start, end = history_window(years, now)
    spec = market_spec(seed, start)
    market = SimulatedMarket(spec, config, until=end + timedelta(days=400))
    tally = await _write_all(db, market, start, end, progress or (lambda *_: None))
    save_spec(state_dir, spec)
    regimes = history.planted_regimes(market, start, end).value_counts()
    stale = tuple(str(p) for p in stale_venue_files(state_dir, spec, venue_files))
    return SimulateResult(seed, spec.start, start, end, tally.bars, tally.macro, tally.iv, tally.funding,
                          {str(k): int(v) for k, v in regimes.items()}, time.perf_counter() - t0, stale)


@dataclass(frozen=True)
class ImportResult:
    symbol: str
    path: str
    layout: str
    rows_read: int
    imported: int
    rejected: tuple[str, ...]
    first: date | None
    last: date | None

    def as_dict(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "file": self.path, "layout": self.layout, "rows_read": self.rows_read,
                "imported": self.imported, "rejected": list(self.rejected),
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None}


class ImportRejected(BadInput):
    """The file has bad rows and --skip-bad was not given: nothing was imported."""

    def __init__(self, path: Path, parsed: ParsedCsv) -> None:
        n = len(parsed.errors)
        super().__init__(f"{path}: {n} bad row(s); nothing imported (fix them or pass --skip-bad)")
        self.problems = [f"  {e}" for e in parsed.errors]
        self.parsed = parsed


async def import_csv(db: Database, url: str, path: Path, symbol: str, skip_bad: bool) -> ImportResult:
    """Import daily bars from a CSV file (all or nothing unless `skip_bad`)."""
    symbol = symbol.strip().upper()
    if not symbol or any(c.isspace() for c in symbol):
        raise BadInput(f"--symbol must be one word, got {symbol!r}")
    parsed = read_csv(path)
    if parsed.errors and not skip_bad:
        raise ImportRejected(path, parsed)
    if parsed.bars.empty:
        raise BadInput(f"{path}: no valid rows to import")
    await require_schema(db, url)
    async with db.transaction() as tx:
        n = await series_repo.upsert_bars(tx, symbol, history.DAILY, parsed.bars)
    days = parsed.bars.index
    return ImportResult(symbol, str(path), parsed.layout, parsed.rows_read, n,
                        tuple(str(e) for e in parsed.errors), days[0].date(), days[-1].date())


async def show(db: Database, url: str, symbol: str, last: int) -> dict[str, Any]:
    """The last `last` daily bars of a symbol and its coverage (first, last date, count, gaps)."""
    await require_schema(db, url)
    symbol = symbol.strip().upper()
    async with db.read() as tx:
        bars = await series_repo.load_bars(tx, symbol, history.DAILY)
    if bars.empty:
        raise BadInput(f"no daily bars stored for {symbol}: run `dorado data simulate` or `dorado data import`")
    days = bars.index.date
    gaps = int(((pd.Series(bars.index).diff().dt.days.fillna(1)) > 5).sum())
    return {"symbol": symbol, "timeframe": history.DAILY, "bars": len(bars), "first": days[0].isoformat(),
            "last": days[-1].isoformat(), "gaps_over_5_days": gaps,
            "rows": [{"date": d.date().isoformat(), **{k: float(v) for k, v in row.items()}}
                     for d, row in bars.tail(last).iterrows()]}


async def export(db: Database, url: str, out_dir: Path, symbols: list[str] | None, fmt: str) -> list[dict[str, Any]]:
    """Write stored daily bars to `out_dir` (one file per symbol, CSV or Parquet)."""
    if fmt not in ("csv", "parquet"):
        raise BadInput(f"--format must be csv or parquet, not {fmt!r}")
    await require_schema(db, url)
    async with db.read() as tx:
        stored = await series_repo.bar_symbols(tx, history.DAILY)
        wanted = [s.upper() for s in symbols] if symbols else sorted(stored)
        unknown = [s for s in wanted if s not in stored]
        if unknown:
            raise BadInput(f"no daily bars stored for {', '.join(unknown)}")
        frames = {s: await series_repo.load_bars(tx, s, history.DAILY) for s in wanted}
    return _write_files(frames, out_dir, fmt)


def _write_files(frames: dict[str, pd.DataFrame], out_dir: Path, fmt: str) -> list[dict[str, Any]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for sym, bars in frames.items():
        frame = bars.copy()
        frame.index = pd.Index(frame.index.date, name="date")
        path = out_dir / f"{sym}_{history.DAILY}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, float_format="%.10g")
        else:
            frame.to_parquet(path)
        written.append({"symbol": sym, "rows": len(frame), "file": str(path)})
    return written
