"""`dorado run`: the headless daemon — reconcile, then run the job table until SIGTERM."""

from __future__ import annotations

from typing import Any

from commands.common import HomeOpt, JsonOpt, console, emit_json, exit_on_error


def run(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Run Dorado headless: open the store and venues, reconcile (unresolved intents settled
    first), then run the job table — regime update, scans, monitoring, expirations, approval
    timeouts, reconciliation — on exchange calendars, while holding the store's scheduler lease.
    A second `dorado run` (or a console) on the same store waits attached and takes over if this
    one dies. SIGTERM or Ctrl-C stops it gracefully: no new job starts, the running one finishes,
    the lease is released. Logs go to stderr.

    Exit codes: 0 stopped cleanly, 1 store or venue unavailable, 2 invalid configuration.
    """
    import asyncio
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    with exit_on_error(json_out):
        report = asyncio.run(_daemon(home, json_out))
    runs = report.runs
    summary = {"event": "stopped", "ok": True, "role": report.role.value, "jobs_run": len(runs),
               "jobs_failed": sum(not r.ok for r in runs)}
    if json_out:
        emit_json(summary)
    else:
        console().print(f"stopped: {summary['jobs_run']} job run(s), {summary['jobs_failed']} failed; "
                        "scheduler lease released", markup=False)


async def _daemon(home: Any, json_out: bool) -> Any:
    import asyncio
    import signal

    from dorado_tui.home import resolve_home
    from dorado_tui.jobs import run_daemon

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    def ready(scheduler: Any, startup: Any) -> None:
        _announce(scheduler, startup, json_out)

    return await run_daemon(resolve_home(home), stop=stop, ready=ready)


def _announce(scheduler: Any, startup: Any, json_out: bool) -> None:
    import sys

    jobs = [{"id": j.id, "name": j.name, "next_run": j.next_run.isoformat() if j.next_run else None}
            for j in scheduler.next_jobs(5)]
    if json_out:
        emit_json({"event": "started", "role": scheduler.role.value, "owner": scheduler.owner,
                   "reconciliation": [r.as_dict() for r in startup], "next_jobs": jobs})
        sys.stdout.flush()  # a supervisor (or a test) reads this line while the daemon runs
        return
    out = console()
    for result in startup:
        out.print(result.headline(), markup=False, soft_wrap=True)
        for line in result.diff_lines():
            out.print(f"  {line}", markup=False, soft_wrap=True)
    out.print(f"scheduler {scheduler.role.value} ({scheduler.owner}); next: "
              + ", ".join(f"{j['id']} {j['next_run']}" for j in jobs), markup=False, soft_wrap=True)
    out.file.flush()
