"""`dorado db upgrade`: bring the store's schema to the newest revision (idempotent)."""

from __future__ import annotations

from commands.common import HomeOpt, JsonOpt, console, emit_json, exit_on_error, sub_app

app = sub_app("The SQL store: schema migrations.")


def store_url_for(home: HomeOpt) -> str:
    """The configured store URL of the home (password from the environment or secrets.yaml)."""
    from dorado_tui.home import resolve_home
    from dorado_tui.settings import load_config

    return load_config(resolve_home(home)).store_url()


@app.command()
def upgrade(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Apply every pending migration to the configured store (SQLite or PostgreSQL). Running it
    again changes nothing. `dorado init` runs it for you.

    Exit codes: 0 ok, 1 store unreachable or migration failed, 2 invalid configuration.
    """
    from dorado_tui.store.admin import upgrade_store

    with exit_on_error(json_out):
        url = store_url_for(home)
        result = upgrade_store(url)
    if json_out:
        emit_json({"ok": True, "store": result.url, "from": result.before, "to": result.after,
                   "head": result.head, "changed": result.changed})
        return
    if result.changed:
        console().print(f"store {result.url}: upgraded {result.before or 'empty'} -> {result.after}",
                        markup=False, soft_wrap=True)
    else:
        console().print(f"store {result.url}: already at {result.after} (newest)", markup=False, soft_wrap=True)
