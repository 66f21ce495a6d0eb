"""`dorado data`: simulate history into the store, import OHLCV CSV, show and export bars."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from commands.common import HomeOpt, JsonOpt, console, emit_json, exit_on_error, sub_app

app = sub_app("Market data: simulated history, CSV import, inspection and export.")


def _config(home: Path | None) -> Any:
    from dorado_tui.home import resolve_home
    from dorado_tui.settings import load_config

    return load_config(resolve_home(home))


def _with_db(url: str, work: Any) -> Any:
    """Run `work(db)` (a coroutine function) against the store at `url`."""
    import asyncio

    from dorado_tui.store.database import Database

    async def run() -> Any:
        async with Database(url) as db:
            return await work(db)

    return asyncio.run(run())


@app.command()
def simulate(
    years: Annotated[int, typer.Option("--years", min=1, max=30, help="Years of daily history (1–30).")] = 10,
    seed: Annotated[int | None, typer.Option("--seed", min=0, help="Market seed (default: simulation.seed "
                                              "of dorado.yaml).")] = None,
    reset_venue: Annotated[bool, typer.Option("--reset-venue", help="Delete simulation-venue accounts bound to "
                                              "a different simulated market.")] = False,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Generate seeded history for every simulated symbol (SPY QQQ IWM TLT GLD SPX USDJPY AUDUSD
    BTC ETH VIX VIX3M), macro series, implied-vol history, crypto funding and the planted regime
    path, and write them into the store. The same seed and config/market_sim.yaml always give the
    same market.

    Exit codes: 0 ok, 1 store failure, 2 bad input or configuration.
    """
    from dorado_tui.domain.clock import RealClock
    from dorado_tui.engine.runtime import TWIN_STATE_FILE
    from dorado_tui.market import data_service
    from dorado_tui.market.config import load_market_sim_config
    from dorado_tui.venues.simulation.state import STATE_FILE

    with exit_on_error(json_out):
        config = _config(home)
        url = config.store_url()
        chosen = config.dorado.simulation.seed if seed is None else seed
        market_config = load_market_sim_config(config.home.config_dir / "market_sim.yaml")
        with _Progress(enabled=not json_out) as report:
            result = _with_db(url, lambda db: data_service.simulate_into_store(
                db, url, config.home.state_dir, years, chosen, RealClock().now(), report,
                venue_files=(STATE_FILE, TWIN_STATE_FILE), config=market_config))
        if reset_venue and result.stale_venues:
            data_service.remove_venue_files([Path(p) for p in result.stale_venues])
    if json_out:
        emit_json({"ok": True, **result.as_dict(), "venues_reset": reset_venue and bool(result.stale_venues)})
        return
    _print_simulation(result, reset_venue)


class _Progress:
    """A rich progress bar on stderr fed by (what, done, total) callbacks."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.task: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return lambda *_: None
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("{task.description:<14}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                            TimeElapsedColumn(), console=console(stderr=True), transient=True)
        self.bar.start()
        self.task = self.bar.add_task("starting", total=1)

        def report(what: str, done: int, total: int) -> None:
            self.bar.update(self.task, description=what, completed=done, total=total)

        return report

    def __exit__(self, *_exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_simulation(result: Any, reset_venue: bool) -> None:
    out = console()
    bars = sum(result.bars.values())
    out.print(f"Simulated {result.start} → {result.end} (seed {result.seed}, world from {result.world_start}) "
              f"in {result.seconds:.1f} s", markup=False, soft_wrap=True)
    out.print(f"  bars:    {bars:,} daily bars for {len(result.bars)} symbols", markup=False)
    out.print(f"  series:  {result.macro_rows:,} macro values, {result.iv_rows:,} IV values, "
              f"{result.funding_rows:,} funding fixings", markup=False)
    share = ", ".join(f"{k} {v}" for k, v in sorted(result.regime_days.items()))
    out.print(f"  regimes: {share} (days)", markup=False, soft_wrap=True)
    for path in result.stale_venues:
        verb = "deleted" if reset_venue else "still trades an older simulated market (use --reset-venue)"
        out.print(f"  venue:   {path} {verb}", markup=False, soft_wrap=True)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV file: Yahoo layout or date,open,high,low,close,volume.")],
    symbol: Annotated[str, typer.Option("--symbol", help="Symbol to store the bars under.")],
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Import the good rows of a file that has bad ones.")] = False,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import daily OHLCV bars from a CSV file. Every bad row is reported with its line number
    (unparseable date or number, non-positive price, high below low, open/close outside the
    range, duplicate or decreasing dates); a file with bad rows imports nothing unless
    --skip-bad. Existing bars of the same dates are replaced.

    Exit codes: 0 ok, 1 store failure, 2 bad file or input (nothing imported).
    """
    from dorado_tui.market import data_service

    with exit_on_error(json_out):
        url = _config(home).store_url()
        result = _with_db(url, lambda db: data_service.import_csv(db, url, file, symbol, skip_bad))
    if json_out:
        emit_json({"ok": True, **result.as_dict()})
        return
    out = console()
    out.print(f"Imported {result.imported} bars of {result.symbol} ({result.first} → {result.last}, "
              f"{result.layout} layout) from {result.path}", markup=False, soft_wrap=True)
    if result.rejected:
        out.print(f"Skipped {len(result.rejected)} bad row(s):", markup=False)
        for line in result.rejected:
            out.print(f"  {line}", markup=False, soft_wrap=True)


@app.command()
def show(
    symbol: Annotated[str, typer.Argument(help="Symbol whose stored daily bars to show.")],
    last: Annotated[int, typer.Option("--last", min=1, max=1000, help="How many of the latest bars.")] = 10,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show the last daily bars of a symbol and its coverage (first/last date, count, gaps).

    Exit codes: 0 ok, 1 store failure, 2 unknown symbol.
    """
    from dorado_tui.market import data_service

    with exit_on_error(json_out):
        url = _config(home).store_url()
        found = _with_db(url, lambda db: data_service.show(db, url, symbol, last))
    if json_out:
        emit_json({"ok": True, **found})
        return
    from rich.table import Table

    table = Table(title=f"{found['symbol']} daily: {found['bars']} bars, {found['first']} → {found['last']}, "
                        f"{found['gaps_over_5_days']} gap(s) over 5 days")
    for col in ("date", "open", "high", "low", "close", "volume"):
        table.add_column(col, justify="left" if col == "date" else "right")
    for row in found["rows"]:
        table.add_row(row["date"], *(f"{row[c]:,.4f}" for c in ("open", "high", "low", "close")),
                      f"{row['volume']:,.0f}")
    console().print(table)


@app.command()
def export(
    symbols: Annotated[list[str] | None, typer.Argument(help="Symbols to export (default: every stored one).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="Folder (default: the home's state/exports).")] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Export stored daily bars, one file per symbol (SYMBOL_1d.csv or .parquet).

    Exit codes: 0 ok, 1 store failure, 2 unknown symbol or format.
    """
    from dorado_tui.market import data_service

    with exit_on_error(json_out):
        config = _config(home)
        url = config.store_url()
        folder = out or config.home.exports_dir
        written = _with_db(url, lambda db: data_service.export(db, url, folder, symbols, fmt.lower()))
    if json_out:
        emit_json({"ok": True, "files": written})
        return
    for w in written:
        console().print(f"{w['symbol']}: {w['rows']} bars → {w['file']}", markup=False, soft_wrap=True)
