"""`dorado init`: create or complete a Dorado home (config, strategies, state/, database)."""

from __future__ import annotations

from commands.common import HomeOpt, JsonOpt, console, emit_json, exit_on_error


def init(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Create or complete a Dorado home: copy the default config/ and strategies/ where absent
    (never overwriting your files), validate them, create state/ (0700, git-ignored) and bring
    the database to the newest schema. Safe to run again.

    Exit codes: 0 ok, 1 store failure, 2 invalid configuration (state/ untouched).
    """
    from dorado_tui.home import initialize, resolve_home

    target = resolve_home(home)
    with exit_on_error(json_out):
        result = initialize(target)
    if json_out:
        emit_json({
            "ok": True, "home": str(result.home.root), "home_source": result.home.source,
            "copied": [result.home.relative(p) for p in result.copied],
            "kept": len(result.kept), "created": [result.home.relative(p) for p in result.created],
            "state_dir": str(result.home.state_dir),
            "store": {"url": result.store_url, "revision": result.revision},
        })
        return
    out = console()
    out.print(f"Dorado home: {result.home.root} ({result.home.source})")
    out.print(f"  config:  {len(result.copied)} default files copied, {len(result.kept)} existing kept")
    made = ", ".join(result.home.relative(p) for p in result.created) or "nothing new"
    out.print(f"  created: {made}")
    out.print(f"  store:   {result.store_url} at revision {result.revision or 'none'}")
    out.print("Next: dorado config check, dorado status")
