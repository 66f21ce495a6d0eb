"""`dorado regime`: published regime states, their history with a chart, training and publishing.

The service over the store comes from `dorado_tui.engine.regime_updates` (shared with the
scheduler's daily job and the console).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from commands.common import HomeOpt, JsonOpt, console, emit_json, exit_on_error

app = typer.Typer(help="Regime radar: macro HMM, correlation PCA, FX and crypto models.",
                  invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]},
                  rich_markup_mode=None, pretty_exceptions_enable=False)

DateOpt = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Date (YYYY-MM-DD).")]
MODELS = ("macro", "correlation", "fx", "crypto")
#: one marker letter per regime so the chart reads without colour
MARKERS = {"risk_on": "O", "goldilocks": "G", "transition": "T", "risk_off": "F", "crisis": "C",
           "recovery": "R", "concentrated": "C", "diversified": "D", "carry": "C", "momentum": "M",
           "mean_reversion": "V", "risk_off_unwind": "U", "trending": "T", "no_trend": "N"}


def _run(home: Any, work: Any) -> Any:
    """Open the runtime of the home and run `work(service, runtime)`."""
    import asyncio

    from dorado_tui.engine.regime_updates import regime_service
    from dorado_tui.engine.runtime import open_runtime
    from dorado_tui.home import resolve_home

    async def go() -> Any:
        async with open_runtime(resolve_home(home), connect=False) as rt:
            return await work(regime_service(rt), rt)

    return asyncio.run(go())


@app.callback()
def regime(ctx: typer.Context, home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Show every model's latest published state: regime, confidence, probabilities, 3-day
    trend, drivers, age — and whether it is stale (then the scan's regime gate is neutral).

    Exit codes: 0 ok, 1 store unavailable, 2 invalid configuration.
    """
    if ctx.invoked_subcommand is not None:
        return

    async def work(service: Any, rt: Any) -> Any:
        return await service.current(), rt.clock.now()

    with exit_on_error(json_out):
        readings, now = _run(home, work)
    if json_out:
        emit_json({"ok": True, "now": now.isoformat(), "models": [_reading_dict(r, now) for r in readings]})
        return
    _print_current(readings, now)


def _reading_dict(r: Any, now: Any) -> dict[str, Any]:
    from dorado_tui.regime.publish import state_to_dict

    out: dict[str, Any] = {"model": r.model.value, "stale": r.stale, "effective_regime": r.effective_regime,
                           "reason": r.reason, "state": None}
    if r.state is not None:
        out["state"] = state_to_dict(r.state)
        out["age_seconds"] = round(r.state.age(now).total_seconds(), 1)
    return out


def _top(d: dict[str, float], n: int = 6) -> str:
    return ", ".join(f"{k} {v:.0%}" for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:n] if v >= 0.005)


def _print_current(readings: list[Any], now: Any) -> None:
    from rich.table import Table

    table = Table(title=f"Regime radar at {now:%Y-%m-%d %H:%M} UTC")
    for col in ("model", "regime", "conf.", "as of", "age", "probabilities", "3-day trend", "notes"):
        table.add_column(col)
    for r in readings:
        s = r.state
        if s is None:
            table.add_row(r.model.value, r.effective_regime, "—", "—", "—", "", "", r.reason)
            continue
        hours = s.age(now).total_seconds() / 3600
        age = f"{hours / 24:.1f} d" if hours >= 48 else f"{hours:.1f} h"
        moves = ", ".join(f"{k} {v:+.0%}" for k, v in s.trend_3d.items() if abs(v) >= 0.01) or "steady"
        notes = [r.reason] if r.stale else []
        if s.transition_alert:
            notes.append("TRANSITION ALERT")
        if s.drivers:
            notes.append("drivers: " + ", ".join(f"{k} {v:+.2f}" for k, v in s.drivers.items()))
        regime_text = f"{s.regime} → {r.effective_regime} (stale)" if r.stale else s.regime
        table.add_row(r.model.value, regime_text, f"{s.confidence:.0%}", s.asof.isoformat(), age,
                      _top(s.probabilities), moves, "; ".join(notes))
    console().print(table)


@app.command()
def history(
    model: Annotated[str, typer.Option("--model", help=f"One of {', '.join(MODELS)}.")] = "macro",
    start: Annotated[datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day.")] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day.")] = None,
    chart: Annotated[bool, typer.Option("--chart/--no-chart", help="Draw the probability chart.")] = True,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Stored daily states of one model between --from and --to, with a terminal chart of its
    regime probabilities and the list of regime periods.

    Exit codes: 0 ok, 1 store unavailable, 2 bad model name or dates.
    """
    from dorado_tui.domain.errors import BadInput
    from dorado_tui.domain.regime import RegimeModel

    with exit_on_error(json_out):
        if model not in MODELS:
            raise BadInput(f"unknown regime model {model!r}; choose one of {', '.join(MODELS)}")
        if start is not None and end is not None and start > end:
            raise BadInput(f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}")
        lo, hi = (start.date() if start else None), (end.date() if end else None)
        states = _run(home, lambda service, _rt: service.states_between(RegimeModel(model), lo, hi))
    if json_out:
        from dorado_tui.regime.publish import state_to_dict

        emit_json({"ok": True, "model": model, "states": [state_to_dict(s) for s in states]})
        return
    out = console()
    if not states:
        out.print(f"no stored {model} states in that period (run `dorado regime backfill --from YYYY-MM-DD` "
                  "or `dorado regime publish`)", markup=False, soft_wrap=True)
        return
    if chart:
        import sys

        sys.stdout.write(_chart(model, states, out.width) + "\n")
    for first, last, regime_name, days in _periods(states):
        out.print(f"  {first} → {last}  {regime_name:<16} {days:>4} d", markup=False, highlight=False)


def _periods(states: list[Any]) -> list[tuple[str, str, str, int]]:
    """Consecutive runs of the same regime: (first day, last day, regime, days)."""
    runs: list[list[Any]] = []
    for s in states:
        if runs and runs[-1][2] == s.regime:
            runs[-1][1], runs[-1][3] = s.asof, runs[-1][3] + 1
        else:
            runs.append([s.asof, s.asof, s.regime, 1])
    return [(a.isoformat(), b.isoformat(), r, n) for a, b, r, n in runs]


def _chart(model: str, states: list[Any], width: int) -> str:
    """Probability of each regime per day (plotext; one marker letter per regime)."""
    import plotext as plt

    days = [s.asof.strftime("%d/%m/%Y") for s in states]
    names = sorted({k for s in states for k in s.probabilities})
    plt.clear_figure()
    plt.theme("clear")
    plt.date_form("d/m/Y")
    plt.plotsize(max(60, min(width, 160)) - 1, 18)
    for name in names:
        plt.plot(days, [s.probabilities.get(name, 0.0) for s in states], marker=MARKERS.get(name, "•"),
                 label=f"{MARKERS.get(name, '•')} {name}")
    plt.ylim(0, 1)
    plt.title(f"{model} regime probabilities, {states[0].asof} → {states[-1].asof}")
    return str(plt.uncolorize(plt.build()))


def _progress_bar(enabled: bool) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<10}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=console(stderr=True), transient=True, disable=not enabled)


def _reporter(bar: Any) -> Any:
    tasks: dict[str, Any] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=max(total, 1))
        bar.update(tasks[stage], completed=done, total=max(total, 1))

    return report


@app.command()
def train(
    model: Annotated[list[str] | None, typer.Option("--model", help="macro, fx or crypto (repeatable; "
                                                    "default all three).")] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Train the macro HMM, the FX classifier and the crypto trend model on the stored history
    (walk-forward validation for FX and crypto), save each as a new versioned artefact under
    state/models/ and make it the one `publish` uses. Prints each model's metrics.

    Exit codes: 0 all trained, 1 a model failed (the others are saved), 2 bad model name.
    """
    from dorado_tui.domain.errors import BadInput
    from dorado_tui.regime.radar import TRAINED

    chosen = tuple(model or TRAINED)
    with exit_on_error(json_out):
        unknown = [m for m in chosen if m not in TRAINED]
        if unknown:
            raise BadInput(f"unknown trainable model(s) {', '.join(unknown)}; choose from {', '.join(TRAINED)}")
        with _progress_bar(not json_out) as bar:
            results = _run(home, lambda service, _rt: service.train(chosen, _reporter(bar)))
    failed = [r for r in results if r.error]
    if json_out:
        emit_json({"ok": not failed, "models": [{"model": r.model, "version": r.version, "error": r.error,
                                                 "metrics": r.metrics} for r in results]})
    else:
        _print_training(results)
    if failed:
        raise typer.Exit(1)


def _print_training(results: list[Any]) -> None:
    out = console()
    for r in results:
        if r.error:
            out.print(f"{r.model}: FAILED — {r.error}", markup=False, soft_wrap=True)
            continue
        out.print(f"{r.model}: saved {r.version}", markup=False)
        for line in _metric_lines(r.model, r.metrics):
            out.print(f"    {line}", markup=False, soft_wrap=True, highlight=False)


def _metric_lines(model: str, m: dict[str, Any]) -> list[str]:
    if model == "macro":
        occ = ", ".join(f"{k} {v:.0%}" for k, v in sorted(m["filtered_occupancy"].items(), key=lambda kv: -kv[1]))
        return [f"log-likelihood {m['log_likelihood']:,.1f} on {m['n_train']:,} days; "
                f"states {', '.join(m['state_labels'])}", f"filtered occupancy: {occ}"]
    report = m["stage1"] if model == "crypto" else m
    lines = [f"walk-forward out-of-sample: {report['n']:,} samples, {m['models']} models; accuracy "
             f"{report['accuracy']:.1%} vs baseline {report['baseline_accuracy']:.1%}; Brier {report['brier']:.3f}; "
             f"calibration error {report['ece']:.3f}",
             "confusion (rows true, columns predicted; " + ", ".join(report["classes"]) + "): "
             + " | ".join(" ".join(str(x) for x in row) for row in report["confusion"])]
    if model == "crypto" and "spearman" in m["stage2"]:
        s2 = m["stage2"]
        lines.append(f"strength on trend days: Spearman {s2['spearman']:.2f}, R² {s2['r2']:.2f} ({s2['n']:,} days)")
    return lines


@app.command()
def publish(
    asof: DateOpt = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Compute every model's state for the last stored day (or --asof) with the trained
    models and publish it: a regime_history row each, and the latest in the cache.

    Exit codes: 0 all published, 1 a model could not be computed (the others are published).
    """
    with exit_on_error(json_out):
        computed = _run(home, lambda service, _rt: service.publish(asof.date() if asof else None))
    _report_computed(computed, json_out)


@app.command()
def backfill(
    start: Annotated[datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day.")],
    end: Annotated[datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day.")] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Rebuild the point-in-time daily history of every model for --from … --to by
    walk-forward (each day from models trained before it) and store it in regime_history.

    Exit codes: 0 ok, 1 a model failed (the others are stored), 2 bad dates.
    """
    from dorado_tui.domain.errors import BadInput

    with exit_on_error(json_out):
        if end is not None and start > end:
            raise BadInput(f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}")
        with _progress_bar(not json_out) as bar:
            computed = _run(home, lambda service, _rt: service.backfill(
                start.date(), end.date() if end else None, _reporter(bar)))
    _report_computed(computed, json_out)


def _report_computed(computed: Any, json_out: bool) -> None:
    from collections import Counter

    counts = Counter(s.model.value for s in computed.states)
    if json_out:
        emit_json({"ok": not computed.problems, "published": dict(counts), "problems": computed.problems})
    else:
        out = console()
        for name, n in counts.items():
            last = max(s.asof for s in computed.states if s.model.value == name)
            out.print(f"{name}: {n} state(s) published, last {last}", markup=False)
        for name, why in computed.problems.items():
            out.print(f"{name}: not published — {why}", markup=False, soft_wrap=True)
    if computed.problems:
        raise typer.Exit(1)
