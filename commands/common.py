"""Shared option aliases, output helpers and the error funnel every command uses.

Imports here must stay light (typer, rich only at call time): `dorado --help` loads this module.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer

#: Exit codes, documented in the README.
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of tables.")]
HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="Dorado home (holds config/, strategies/, state/). Default: $DORADO_HOME, "
                 "else the current directory if it holds config/, else the user data directory.",
                 envvar="DORADO_HOME", show_envvar=True),
]

F = TypeVar("F", bound=Callable[..., Any])


def sub_app(help_text: str) -> typer.Typer:
    """A Typer sub-application with the house defaults."""
    return typer.Typer(help=help_text, no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]},
                       rich_markup_mode="rich", pretty_exceptions_enable=False)


def emit_json(payload: Any) -> None:
    """Write JSON to stdout (dates and other objects as strings)."""
    sys.stdout.write(json.dumps(payload, indent=2, default=str, sort_keys=False) + "\n")


def console(stderr: bool = False) -> Any:
    """A rich Console honouring NO_COLOR (rich imported lazily)."""
    from rich.console import Console

    return Console(stderr=stderr, no_color="NO_COLOR" in os.environ, highlight=False)


def operator() -> str:
    """Who runs this command, as the audit log records it (the login name)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


#: Characters a column needs in a table that reads; narrower terminals get one record per row.
COLUMN_WIDTH = 10


def print_rows(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]], *,
               right: Collection[str] = ()) -> None:
    """Rows as a table when the terminal gives each column room, else one record per row: its
    first cell as a heading, then `column value` pairs wrapped to the width (a wide table squeezed
    into 80 columns over SSH cuts every cell to an ellipsis)."""
    out = console()
    if out.width >= COLUMN_WIDTH * len(columns):
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        for col in columns:
            table.add_column(col, justify="right" if col in right else "left")
        for row in rows:
            table.add_row(*row)
        out.print(table)
        return
    out.print(title, style="bold", markup=False)
    for head, *rest in rows:
        out.print(head, style="bold", markup=False)
        out.print("    " + "  ".join(f"{c} {v}" for c, v in zip(columns[1:], rest, strict=True) if v),
                  markup=False)


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """Print one friendly error line to stderr and exit with `code`."""
    console(stderr=True).print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


def debug_enabled() -> bool:
    return os.environ.get("DORADO_DEBUG", "") not in ("", "0", "false", "no")


@contextmanager
def exit_on_error(json_out: bool = False) -> Iterator[None]:
    """Turn a DoradoError into one friendly line (plus its problems) and its exit code.

    With --json the error is a JSON object on stdout instead; DORADO_DEBUG=1 re-raises it.
    """
    from dorado_tui.domain.errors import DoradoError

    try:
        yield
    except DoradoError as exc:
        if debug_enabled():
            raise
        problems = list(getattr(exc, "problems", []) or [])
        if json_out:
            emit_json({"ok": False, "error": exc.message, "exit_code": exc.exit_code, "problems": problems})
        else:
            err = console(stderr=True)
            err.print(f"[bold red]error:[/] {exc.message}", markup=True, soft_wrap=True)
            for line in problems:
                err.print(line, markup=False, soft_wrap=True, highlight=False)
        raise typer.Exit(exc.exit_code) from None

