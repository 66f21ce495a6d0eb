"""Environment overrides of `dorado.yaml` values (they win over the file; `config show` says so)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dorado_tui.settings.problems import Problem

#: Variable -> (dotted path in dorado.yaml, converter from the string).
ENV_OVERRIDES: dict[str, tuple[tuple[str, ...], Callable[[str], Any]]] = {
    "DORADO_VENUE_MODE": (("venue", "mode"), str),
    "DORADO_IBKR_HOST": (("venue", "ibkr", "host"), str),
    "DORADO_IBKR_PAPER_PORT": (("venue", "ibkr", "paper_port"), int),
    "DORADO_IBKR_LIVE_PORT": (("venue", "ibkr", "live_port"), int),
    "DORADO_IBKR_CLIENT_ID": (("venue", "ibkr", "client_id"), int),
    "DORADO_IBKR_ACCOUNT": (("venue", "ibkr", "account"), str),
    "DORADO_STORE_URL": (("store", "url"), str),
    "DORADO_CACHE_URL": (("cache", "url"), str),
    "DORADO_BUS_URL": (("bus", "url"), str),
    "DORADO_TIMEZONE": (("timezone",), str),
    "DORADO_SIMULATION_SEED": (("simulation", "seed"), int),
}


def apply_env(data: dict[str, Any], environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[tuple[str, ...], str], list[Problem]]:
    """`data` with the environment's overrides applied; which path came from which variable;
    and problems with the variables themselves.

    Live trading is never switched on from the environment: it must be written in the file.
    """
    out = _copy(data)
    sources: dict[tuple[str, ...], str] = {}
    problems: list[Problem] = []
    for var, (path, convert) in ENV_OVERRIDES.items():
        raw = environ.get(var)
        if raw is None or raw == "":
            continue
        if var == "DORADO_VENUE_MODE" and raw.strip() == "live":
            problems.append(Problem(f"${var}", 0, 0, ".".join(path),
                                    "live mode cannot be set from the environment; write it in config/dorado.yaml",
                                    got="'live'", allowed="simulation, paper"))
            continue
        try:
            value = convert(raw.strip())
        except ValueError:
            problems.append(Problem(f"${var}", 0, 0, ".".join(path), "expected an integer", got=repr(raw)))
            continue
        _put(out, path, value)
        sources[path] = f"env {var}"
    return out, sources, problems


def _copy(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy(v) if isinstance(v, dict) else v for k, v in data.items()}


def _put(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = data
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value
