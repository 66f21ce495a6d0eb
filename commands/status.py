"""`dorado status`: trading state, venue, store (URL, revision) and counts, at a glance."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from commands.common import HomeOpt, JsonOpt, console, emit_json, exit_on_error

VenueOpt = Annotated[bool, typer.Option(
    "--venue", help="Also probe the IB gateway (paper/live mode) under venue.ibkr.probe_client_id: "
                    "connected, server version, account, last heartbeat, pacing budget.")]


def status(home: HomeOpt = None, json_out: JsonOpt = False, venue_probe: VenueOpt = False) -> None:
    """Show the global trading state (and any scope not ACTIVE), the venue mode, the store URL
    (password masked) and schema revision, and counts: bots, open positions, candidates awaiting
    approval, working orders, audit entries. With --venue, the IB connection as a short read-only
    session sees it (a gateway that cannot be reached is reported, not an error).

    Exit codes: 0 ok, 1 store unavailable or not initialized, 2 invalid configuration.
    """
    import asyncio

    from dorado_tui.home import resolve_home
    from dorado_tui.settings import load_config
    from dorado_tui.store.admin import store_status

    with exit_on_error(json_out):
        config = load_config(resolve_home(home))
        found = asyncio.run(store_status(config.store_url()))
    venue = _venue(config)
    if venue_probe and "ibkr" in venue:
        from dorado_tui.engine.venue_wiring import probe_ibkr

        venue["connection"] = _connection(asyncio.run(probe_ibkr(config)))
    services = {"cache": _masked(config.cache_url()), "bus": _masked(config.bus_url())}
    if json_out:
        emit_json({"ok": True, "home": str(config.home.root), "venue": venue, **found.as_dict(),
                   "services": services, "configured_bots": len(config.bots)})
        return
    _print(config, venue, services, found)


def _masked(url: str | None) -> str:
    from dorado_tui.store.urls import mask_url

    return "in-process" if url is None else mask_url(url)


def _venue(config: Any) -> dict[str, Any]:
    venue = config.dorado.venue
    out: dict[str, Any] = {"mode": venue.mode}
    if venue.mode != "simulation":
        out["ibkr"] = f"{venue.ibkr.host}:{venue.ibkr.port(venue.mode)}"
    return out


def _connection(st: Any) -> dict[str, Any]:
    return {"connected": st.connected, "detail": st.detail, "account": st.account or None,
            "server_version": st.server_version,
            "last_heartbeat": st.last_heartbeat.isoformat() if st.last_heartbeat else None,
            "pacing_budget": st.pacing_budget}


def _connection_text(c: dict[str, Any]) -> str:
    if not c["connected"]:
        return f"disconnected — {c['detail']}"
    beat = c["last_heartbeat"] or "none yet"
    budget = "n/a" if c["pacing_budget"] is None else f"{c['pacing_budget']:g} msg/s"
    return (f"connected ({c['detail']}), server version {c['server_version']}, account {c['account']}, "
            f"last heartbeat {beat}, pacing budget {budget}")


def _when(at: Any, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return "never set" if at is None else f"since {at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M %Z}"


def _print(config: Any, venue: dict[str, Any], services: dict[str, str], found: Any) -> None:
    out = console()
    zone = config.dorado.timezone
    ts = found.trading_state
    latch = ", latched" if ts.latched else ""
    why = f" — {ts.reason} (by {ts.set_by or 'unknown'}{latch})" if ts.reason else ""
    rows = [("trading", f"{ts.state.value} {_when(ts.at, zone)}{why}")]
    rows += [("", f"{s.scope}: {s.state.value}{' (latched)' if s.latched else ''} — {s.reason}")
             for s in found.restricted_scopes]
    rows.append(("venue", venue["mode"] + (f" via IBKR {venue['ibkr']}" if "ibkr" in venue else "")))
    if "connection" in venue:
        rows.append(("", _connection_text(venue["connection"])))
    behind = "" if found.revision == found.head else f" (newest is {found.head}: run `dorado db upgrade`)"
    rows.append(("store", f"{found.url} at revision {found.revision}{behind}"))
    rows.append(("cache/bus", f"{services['cache']} / {services['bus']}"))
    c = found.counts
    enabled = sum(1 for b in config.bots.values() if b.enabled)
    rows.append(("bots", f"{len(config.bots)} configured ({enabled} enabled), {c.bots} registered in the store"))
    rows.append(("counts", f"{c.open_positions} open positions, {c.pending_candidates} candidates awaiting "
                           f"approval, {c.working_orders} working orders, {c.audit_rows} audit entries"))
    out.print(f"Dorado home {config.home.root}", markup=False, soft_wrap=True)
    for label, text in rows:
        out.print(f"  {label:<10} {text}", markup=False, soft_wrap=True, highlight=False)
