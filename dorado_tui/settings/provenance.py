"""The effective configuration, value by value, with where each came from (file:line:col, env,
default or derived) — what `dorado config show` prints. Secrets appear only as a mask."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dorado_tui.settings.config import Config
from dorado_tui.settings.loader import LoadedFile
from dorado_tui.settings.translate import MASK


@dataclass(frozen=True, slots=True)
class Setting:
    """One effective value."""

    key: str
    value: Any
    source: str


def effective(config: Config) -> list[Setting]:
    """Every value of every file, the home's paths, derived values and (masked) secrets."""
    out = list(_home(config))
    for loaded in config.report.files:
        if loaded.model is not None:
            out.extend(_file_values(loaded, config.report.env_sources))
    out.extend(_derived(config))
    out.extend(_secrets(config))
    return out


def _home(config: Config) -> Iterator[Setting]:
    home = config.home
    yield Setting("home.root", str(home.root), home.source)
    for name in ("state_dir", "db_path", "models_dir", "logs_dir", "exports_dir", "secrets_path"):
        yield Setting(f"home.{name}", str(getattr(home, name)), "derived")


def _file_values(loaded: LoadedFile, env_sources: dict[tuple[str, ...], str]) -> Iterator[Setting]:
    assert loaded.model is not None
    data = loaded.model.model_dump(mode="json")
    for path, value in _leaves(data, ()):
        yield Setting(_key(loaded.label, path), value, _source(loaded, path, env_sources))


def _leaves(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from _leaves(child, (*path, key))
    elif isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        for index, child in enumerate(value):
            yield from _leaves(child, (*path, index))
    else:
        yield path, value


def _key(label: str, path: tuple[str | int, ...]) -> str:
    out = label
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _source(loaded: LoadedFile, path: tuple[str | int, ...], env_sources: dict[tuple[str, ...], str]) -> str:
    if loaded.kind.name == "dorado" and tuple(str(p) for p in path) in env_sources:
        return env_sources[tuple(str(p) for p in path)]
    overlay = loaded.overlay.nodes.get(path) if loaded.overlay is not None else None
    if overlay is not None and loaded.overlay is not None:
        return f"{loaded.overlay.file}:{overlay.value.line}:{overlay.value.col}"
    node = loaded.doc.nodes.get((*loaded.prefix, *path))
    if node is not None:
        return f"{loaded.display}:{node.value.line}:{node.value.col}"
    return "default"


def _derived(config: Config) -> Iterator[Setting]:
    yield Setting("effective.store_url", mask_url(config.store_url()), "derived (store.url, state dir, secrets)")
    for name, url in (("cache_url", config.cache_url()), ("bus_url", config.bus_url())):
        yield Setting(f"effective.{name}", mask_url(url) if url else "in-process", "derived")
    for bot in config.bots.values():
        yield Setting(f"effective.bots.{bot.id}.venue_mode", config.venue_mode_for(bot),
                      "derived (bot venue_mode capped by venue.mode)")


def _secrets(config: Config) -> Iterator[Setting]:
    result = config.report.secrets
    sources = result.sources if result else {}
    secrets = config.secrets
    for name in type(secrets).model_fields:
        value = getattr(secrets, name)
        if isinstance(value, dict):
            for key in sorted(value):
                source = sources.get(f"{name}.{key}") or sources.get(name, "secrets")
                yield Setting(f"secrets.{name}.{key}", MASK, source)
        elif value is not None:
            yield Setting(f"secrets.{name}", MASK, sources.get(name, "secrets"))
        else:
            yield Setting(f"secrets.{name}", None, "unset")


def mask_url(url: str) -> str:
    """A URL with any password replaced by the mask."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{MASK}@{host}"))
