"""`dorado config check|show|schema`: validate, explain and export the configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from commands.common import (
    EXIT_BAD_INPUT,
    HomeOpt,
    JsonOpt,
    console,
    emit_json,
    exit_on_error,
    sub_app,
)

app = sub_app("Check, show and export the configuration (config/*.yaml, strategies/*.yaml).")


@app.command()
def check(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Validate every configuration file and the references between them; list every problem
    as file:line:col field: message. Writes nothing.

    Exit codes: 0 valid (warnings allowed), 2 at least one error.
    """
    from dorado_tui.home import resolve_home
    from dorado_tui.settings import check_home

    report = check_home(resolve_home(home))
    errors, warnings = report.errors, report.warnings
    if json_out:
        emit_json({
            "ok": report.ok, "home": str(report.home.root), "home_source": report.home.source,
            "files": [f.display for f in report.files if not f.virtual],
            "errors": [p.as_dict() for p in errors], "warnings": [p.as_dict() for p in warnings],
        })
    else:
        _print_check(report.home.root, sum(not f.virtual for f in report.files), errors, warnings)
    if errors:
        raise typer.Exit(EXIT_BAD_INPUT)


def _print_check(root: Path, files: int, errors: list[Any], warnings: list[Any]) -> None:
    if errors or warnings:
        err = console(stderr=True)
        for problem in [*errors, *warnings]:
            err.print(str(problem), markup=False, soft_wrap=True)
    summary = f"{files} files in {root}: {len(errors)} error{'s' if len(errors) != 1 else ''}, " \
              f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    console(stderr=bool(errors)).print(("ok: " if not errors else "invalid: ") + summary, markup=False,
                                       soft_wrap=True)


KeyArg = Annotated[str | None, typer.Argument(
    help="Only keys equal to or under this prefix, e.g. dorado.venue, bots.spy-ic-01, secrets.")]


@app.command()
def show(key: KeyArg = None, home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Print the effective configuration, one value per line, with where it came from:
    file:line:col, env VARIABLE, default or derived. Secrets are always masked.

    Exit codes: 0 ok, 2 invalid configuration (run `dorado config check`).
    """
    from dorado_tui.home import resolve_home
    from dorado_tui.settings import load_config
    from dorado_tui.settings.provenance import effective

    with exit_on_error(json_out):
        config = load_config(resolve_home(home))
    values = [s for s in effective(config) if key is None or _under(s.key, key)]
    if json_out:
        emit_json({"home": str(config.home.root), "home_source": config.home.source,
                   "values": [{"key": s.key, "value": s.value, "source": s.source} for s in values]})
        return
    width = min(max((len(s.key) for s in values), default=0), 56)
    lines = [f"{s.key:<{width}} = {_text(s.value)}  # {s.source}" for s in values]
    console().print("\n".join(lines), markup=False, soft_wrap=True)


def _under(key: str, prefix: str) -> bool:
    return key == prefix or key.startswith((f"{prefix}.", f"{prefix}["))


def _text(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value)


OutOpt = Annotated[Path | None, typer.Option(
    "--out", help="Write one <kind>.schema.json per file kind into this directory.")]


@app.command()
def schema(out: OutOpt = None, json_out: JsonOpt = False) -> None:
    """Export JSON Schema for every configuration file kind, for editor completion and checks
    (e.g. yaml-language-server: `# yaml-language-server: $schema=.schemas/bot.schema.json`).
    Without --out the schemas are printed as one JSON object keyed by kind.

    Exit codes: 0 ok, 1 a directory could not be written.
    """
    from dorado_tui.settings.schema import all_schemas, write_schemas

    schemas, missing = all_schemas()
    for name, why in missing.items():
        console(stderr=True).print(f"warning: no schema for {name}: {why}", markup=False)
    if out is None:
        emit_json(schemas)
        return
    try:
        written = write_schemas(out, schemas)
    except OSError as exc:
        from commands.common import fail

        fail(f"cannot write schemas to {out}: {exc.strerror or exc}")
    if json_out:
        emit_json({"written": [str(p) for p in written], "missing": missing})
    else:
        for path in written:
            console().print(f"wrote {path}", markup=False)
