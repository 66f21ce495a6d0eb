"""JSON Schema of every registered file kind, for editors (yaml-language-server and friends)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dorado_tui.settings import registry
from dorado_tui.settings.registry import FileKind

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def file_schema(kind: FileKind) -> dict[str, Any]:
    """The schema of a whole file of `kind` (the model wrapped in its root key, if any)."""
    model = kind.load_model()
    inner = model.model_json_schema()
    if kind.root_key is None:
        body = inner
    else:
        defs = inner.pop("$defs", None)
        body = {"type": "object", "properties": {kind.root_key: inner},
                "required": [kind.root_key], "additionalProperties": False}
        if defs:
            body["$defs"] = defs
    return {"$schema": DRAFT, "title": f"Dorado {kind.pattern}",
            "description": kind.description, **{k: v for k, v in body.items() if k != "title"}}


def all_schemas() -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """(schemas by kind name, kinds whose model could not be imported -> why)."""
    schemas: dict[str, dict[str, Any]] = {}
    missing: dict[str, str] = {}
    for kind in registry.kinds():
        try:
            schemas[kind.name] = file_schema(kind)
        except (ImportError, AttributeError, TypeError) as exc:
            missing[kind.name] = str(exc)
    return schemas, missing


def write_schemas(directory: Path, schemas: dict[str, dict[str, Any]]) -> list[Path]:
    """Write `<kind>.schema.json` files into `directory` (created); return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas.items():
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=False) + "\n", encoding="utf-8")
        written.append(path)
    return written
