"""The `dorado` command: composes one module per command or group and maps errors to exit codes."""

from __future__ import annotations

import importlib
import os
import sys

import typer

from commands.common import EXIT_FAILURE, HomeOpt, debug_enabled

app = typer.Typer(
    name="dorado",
    help="Dorado — terminal-first operator console for defined-risk systematic trading.\n\n"
    "Paper by default. `dorado init` creates a home; `dorado tui` opens the console.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    # Plain click help: rich's help renderer imports markdown-it and pygments (~0.4 s of CPU),
    # which alone would break the 300 ms budget of `dorado --help`.
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    epilog="Exit codes: 0 ok, 1 failure, 2 bad input (nothing written), 3 refused by the trading "
    "state. DORADO_DEBUG=1 prints tracebacks.",
)


@app.callback()
def _global(home: HomeOpt = None) -> None:
    """Global options; `--home` here applies to every command."""
    # Sub-commands read DORADO_HOME through their own --home option, parsed after this callback.
    if home is not None:
        os.environ["DORADO_HOME"] = str(home)

#: (module, attribute, name or None): sub-apps are mounted under `name`; plain functions become
#: top-level commands. Command modules import only typer at top level so `--help` stays fast.
_COMMANDS: list[tuple[str, str, str | None]] = [
    ("commands.init", "init", "init"),
    ("commands.config", "app", "config"),
    ("commands.db", "app", "db"),
    ("commands.audit", "app", "audit"),
    ("commands.status", "status", "status"),
    ("commands.risk", "risk", "risk"),
    ("commands.kill", "kill", "kill"),
    ("commands.kill", "resume", "resume"),
    ("commands.gateway_sim", "app", "gateway-sim"),
    ("commands.ib", "app", "ib"),
    ("commands.data", "app", "data"),
    ("commands.tui", "tui", "tui"),
    ("commands.regime", "app", "regime"),
    ("commands.scan", "scan", "scan"),
    ("commands.signal", "signal", "signal"),
    ("commands.approve", "approve", "approve"),
    ("commands.approve", "reject", "reject"),
    ("commands.monitor", "monitor", "monitor"),
    ("commands.positions", "positions", "positions"),
    ("commands.positions", "orders", "orders"),
    ("commands.positions", "history", "history"),
    ("commands.positions", "nav", "nav"),
    ("commands.run", "run", "run"),
    ("commands.reconcile", "reconcile", "reconcile"),
    ("commands.replay", "replay", "replay"),
]


def _mount() -> None:
    for module_name, attr, name in _COMMANDS:
        module = importlib.import_module(module_name)
        target = getattr(module, attr)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name=name)(target)


_mount()


def run() -> None:
    """Console-script entry point: friendly one-line errors, tracebacks with DORADO_DEBUG=1."""
    from dorado_tui.domain.errors import DoradoError

    try:
        app()
    except DoradoError as exc:
        if debug_enabled():
            raise
        from commands.common import console

        err = console(stderr=True)
        err.print(f"[bold red]error:[/] {exc.message}", markup=True, soft_wrap=True)
        for line in getattr(exc, "problems", []) or []:
            err.print(line, markup=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the last line of defence: one line, not a traceback
        if debug_enabled():
            raise
        from commands.common import console

        console(stderr=True).print(
            f"[bold red]error:[/] {type(exc).__name__}: {exc} (set DORADO_DEBUG=1 for the traceback)",
            markup=True, soft_wrap=True)
        sys.exit(EXIT_FAILURE)


if __name__ == "__main__":
    run()
