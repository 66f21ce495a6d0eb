"""`dorado audit verify|tail`: check the hash chain of the audit log, read its newest entries."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commands.common import (
    EXIT_FAILURE,
    HomeOpt,
    JsonOpt,
    console,
    emit_json,
    exit_on_error,
    sub_app,
)

app = sub_app("The append-only, hash-chained audit log (state changes, approvals, orders, config).")


@app.command()
def verify(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Recompute every entry's hash and its link to the previous one; report the first edited,
    deleted or re-linked row. Keep the printed head hash somewhere else to detect a rewrite of
    the whole chain.

    Exit codes: 0 chain intact, 1 chain broken or store unavailable, 2 invalid configuration.
    """
    import asyncio

    from commands.db import store_url_for
    from dorado_tui.store.admin import verify_audit

    with exit_on_error(json_out):
        report = asyncio.run(verify_audit(store_url_for(home)))
    if json_out:
        emit_json({"ok": report.ok, "rows": report.rows, "head_seq": report.head_seq,
                   "head_hash": report.head_hash, "problem": report.problem or None, "bad_seq": report.bad_seq})
    elif report.ok:
        console().print(f"audit chain intact: {report.rows} entries, head seq {report.head_seq} "
                        f"hash {report.head_hash}", markup=False, soft_wrap=True)
    else:
        good = f"{report.rows} good entr{'y' if report.rows == 1 else 'ies'}"
        console(stderr=True).print(f"audit chain BROKEN after {good}: {report.problem}", markup=False,
                                   soft_wrap=True)
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)


def _as_dict(entry: Any) -> dict[str, Any]:
    return {"seq": entry.seq, "at": entry.at.isoformat(), "actor": entry.actor, "action": entry.action,
            "subject": entry.subject, "payload": entry.payload, "hash": entry.hash}


def _line(entry: Any) -> str:
    import json

    payload = json.dumps(entry.payload, sort_keys=True, separators=(",", ":"), default=str)
    return (f"{entry.seq:>6}  {entry.at:%Y-%m-%d %H:%M:%S}Z  {entry.actor:<9} {entry.action:<20} "
            f"{entry.subject:<16} {payload}")


@app.command()
def tail(
    home: HomeOpt = None,
    json_out: JsonOpt = False,
    n: Annotated[int, typer.Option("-n", "--lines", min=1, max=100_000, help="How many of the newest entries.")] = 20,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new entries until Ctrl-C.")] = False,
    interval: Annotated[float, typer.Option("--interval", min=0.1, help="Seconds between polls with --follow.")] = 1.0,
) -> None:
    """Print the newest audit entries, oldest first (times in UTC). With --json: a JSON array, or
    one JSON object per line with --follow.

    Exit codes: 0 ok, 1 store unavailable, 2 invalid configuration or option.
    """
    import asyncio

    from commands.db import store_url_for
    from dorado_tui.store.admin import audit_tail, follow_audit

    with exit_on_error(json_out):
        url = store_url_for(home)
        entries = asyncio.run(audit_tail(url, n))
    out = console()
    if json_out and not follow:
        emit_json([_as_dict(e) for e in entries])
        return
    for entry in entries:
        _print_entry(out, entry, json_out)
    if not entries and not json_out:
        console(stderr=True).print("no audit entries yet", markup=False)
    if follow:
        last = entries[-1].seq if entries else 0
        with exit_on_error(json_out):
            try:
                asyncio.run(follow_audit(url, last, lambda e: _print_entry(out, e, json_out), interval=interval))
            except KeyboardInterrupt:
                return


def _print_entry(out: Any, entry: Any, json_out: bool) -> None:
    import json
    import sys

    if json_out:
        sys.stdout.write(json.dumps(_as_dict(entry), default=str) + "\n")
        sys.stdout.flush()
    else:
        out.print(_line(entry), markup=False, soft_wrap=True, highlight=False)
